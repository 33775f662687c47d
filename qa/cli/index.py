"""``python -m qa index [PATHS or URLS]``: build or update the index; files given are copied into the
corpus, web pages given by URL are fetched into it, a folder given becomes the corpus."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import BadInput
from ..present.text import visible
from .common import Progress, settings_from


def add_parser(sub) -> None:
    p = sub.add_parser("index", help="build or update the index (files given are copied into the corpus, "
                                     "URLs fetched into it)")
    p.add_argument("paths", nargs="*", help="files or http(s) URLs to add, or a folder to index as the corpus")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local (default): this process; ray: read, clean, split and embed on Ray Data "
                        "(pip install -r requirements-ray.txt); the same index either way")
    p.add_argument("--ray-batch-size", type=int, metavar="N",
                   help="texts per call of a Ray encoder actor (default QA_RAY_BATCH_SIZE or 256)")
    p.add_argument("--ray-concurrency", type=int, metavar="N",
                   help="Ray encoder actors, and CPUs of the local Ray cluster (default QA_RAY_CONCURRENCY or "
                        "the CPU count)")
    p.set_defaults(func=run)


def _engine(args):
    """"local", or the Ray engine with the flags over QA_RAY_* (checked before anything is read)."""
    ray_flags = {"batch_size": args.ray_batch_size, "concurrency": args.ray_concurrency}
    if args.engine == "local":
        if any(v is not None for v in ray_flags.values()):
            raise BadInput("--ray-batch-size and --ray-concurrency need --engine ray")
        return "local"
    import os
    from dataclasses import replace

    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "WARNING")  # Ray Data's per-dataset INFO lines: noise here
    from ..index.ray_ingest import RayEngine, ray_engine

    return ray_engine(replace(RayEngine(), **{k: v for k, v in ray_flags.items() if v is not None}))


def indexed_in(settings) -> dict:
    """The documents the live index holds (sha256 -> document, ``qa.ingest.indexed_by_sha``) when
    it indexes this corpus folder: a file or link whose content is one of them is not added again.
    Nothing when there is no index yet (or it is damaged: the update says so, and rebuilds)."""
    from ..errors import QAError
    from ..index import store
    from ..ingest import indexed_by_sha

    try:
        folder = store.live_version(settings.index_dir)
        manifest = store.read_manifest(folder) if folder else None
    except QAError:
        return {}
    if manifest is None or manifest.corpus_dir != str(settings.corpus_dir.resolve()):
        return {}
    return indexed_by_sha(manifest.documents)


def run(args) -> int:
    from ..index import update_index
    from ..ingest import add_files, add_url, is_url
    from ..models.encoders import embedder_for

    settings = settings_from(args)
    files, urls = [], []
    for p in args.paths:
        if not p.strip():  # Path("") is the working folder: it would become the corpus
            raise BadInput("an empty path was given to index; name a file or a folder, e.g. python -m qa index corpus/")
        if is_url(p):
            urls.append(p)
            continue
        p = Path(p)
        if p.is_dir():
            settings = settings.with_(corpus_dir=p)
        elif p.exists():
            files.append(p)
        else:
            raise BadInput(f"{p}: no such file or folder")
    known = indexed_in(settings)
    if files:
        add_files(settings.corpus_dir, files, known)
    for url in urls:  # after the folder is known; each fetched file lands in the corpus before indexing
        dest = add_url(settings.corpus_dir, url, known)
        print(visible(f"fetched: {url} -> {dest.name}"), file=sys.stderr)
    report = update_index(settings, embedder_for(settings), Progress(), engine=_engine(args))
    for line in report.skipped:
        print(visible(f"skipped: {line}"), file=sys.stderr)  # file names: shown, not obeyed
    for line in report.notes:
        print(visible(f"note: {line}"), file=sys.stderr)
    state = "unchanged" if report.unchanged else "updated"
    print(visible(f"index {state}: {report.documents} documents, {report.passages} passages in {settings.index_dir} "
          f"(embedded {report.embedded_passages} passages, {report.embedded_sentences} sentences; "
          f"added {len(report.added)}, changed {len(report.changed)}, removed {len(report.removed)})"))
    return 0
