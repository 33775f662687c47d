"""Build or update the index from the corpus folder, embedding only what is new or changed.

The corpus folder is the single source of truth: a file added there is indexed, a file changed
is re-read, a file removed leaves the index. Vectors of passages and sentences whose text is
unchanged are taken from the previous version (keyed by a hash of their text), so a second
run with nothing changed embeds nothing.
"""
from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from . import store
from .config import APPROXIMATE_ABOVE, Settings
from .embed import Embedder
from .errors import BadInput, IndexProblem
from .ingest import INGEST_VERSION, corpus_files, doc_id_for, load_document, read_metadata
from .lexical import BM25
from .types import Document

log = logging.getLogger(__name__)

#: progress(stage, done, total)
Progress = Callable[[str, int, int], None]


@dataclass
class UpdateReport:
    documents: int = 0
    passages: int = 0
    embedded_passages: int = 0
    embedded_sentences: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per file that could not be read
    notes: list[str] = field(default_factory=list)  # e.g. "x.txt: not valid UTF-8, decoded as cp1252"
    unchanged: bool = False


def manifest_for(settings: Settings, embedder: Embedder, dim: int, kind: str, docs: list[Document]) -> dict:
    return {
        "format_version": store.FORMAT_VERSION,
        "ingest_version": INGEST_VERSION,
        "model": {"id": settings.model, "weights_sha256": embedder.weights_sha256, "dimension": dim},
        "index_kind": kind,
        "corpus_dir": str(settings.corpus_dir.resolve()),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "counts": {"documents": len(docs), "passages": sum(len(d.passages) for d in docs),
                   "sentences": sum(len(p.sentences) for d in docs for p in d.passages)},
        "documents": [{"doc_id": d.doc_id, "path": d.path, "sha256": d.sha256, "title": d.title,
                       "size": _stat(d.path)[0], "mtime_ns": _stat(d.path)[1]} for d in docs],
    }


def _stat(path: str) -> tuple[int, int]:
    try:
        st = Path(path).stat()
        return st.st_size, st.st_mtime_ns
    except OSError:
        return -1, -1


def compatible(manifest: dict, settings: Settings, embedder: Embedder) -> str | None:
    """Why an index built with ``manifest`` cannot be used with these settings (None if it can)."""
    if manifest.get("format_version") != store.FORMAT_VERSION:
        return f"index format {manifest.get('format_version')} is not the current {store.FORMAT_VERSION}"
    if manifest.get("ingest_version") != INGEST_VERSION:
        return "the index was built by another version of the document reader"
    model = manifest.get("model", {})
    if model.get("id") != settings.model:
        return f"index was built with model {model.get('id')!r}, settings ask for {settings.model!r}"
    if model.get("weights_sha256") != embedder.weights_sha256:
        return "the model's weights changed since the index was built"
    return None


def _same_model(manifest: dict, settings: Settings, embedder: Embedder) -> bool:
    model = manifest.get("model", {})
    return model.get("id") == settings.model and model.get("weights_sha256") == embedder.weights_sha256


def is_fresh(manifest: dict, settings: Settings) -> bool:
    """True if the corpus folder holds exactly the indexed files, unchanged (size and mtime)."""
    try:
        files = corpus_files(settings.corpus_dir)
    except BadInput:
        return False
    if manifest.get("corpus_dir") != str(settings.corpus_dir.resolve()):
        return False
    indexed = {d["path"]: (d["size"], d["mtime_ns"]) for d in manifest.get("documents", [])}
    current = {str(p.resolve()) for p in files}
    if current != set(indexed) | set(manifest.get("skipped", {})):
        return False
    return all(_stat(p) == st for p, st in indexed.items())


def choose_kind(settings: Settings, n_passages: int) -> str:
    if settings.index_kind == "auto":
        return "hnsw" if n_passages > APPROXIMATE_ABOVE else "flat"
    return settings.index_kind


