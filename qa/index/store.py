"""The on-disk index: a directory of plain parts, written atomically, refused when it does not match.

Layout of ``index/``::

    CURRENT                 name of the live version folder (replaced atomically)
    v-<stamp>/manifest.json format version, model id and weights hash, dimension, kind, documents, counts
    v-<stamp>/documents.jsonl   one row per document: metadata and its blocks (spans, no copies of text)
    v-<stamp>/texts/<id>.txt    the text the offsets point into (the decoded file, or extracted HTML text)
    v-<stamp>/passages.npy, sentences.npy   float32 vectors (np.save, allow_pickle=False)
    v-<stamp>/vectors.faiss     FAISS index over passage vectors
    v-<stamp>/bm25/, bm25_df.json   bm25s index and document frequencies
    v-<stamp>/<name>.json       extras derived from the version (the corpus overview), see write_extra

A new version is written in a temporary folder and only then named in CURRENT, so a crash
while writing leaves the previous index in use. No pickles anywhere.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import IndexProblem
from ..types import Block, Document
from .lexical import BM25
from .manifest import FORMAT_VERSION, Manifest
from .table import PassageTable

log = logging.getLogger(__name__)

__all__ = ["FORMAT_VERSION", "IndexVersion", "live_version", "read_manifest", "read_version", "write_version",
           "write_lock", "read_extra", "write_extra"]

CURRENT = "CURRENT"
REBUILD = "rebuild with: python -m qa index"


@dataclass
class IndexVersion:
    """Everything one index version holds, as loaded: ``folder`` is where it lives on disk
    (None for an index built in memory, as evaluation does)."""

    manifest: Manifest
    table: PassageTable
    vectors: object  # the FAISS index over table.passage_vecs
    lexical: BM25
    folder: Path | None = None


def _block_row(b: Block) -> dict:
    return {"kind": b.kind, "start": b.start, "end": b.end, "paragraph": b.paragraph,
            "sentences": [list(s) for s in b.sentences]}


def _doc_row(d: Document) -> dict:
    row = {k: v for k, v in asdict(d).items() if k not in ("text", "blocks")}
    row["notes"] = list(d.notes)
    row["blocks"] = [_block_row(b) for b in d.blocks]
    return row


def _doc_from_row(row: dict, text: str) -> Document:
    if any(b["end"] > len(text) for b in row["blocks"]):
        raise ValueError(f"text of {row['doc_id']} is shorter than its passages")
    blocks = [Block(row["doc_id"], b["kind"], b["start"], b["end"], text[b["start"]:b["end"]],
                    b["paragraph"], tuple(tuple(s) for s in b["sentences"])) for b in row["blocks"]]
    return Document(row["doc_id"], row["title"], row["source"], row["path"], row["sha256"], text,
                    blocks, row.get("added", ""), tuple(row.get("notes", ())))


def live_version(index_dir: Path) -> Path | None:
    """The folder CURRENT names, or None if there is no index yet."""
    pointer = index_dir / CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    folder = index_dir / name
    if not name or not folder.is_dir():
        raise IndexProblem(f"{pointer} names {name!r}, which is missing; {REBUILD}")
    return folder


@contextlib.contextmanager
def write_lock(index_dir: Path):
    """One writer at a time (the app and the CLI may both update the index)."""
    import fcntl

    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())


def write_version(index_dir: Path, version: IndexVersion, _fail_after: str | None = None) -> Path:
    """Write a complete new version and switch CURRENT to it; return its folder.

    ``_fail_after`` is for tests only: raise after writing that part, to simulate a crash.
    """
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    for stale in index_dir.glob(".tmp-*"):  # leftovers of an earlier crash
        shutil.rmtree(stale, ignore_errors=True)
    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:8]}"
    (tmp / "texts").mkdir(parents=True)

    def step(name: str) -> None:
        if _fail_after == name:
            raise RuntimeError(f"simulated crash after writing {name}")

    table = version.table
    with open(tmp / "documents.jsonl", "w", encoding="utf-8") as f:
        for d in table.documents:
            f.write(json.dumps(_doc_row(d), ensure_ascii=False) + "\n")
            (tmp / "texts" / f"{d.doc_id}.txt").write_text(d.text, encoding="utf-8", newline="")
    step("documents")
    np.save(tmp / "passages.npy", table.passage_vecs, allow_pickle=False)
    np.save(tmp / "sentences.npy", table.sentence_vecs, allow_pickle=False)
    step("vectors")
    faiss.write_index(version.vectors, str(tmp / "vectors.faiss"))
    version.lexical.save(tmp)
    step("search")
    manifest = json.dumps(version.manifest.to_json(), indent=2, ensure_ascii=False)
    (tmp / "manifest.json").write_text(manifest, encoding="utf-8")
    _fsync_tree(tmp)
    final = index_dir / f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    os.replace(tmp, final)
    step("rename")
    pointer_tmp = index_dir / f".tmp-{CURRENT}"
    pointer_tmp.write_text(final.name, encoding="utf-8")
    with open(pointer_tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    for old in index_dir.glob("v-*"):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def read_manifest(folder: Path) -> Manifest:
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexProblem(f"{folder}: manifest unreadable ({exc}); {REBUILD}") from None
    return Manifest.from_json(data, str(folder / "manifest.json"))


def _read_documents(folder: Path) -> list[Document]:
    docs = []
    with open(folder / "documents.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            # bytes, not read_text: universal newlines would turn \r\n into \n and shift offsets
            text = (folder / "texts" / f"{row['doc_id']}.txt").read_bytes().decode("utf-8")
            docs.append(_doc_from_row(row, text))
    return docs


def read_version(folder: Path, threads: int = 1) -> IndexVersion:
    """Load a version folder whole; IndexProblem (with the fix) when any part is damaged or the
    parts disagree. ``threads``: FAISS's OpenMP threads (see ``Settings.threads``)."""
    import faiss

    faiss.omp_set_num_threads(threads)
    manifest = read_manifest(folder)
    try:
        docs = _read_documents(folder)
        pvecs = np.load(folder / "passages.npy", allow_pickle=False)
        svecs = np.load(folder / "sentences.npy", allow_pickle=False)
        index = faiss.read_index(str(folder / "vectors.faiss"))
        bm25 = BM25.load(folder)
    except Exception as exc:  # any damaged part: the index cannot be trusted
        raise IndexProblem(f"{folder}: index damaged ({type(exc).__name__}: {exc}); {REBUILD}") from None
    n_pass = sum(len(d.passages) for d in docs)
    n_sent = sum(len(p.sentences) for d in docs for p in d.passages)
    if pvecs.shape[0] != n_pass or index.ntotal != n_pass or bm25.n_docs != max(n_pass, 0) or svecs.shape[0] != n_sent:
        raise IndexProblem(f"{folder}: parts disagree ({n_pass} passages, {pvecs.shape[0]} vectors, "
                           f"{index.ntotal} in FAISS, {n_sent} sentences, {svecs.shape[0]} sentence vectors); "
                           f"{REBUILD}")
    dims = {pvecs.shape[1] if pvecs.ndim == 2 else -1, svecs.shape[1] if svecs.ndim == 2 else -1, index.d,
            manifest.model.dimension or index.d}
    if len(dims) != 1:
        raise IndexProblem(f"{folder}: vectors of different dimensions {sorted(dims)}; {REBUILD}")
    return IndexVersion(manifest, PassageTable(docs, pvecs, svecs), index, bm25, folder)


# -- extras: results derived from one version, stored beside it ------------------------------------
def _extra_path(folder: Path, name: str) -> Path:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not an extra's name: {name!r}")
    return folder / f"{name}.json"


def read_extra(folder: Path, name: str) -> dict | None:
    """The JSON object stored as ``name`` in a version folder, or None when there is none or it
    is unreadable (an extra is a cache: it can always be computed again)."""
    path = _extra_path(folder, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s unreadable, ignoring it: %s", path, exc)
        return None
    return data if isinstance(data, dict) else None


def write_extra(folder: Path, name: str, data: dict) -> bool:
    """Store a JSON object as ``name`` in a version folder, atomically; False (logged) when the
    folder is gone or read-only: the caller goes on without the cache."""
    path = _extra_path(folder, name)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.warning("could not store %s in %s: %s", name, folder, exc)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
