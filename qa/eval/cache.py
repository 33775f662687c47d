"""An embedding cache on disk, keyed by model and text hash, so a second evaluation embeds nothing.

Layout: ``<cache_dir>/embeddings/<model slug>-<weights hash>/`` holds shards, each a pair
``<name>.npy`` (float32 vectors, ``allow_pickle=False``) and ``<name>.keys`` (one sha1 of a text
per line, same order). Shards are written whole and renamed into place, so an interrupted run
keeps every finished shard and never leaves a half-written one behind.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import time
import uuid
from pathlib import Path

import numpy as np

from ..text import content_hash

log = logging.getLogger(__name__)

#: Texts encoded (and written as one shard) at a time.
CHUNK = 512
#: Above this many shards, loading merges them into one.
MAX_SHARDS = 32


def model_key(model_id: str, weights_sha256: str, encoder: str = "torch") -> str:
    """The cache folder's name: model, weights and (when not torch, whose caches came first) encoder."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_id).strip("._")[-60:] or "model"
    digest = weights_sha256 or hashlib.sha1(model_id.encode("utf-8")).hexdigest()
    return f"{slug}-{digest[:12]}" + ("" if encoder == "torch" else f"-{encoder}")


class CachedEmbedder:
    """Wraps an embedder (``encode(list) -> normalised float32``); encodes only unseen texts.

    Has the attributes the library reads from an embedder (``model_id``, ``weights_sha256``,
    ``batch_size``, ``dim``), so a Searcher can use it directly. ``progress`` is a tqdm-like
    factory used when more than one chunk has to be encoded.
    """

    def __init__(self, embedder, cache_dir: Path, progress=None):
        self.inner = embedder
        self.model_id = getattr(embedder, "model_id", "model")
        self.weights_sha256 = getattr(embedder, "weights_sha256", "")
        self.batch_size = getattr(embedder, "batch_size", 32)
        self.encoder = getattr(embedder, "encoder", "torch")
        self.folder = Path(cache_dir) / "embeddings" / model_key(self.model_id, self.weights_sha256, self.encoder)
        self.progress = progress
        self.encoded = 0  # texts actually sent to the model by this object
        self._rows: dict[str, np.ndarray] = {}
        self._pending: dict[str, np.ndarray] = {}
        self._dim: int | None = None
        self._load()

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.inner.dim)
        return self._dim

    def __len__(self) -> int:
        return len(self._rows)

    # -- disk -------------------------------------------------------------------------------------
    def _shards(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob("*.npy") if p.with_suffix(".keys").exists())

    def _load(self) -> None:
        shards = self._shards()
        for npy in shards:
            try:
                vecs = np.load(npy, allow_pickle=False)
                keys = npy.with_suffix(".keys").read_text(encoding="ascii").split()
            except (OSError, ValueError) as exc:
                log.warning("skipping unreadable cache shard %s (%s)", npy, exc)
                continue
            if vecs.ndim != 2 or len(keys) != len(vecs):
                log.warning("skipping inconsistent cache shard %s", npy)
                continue
            if self._dim is None:
                self._dim = int(vecs.shape[1])
            elif vecs.shape[1] != self._dim:
                log.warning("skipping cache shard %s of another dimension", npy)
                continue
            for k, v in zip(keys, vecs):
                self._rows[k] = v
        if len(shards) > MAX_SHARDS and self._rows:
            self._write(dict(self._rows))
            keep = set(self._shards()[-1:])
            for old in shards:
                if old not in keep:
                    for p in (old, old.with_suffix(".keys")):
                        p.unlink(missing_ok=True)

    def _write(self, rows: dict[str, np.ndarray]) -> None:
        if not rows:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:6]}"
        keys = list(rows)
        tmp_npy = self.folder / f".tmp-{name}.npy"
        tmp_keys = self.folder / f".tmp-{name}.keys"
        np.save(tmp_npy, np.stack([rows[k] for k in keys]).astype(np.float32), allow_pickle=False)
        tmp_keys.write_text("\n".join(keys) + "\n", encoding="ascii")
        os.replace(tmp_keys, self.folder / f"{name}.keys")
        os.replace(tmp_npy, self.folder / f"{name}.npy")  # the .npy appears last: a shard is whole

    def flush(self) -> None:
        """Write vectors encoded since the last flush as one shard."""
        if self._pending:
            self._write(self._pending)
            self._pending = {}

    # -- encoding ---------------------------------------------------------------------------------
    def encode(self, texts: list[str], show_progress: bool = False, desc: str = "embed") -> np.ndarray:
        texts = list(texts)
        keys = [content_hash(t) for t in texts]
        todo = {k: t for k, t in zip(keys, texts) if k not in self._rows}
        if todo:
            # longest first, so each batch pads to similar lengths
            order = sorted(todo.items(), key=lambda kt: -len(kt[1]))
            bar = self.progress(total=len(order), desc=desc, unit="text") if self.progress and len(order) > CHUNK else None
            for i in range(0, len(order), CHUNK):
                chunk = order[i:i + CHUNK]
                vecs = self.inner.encode([t for _, t in chunk])
                for (k, _), v in zip(chunk, vecs):
                    self._rows[k] = self._pending[k] = np.asarray(v, dtype=np.float32)
                self.encoded += len(chunk)
                if len(self._pending) >= CHUNK:
                    self.flush()
                if bar is not None:
                    bar.update(len(chunk))
            if bar is not None:
                bar.close()
            if len(self._pending) >= 16:  # single queries wait for flush() rather than make tiny shards
                self.flush()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(np.stack([self._rows[k] for k in keys]), dtype=np.float32)
