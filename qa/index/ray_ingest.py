"""Ingestion on Ray Data: read -> clean -> split in Ray tasks, embed in a pool of Ray actors that
each hold their own encoder; the index version written is the local path's (``build``).

Two Ray Data stages, with the driver between them:

1. ``ray.data.from_items(corpus files).map(read_clean_split)``: ``load_document`` (the local
   path's reader, cleaner and splitter) runs once per new or changed file, in parallel.
2. The driver assembles the documents exactly as the local path does (``build._read_corpus``,
   passed in by ``build.update_index``: document ids, kept and skipped files) and lists the
   passage and sentence texts whose vectors the previous version does not already hold (by
   text hash: incremental reuse, as locally).
3. ``ray.data.from_items(texts).map_batches(Encoder, compute=ActorPoolStrategy(size=N))``:
   each actor builds its encoder from the settings (an ONNX Runtime session is never pickled)
   and embeds batches of texts, shortest first, as the local path orders them.

The driver step exists because ids, kept documents and reuse depend on the whole corpus; it
costs a read of the results, not a second embedding. Ray is an optional extra: it is imported
only here, and only when this engine is asked for.
"""
from __future__ import annotations

import json
import logging
import os
import pickle
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import BadInput
from ..text import content_hash
from ..types import Document, sentence_texts

log = logging.getLogger(__name__)

INSTALL_HINT = "Ray is not installed; run: pip install -r requirements-ray.txt (or pip install -e .[ray])"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value.strip() else default
    except ValueError:
        raise BadInput(f"{name}={value!r} is not a whole number") from None


