"""The on-disk index: a directory of plain parts, written atomically, refused when it does not match.

Layout of ``index/``::

    CURRENT                 name of the live version folder (replaced atomically)
    v-<stamp>/manifest.json format version, model id and weights hash, dimension, kind, documents, counts
    v-<stamp>/documents.jsonl   one row per document: metadata and its blocks (spans, no copies of text)
    v-<stamp>/texts/<id>.txt    the text the offsets point into (the decoded file, or extracted HTML text)
    v-<stamp>/passages.npy, sentences.npy   float32 vectors (np.save, allow_pickle=False)
    v-<stamp>/vectors.faiss     FAISS index over passage vectors
    v-<stamp>/bm25/, bm25_df.json   bm25s index and document frequencies

A new version is written in a temporary folder and only then named in CURRENT, so a crash
while writing leaves the previous index in use. No pickles anywhere.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .config import cpu_threads
from .errors import IndexProblem
from .types import Block, Document

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
CURRENT = "CURRENT"


def content_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


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


def build_faiss(vectors: np.ndarray, kind: str):
    """An inner-product FAISS index of the given kind ("flat" exact, or "hnsw" approximate)."""
    import faiss

    dim = vectors.shape[1]
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
    elif kind == "flat":
        index = faiss.IndexFlatIP(dim)
    else:
        raise IndexProblem(f"unknown index kind {kind!r}; use flat or hnsw")
    if len(vectors):
        index.add(vectors)
    return index


def live_version(index_dir: Path) -> Path | None:
    """The folder CURRENT names, or None if there is no index yet."""
    pointer = index_dir / CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    folder = index_dir / name
    if not name or not folder.is_dir():
        raise IndexProblem(f"{pointer} names {name!r}, which is missing; rebuild with: python -m qa index")
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


def write_version(index_dir: Path, manifest: dict, documents: list[Document], passage_vecs: np.ndarray,
                  sentence_vecs: np.ndarray, faiss_index, bm25, _fail_after: str | None = None) -> Path:
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

    with open(tmp / "documents.jsonl", "w", encoding="utf-8") as f:
        for d in documents:
            f.write(json.dumps(_doc_row(d), ensure_ascii=False) + "\n")
            (tmp / "texts" / f"{d.doc_id}.txt").write_text(d.text, encoding="utf-8", newline="")
    step("documents")
    np.save(tmp / "passages.npy", passage_vecs, allow_pickle=False)
    np.save(tmp / "sentences.npy", sentence_vecs, allow_pickle=False)
    step("vectors")
    faiss.write_index(faiss_index, str(tmp / "vectors.faiss"))
    bm25.save(tmp)
    step("search")
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
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


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexProblem(f"{folder}: manifest unreadable ({exc}); rebuild with: python -m qa index") from None


def read_version(folder: Path):
    """(manifest, documents, passage vectors, sentence vectors, faiss index, bm25) of a version."""
    import faiss

    from .lexical import BM25

    faiss.omp_set_num_threads(cpu_threads())  # why: see config.cpu_threads
    manifest = read_manifest(folder)
    try:
        docs = []
        with open(folder / "documents.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                # bytes, not read_text: universal newlines would turn \r\n into \n and shift offsets
                text = (folder / "texts" / f"{row['doc_id']}.txt").read_bytes().decode("utf-8")
                docs.append(_doc_from_row(row, text))
        pvecs = np.load(folder / "passages.npy", allow_pickle=False)
        svecs = np.load(folder / "sentences.npy", allow_pickle=False)
        index = faiss.read_index(str(folder / "vectors.faiss"))
        bm25 = BM25.load(folder)
    except Exception as exc:  # any damaged part: the index cannot be trusted
        raise IndexProblem(f"{folder}: index damaged ({type(exc).__name__}: {exc}); "
                           "rebuild with: python -m qa index") from None
    n_pass = sum(len(d.passages) for d in docs)
    n_sent = sum(len(p.sentences) for d in docs for p in d.passages)
    if pvecs.shape[0] != n_pass or index.ntotal != n_pass or bm25.n_docs != max(n_pass, 0) or svecs.shape[0] != n_sent:
        raise IndexProblem(f"{folder}: parts disagree ({n_pass} passages, {pvecs.shape[0]} vectors, "
                           f"{index.ntotal} in FAISS, {n_sent} sentences, {svecs.shape[0]} sentence vectors); "
                           "rebuild with: python -m qa index")
    dims = {pvecs.shape[1] if pvecs.ndim == 2 else -1, svecs.shape[1] if svecs.ndim == 2 else -1, index.d,
            manifest.get("model", {}).get("dimension", index.d)}
    if len(dims) != 1:
        raise IndexProblem(f"{folder}: vectors of different dimensions {sorted(dims)}; rebuild with: python -m qa index")
    return manifest, docs, pvecs, svecs, index, bm25