def update_index(settings: Settings, embedder: Embedder, progress: Progress | None = None,
                 _fail_after: str | None = None) -> UpdateReport:
    """Bring ``settings.index_dir`` in line with ``settings.corpus_dir``; return what changed."""
    progress = progress or (lambda stage, done, total: None)
    report = UpdateReport()
    with store.write_lock(settings.index_dir):
        old_docs: dict[str, Document] = {}
        old_vecs: dict[str, np.ndarray] = {}
        old_manifest: dict = {}
        try:
            folder = store.live_version(settings.index_dir)
            if folder is not None:
                old_manifest, docs_, pvecs, svecs, _, _ = store.read_version(folder)
                problem = compatible(old_manifest, settings, embedder)
                if problem is None:
                    old_docs = {d.path: d for d in docs_}
                else:
                    log.info("rebuilding: %s", problem)
                if _same_model(old_manifest, settings, embedder):
                    # vectors depend only on the text and the model: reuse them across reader versions
                    old_vecs = _vectors_by_text(docs_, pvecs, svecs)
        except IndexProblem as exc:
            log.warning("previous index unusable, rebuilding: %s", exc)

        files = corpus_files(settings.corpus_dir)
        meta = read_metadata(settings.corpus_dir)
        docs: list[Document] = []
        skipped: dict[str, str] = {}
        used_ids: set[str] = set()
        for i, path in enumerate(files):
            progress("read", i, len(files))
            key = str(path.resolve())
            doc_id = doc_id_for(path)
            while doc_id in used_ids:  # a.txt and a.md: the second becomes a-2
                doc_id = doc_id + "-2"
            try:
                old = old_docs.get(key)
                sha = hashlib.sha256(path.read_bytes()).hexdigest() if old else None
                if old is not None and old.sha256 == sha and old.doc_id == doc_id:
                    doc = old
                    m = meta.get(path.name, {})
                    doc.title = m.get("title") or doc.title
                    doc.source = m.get("source") or doc.source
                else:
                    entry = dict(meta.get(path.name, {}))
                    if old is not None:
                        entry.setdefault("added", old.added)
                    doc = load_document(path, entry, doc_id)
                    doc.path = key
                    (report.changed if old is not None else report.added).append(doc_id)
                    report.notes.extend(doc.notes)
            except (BadInput, OSError) as exc:
                skipped[key] = str(exc)
                report.skipped.append(str(exc))
                continue
            used_ids.add(doc_id)
            docs.append(doc)
        progress("read", len(files), len(files))
        kept = {d.path for d in docs}
        report.removed = [d.doc_id for p, d in old_docs.items() if p not in kept]
        if not docs:
            where = settings.corpus_dir
            raise BadInput(f"{where}: no readable .txt, .md or .html file to index; add some and run again"
                           + (f" ({'; '.join(report.skipped)})" if report.skipped else ""))

        passages = [p for d in docs for p in d.passages]
        sentences = [d.text[s:e] for d in docs for p in d.passages for s, e in p.sentences]
        pvecs, n1 = _embed_reusing([p.text for p in passages], old_vecs, embedder, progress, "embed passages")
        svecs, n2 = _embed_reusing(sentences, old_vecs, embedder, progress, "embed sentences")
        report.embedded_passages, report.embedded_sentences = n1, n2
        report.documents, report.passages = len(docs), len(passages)
        dim = pvecs.shape[1]
        unchanged = (not report.added and not report.changed and not report.removed and old_manifest
                     and old_manifest.get("corpus_dir") == str(settings.corpus_dir.resolve())
                     and old_manifest.get("skipped", {}) == skipped)
        manifest = manifest_for(settings, embedder, dim, choose_kind(settings, len(passages)), docs)
        manifest["skipped"] = skipped
        if unchanged and old_manifest.get("documents") == manifest["documents"]:
            report.unchanged = True
            return report
        progress("write", 0, 1)
        faiss_index = store.build_faiss(pvecs, manifest["index_kind"])
        bm25 = BM25.build([p.text for p in passages])
        store.write_version(settings.index_dir, manifest, docs, pvecs, svecs, faiss_index, bm25, _fail_after)
        progress("write", 1, 1)
    return report


def _vectors_by_text(docs: list[Document], pvecs: np.ndarray, svecs: np.ndarray) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    passages = [p for d in docs for p in d.passages]
    for p, v in zip(passages, pvecs):
        out[store.content_hash(p.text)] = v
    sentences = [d.text[s:e] for d in docs for p in d.passages for s, e in p.sentences]
    for t, v in zip(sentences, svecs):
        out[store.content_hash(t)] = v
    return out


def _embed_reusing(texts: list[str], cache: dict[str, np.ndarray], embedder: Embedder,
                   progress: Progress, stage: str) -> tuple[np.ndarray, int]:
    """Vectors for ``texts``, encoding only those whose hash is not in ``cache``."""
    keys = [store.content_hash(t) for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items())
    fresh: dict[str, np.ndarray] = {}
    step = max(embedder.batch_size * 4, 1)
    for i in range(0, len(todo), step):
        progress(stage, i, len(todo))
        chunk = todo[i:i + step]
        for (k, _), v in zip(chunk, embedder.encode([t for _, t in chunk])):
            fresh[k] = v
    progress(stage, len(todo), len(todo))
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    rows = [cache[k] if k in cache else fresh[k] for k in keys]
    return np.ascontiguousarray(np.stack(rows), dtype=np.float32), len(todo)


def add_files(settings: Settings, paths: list[Path]) -> list[Path]:
    """Copy files into the corpus folder under safe names; never overwrite a different file.

    Returns the paths inside the corpus folder. Raises BadInput naming the first bad file.
    """
    from .ingest import SUPPORTED

    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for src in paths:
        src = Path(src)
        if not src.is_file():
            raise BadInput(f"{src}: no such file")
        load_document(src)  # refuse unreadable, binary, oversized or text-less files before copying
        safe = doc_id_for(src) + src.suffix.lower()
        if src.suffix.lower() not in SUPPORTED:
            raise BadInput(f"{src.name}: unsupported file type; use one of {', '.join(SUPPORTED)}")
        dest = settings.corpus_dir / safe
        if dest.exists() and dest.resolve() != src.resolve():
            if dest.read_bytes() != src.read_bytes():
                raise BadInput(f"{src.name}: a different document named {safe} is already in the corpus; "
                               "rename the file or remove the old document first")
        elif not dest.exists():
            shutil.copyfile(src, dest)
        out.append(dest)
    return out