@dataclass(frozen=True)
class RayEngine:
    """How ingestion runs on Ray: ``batch_size`` texts per call of an encoder actor
    (QA_RAY_BATCH_SIZE, default 256) and ``concurrency`` encoder actors (QA_RAY_CONCURRENCY,
    default the machine's CPU count). A local Ray cluster of ``concurrency`` CPUs is started and
    stopped unless the caller has already connected to one (``ray.init`` before indexing)."""

    batch_size: int = field(default_factory=lambda: _env_int("QA_RAY_BATCH_SIZE", 256))
    concurrency: int = field(default_factory=lambda: _env_int("QA_RAY_CONCURRENCY", os.cpu_count() or 1))

    def __post_init__(self) -> None:
        for name in ("batch_size", "concurrency"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise BadInput(f"Ray {name} must be a whole number >= 1, not {value!r}")

    def ingest(self, settings, embedder, prev, progress, entry_for, read_corpus):
        """(documents, skipped files, an embedder serving the vectors computed on Ray) for
        ``build.update_index``, which passes its ``entry_for`` (metadata a file is read with) and
        ``read_corpus(load)`` (its own assembly of the documents); see the module's docstring."""
        with _cluster(self.concurrency):
            loaded = _read_on_ray(settings, prev, entry_for, progress)
            docs, skipped = read_corpus(_Loaded(loaded).load)
            texts = [p.text for d in docs for p in d.passages] + sentence_texts(docs)
            todo = _new_texts(texts, prev.vectors)
            fresh = _embed_on_ray(todo, settings, embedder, self, progress) if todo else {}
        return docs, skipped, _Served(embedder, fresh)


def ray_engine(engine) -> RayEngine:
    """The Ray engine an ``engine`` option names ("ray" or a RayEngine), once Ray imports."""
    if isinstance(engine, str) and engine == "ray":
        engine = RayEngine()
    if not isinstance(engine, RayEngine):
        raise BadInput(f"unknown indexing engine {engine!r}; use 'local' or 'ray'")
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError:
        raise BadInput(INSTALL_HINT) from None
    return engine


@contextmanager
def _cluster(cpus: int):
    """The caller's Ray cluster if it is connected, else a local one of ``cpus`` CPUs, stopped after."""
    import ray

    if ray.is_initialized():
        yield
        return
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    try:
        yield
    finally:
        ray.shutdown()


def _read_row(row: dict) -> dict:
    """Ray task: read, clean and split one file with the local path's ``load_document``.
    A file that fails is left to the driver, which reads it again to report it as locally."""
    from ..ingest import load_document
    from ..ingest.readers import read_bytes_checked
    from ..text import bytes_sha256

    path = Path(os.fsdecode(row["path"]))
    try:
        if row["old_sha256"] and bytes_sha256(read_bytes_checked(path)) == row["old_sha256"]:
            return {"path": row["path"], "doc": b""}  # unchanged: the driver reuses the indexed copy
        doc = load_document(path, json.loads(row["entry"]), row["doc_id"])
    except Exception:  # noqa: BLE001 (any failure: the driver's own read reports it)
        return {"path": row["path"], "doc": b""}
    return {"path": row["path"], "doc": pickle.dumps((row["doc_id"], json.loads(row["entry"]), doc))}


def _read_on_ray(settings, prev, entry_for, progress) -> dict[str, tuple[str, dict, Document]]:
    """path -> (doc id, metadata entry, Document) for every new or changed corpus file."""
    import ray

    from ..ingest import corpus_files, doc_id_for, read_metadata
    from ..ingest.corpus import file_key

    files = corpus_files(settings.corpus_dir)
    meta, _ = read_metadata(settings.corpus_dir)  # its notes are reported by _read_corpus
    items = []
    for path in files:
        old = prev.documents.get(file_key(settings.corpus_dir, path))
        # the path as bytes: a name that is not UTF-8 (lone surrogates in Python) is no Arrow string;
        # the entry as JSON: Arrow would give each row's dict the other rows' keys
        items.append({"path": os.fsencode(path), "doc_id": doc_id_for(path),
                      "entry": json.dumps(entry_for(meta.get(path.name, {}), old)),
                      "old_sha256": old.sha256 if old is not None else ""})
    progress("read on ray", 0, len(items))
    if not items:
        return {}
    rows = ray.data.from_items(items).map(_read_row).take_all()
    progress("read on ray", len(items), len(items))
    return {os.fsdecode(r["path"]): pickle.loads(r["doc"]) for r in rows if r["doc"]}


@dataclass
class _Loaded:
    """``build.Loader`` over the documents Ray read: one read with the same id and metadata is
    used as is; anything else (a renamed id such as a-2, a file that failed) is read here."""

    documents: dict[str, tuple[str, dict, Document]]

    def load(self, path: Path, entry: dict, doc_id: str) -> Document:
        from ..ingest import load_document

        found = self.documents.pop(str(path), None)
        if found is not None and found[0] == doc_id and found[1] == entry:
            return found[2]
        return load_document(path, entry, doc_id)


def _new_texts(texts: list[str], known: dict[str, np.ndarray]) -> list[tuple[str, str]]:
    """(hash, text) of each distinct text without a vector in ``known``, shortest first (the
    order of ``build._embed_reusing``: a batch pads to texts of about its own length)."""
    todo = {k: t for k, t in ((content_hash(t), t) for t in texts) if k not in known}
    return sorted(todo.items(), key=lambda kt: len(kt[1]))


class Encoder:
    """Ray actor: its own embedder, made from the settings (model path, encoder, threads)."""

    def __init__(self, settings):
        from ..models.encoders import embedder_for

        self.embedder = embedder_for(settings)
        self.embedder.dim  # load the model now, not on the first batch  # noqa: B018

    def __call__(self, batch: dict) -> dict:
        return {"key": batch["key"], "vector": self.embedder.encode([str(t) for t in batch["text"]])}


def _embed_on_ray(todo: list[tuple[str, str]], settings, embedder, engine: RayEngine,
                  progress) -> dict[str, np.ndarray]:
    """hash -> vector for each (hash, text), embedded by ``engine.concurrency`` Encoder actors."""
    import ray

    embedder.dim  # makes the ONNX export once, here, before the actors look for it  # noqa: B018
    ds = ray.data.from_items([{"key": k, "text": t} for k, t in todo])
    ds = ds.map_batches(Encoder, fn_constructor_kwargs={"settings": settings}, batch_size=engine.batch_size,
                        compute=ray.data.ActorPoolStrategy(size=engine.concurrency), num_cpus=1,
                        batch_format="numpy")
    out: dict[str, np.ndarray] = {}
    progress("embed on ray", 0, len(todo))
    for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
        out.update(zip((str(k) for k in batch["key"]), np.asarray(batch["vector"], dtype=np.float32)))
        progress("embed on ray", len(out), len(todo))
    return out


class _Served:
    """The embedder as ``build._embed_reusing`` sees it after Ray: the same model description
    (id, weights, encoder, dimension) with ``encode`` answering from the vectors Ray computed."""

    def __init__(self, embedder, vectors: dict[str, np.ndarray]):
        self._embedder = embedder
        self._vectors = vectors
        self.batch_size = max(len(vectors), 1)

    def __getattr__(self, name):
        return getattr(self._embedder, name)

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._embedder.dim), dtype=np.float32)
        return np.stack([self._vectors[content_hash(t)] for t in texts])
