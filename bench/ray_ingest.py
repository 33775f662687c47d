"""Ingestion on Ray against the local path: the same index, and the time each takes.

    flock /tmp/qa-timing.lock python -m bench.ray_ingest [--paragraphs N] [--workers 1 2]

The corpus: the 48 SQuAD v1.1 dev articles, one .txt per article with all its paragraphs
(``--paragraphs N``: only the first N of each), plus a metadata.json giving every file the same
"added" date (otherwise it is the time each run read the file). Each run indexes it from scratch
into an empty temp index with ``update_index``: locally (the default engine, one process,
QA_THREADS threads), then with ``engine=RayEngine(concurrency=W)`` for each W, then locally
again (the machine is shared: the two local runs show how far its load moved the figures).
A Ray run starts a local Ray cluster of W CPUs (timed: it is part of what ``qa index --engine ray`` costs) and
stops it after. Each Ray index is compared with the local one: manifest.json without "created",
documents.jsonl, texts/ and the BM25 files byte for byte, passage ids in order, and the largest
absolute difference between their passage and sentence vectors.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

import numpy as np

from .common import SQUAD, table, temp_project, write_section

ADDED = "2026-01-01T00:00:00+00:00"


def write_corpus(folder: Path, paragraphs: int | None) -> int:
    """The 48 SQuAD dev articles as .txt files (title, then paragraphs); returns the paragraph count."""
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    folder.mkdir(parents=True, exist_ok=True)
    meta, count = {}, 0
    for i, art in enumerate(data):
        paras = [" ".join(p["context"].split()) for p in art["paragraphs"]][:paragraphs]
        count += len(paras)
        name = f"squad_{i:02d}.txt"
        (folder / name).write_text(art["title"].replace("_", " ") + "\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
        meta[name] = {"added": ADDED}
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return count


class Stages:
    """Progress callback recording when each stage reported its end."""

    def __init__(self):
        self.start = time.perf_counter()
        self.ends: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if done >= total:
            self.ends[stage] = time.perf_counter() - self.start


def index_once(settings, engine) -> dict:
    from qa.index import update_index
    from qa.models.encoders import embedder_for

    load = os.getloadavg()[0]
    stages = Stages()
    started = time.perf_counter()
    report = update_index(settings, embedder_for(settings), stages, engine=engine)  # model loaded inside: timed
    wall = time.perf_counter() - started
    return {"wall": wall, "report": report, "stages": stages.ends, "load": load}


def compare(local: Path, other: Path) -> dict:
    """What is equal between two index folders, and the largest vector difference."""
    from qa.index import store

    a, b = store.live_version(local), store.live_version(other)
    ma, mb = (json.loads((v / "manifest.json").read_text(encoding="utf-8")) for v in (a, b))
    ma.pop("created"), mb.pop("created")
    files = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file()
                   and p.suffix not in (".npy", ".faiss") and p.name != "manifest.json")
    same_files = all((a / f).read_bytes() == (b / f).read_bytes() for f in files) and \
        files == sorted(str(p.relative_to(b)) for p in b.rglob("*") if p.is_file()
                        and p.suffix not in (".npy", ".faiss") and p.name != "manifest.json")
    va, vb = store.read_version(a), store.read_version(b)
    diff = max(float(np.abs(va.table.passage_vecs - vb.table.passage_vecs).max()),
               float(np.abs(va.table.sentence_vecs - vb.table.sentence_vecs).max()))
    return {"manifest": ma == mb, "files": same_files, "n_files": len(files),
            "ids": [p.passage_id for p in va.table.passages] == [p.passage_id for p in vb.table.passages],
            "max_diff": diff}


def _row(name: str, run: dict, versus: dict | None) -> list:
    r = run["report"]
    texts = r.embedded_passages + r.embedded_sentences
    s = run["stages"]
    if "embed on ray" in s:
        split = f"read {s['read on ray']:.1f} s (incl. cluster start), embed {s['embed on ray'] - s['read']:.1f} s"
    else:
        split = f"read {s['read']:.1f} s, embed {s['embed sentences'] - s['read']:.1f} s"
    same = "(reference)" if versus is None else (
        f"manifest {'same' if versus['manifest'] else 'DIFFERENT'}, {versus['n_files']} other files "
        f"{'byte-equal' if versus['files'] else 'DIFFERENT'}, passage ids {'same' if versus['ids'] else 'DIFFERENT'}, "
        f"max abs vector diff {versus['max_diff']:.1e}")
    return [name, f"{run['load']:.1f}", f"{run['wall']:.1f}", f"{r.passages / run['wall']:.2f}", f"{texts / run['wall']:.1f}", split, same]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, help="only the first N paragraphs of each article")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Ray worker counts to run")
    parser.add_argument("--batch-size", type=int, default=256, help="texts per call of a Ray encoder actor")
    args = parser.parse_args(argv)
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "WARNING")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG
    from qa import Settings
    from qa.index.ray_ingest import RayEngine

    started = time.perf_counter()
    with temp_project(copy_corpus=False) as root:
        paragraphs = write_corpus(root / "corpus", args.paragraphs)
        base = Settings(corpus_dir=root / "corpus", index_dir=root / "local")
        runs = {"local (1 process)": (index_once(base, "local"), None)}
        for w in args.workers:
            settings = base.with_(index_dir=root / f"ray{w}")
            run = index_once(settings, RayEngine(batch_size=args.batch_size, concurrency=w))
            runs[f"Ray, {w} worker{'s' if w > 1 else ''}"] = (run, compare(base.index_dir, settings.index_dir))
        again = base.with_(index_dir=root / "local-again")  # the local run once more: how much the load moved
        runs["local again"] = (index_once(again, "local"), compare(base.index_dir, again.index_dir))
    local = runs["local (1 process)"][0]["report"]
    rows = [_row(name, run, versus) for name, (run, versus) in runs.items()]
    body = (f"Corpus: the 48 SQuAD v1.1 dev articles, one .txt each, "
            f"{'all their' if args.paragraphs is None else f'the first {args.paragraphs}'} paragraphs "
            f"({paragraphs} in the files; {local.documents} documents, {local.passages} passages, "
            f"{local.embedded_passages + local.embedded_sentences} distinct passage and sentence texts embedded), "
            f"indexed from scratch into an empty index by `update_index` each time (model loading included), "
            f"in the order of the table. "
            f"Local: one process, QA_THREADS={base.threads}. Ray: a local cluster of W CPUs started and stopped "
            f"inside the run (timed), W encoder actors of {base.threads} thread(s) each, {args.batch_size} texts per "
            f"actor call; documents read, cleaned and split in Ray tasks. Compared with the local index: "
            f"manifest.json without its creation time, documents.jsonl, texts/ and the BM25 files byte for byte, "
            f"passage ids in order, passage and sentence vectors.\n\n"
            + table(["run", "load avg at start", "wall s", "passages/s", "texts/s", "stages", "against the local index"], rows)
            + f"\n\n{time.perf_counter() - started:.0f} s in all. The machine is shared (other engineers' untimed "
              f"work may run meanwhile): see the load average above.")
    command = "flock /tmp/qa-timing.lock python -m bench.ray_ingest" + (
        f" --paragraphs {args.paragraphs}" if args.paragraphs else "") + (
        f" --workers {' '.join(map(str, args.workers))}" if args.workers != [1, 2] else "")
    write_section("ray-ingest", "Ingestion on Ray Data against the local path", body, command)
    ok = all(v["manifest"] and v["files"] and v["ids"] and v["max_diff"] <= 1e-5 for _, v in runs.values() if v)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
