"""The embedder on ONNX Runtime: the bundled model's ONNX export (``export``), its own
tokenizer (the ``tokenizers`` library) and mean pooling in NumPy. No torch: answering a question
imports neither torch nor sentence-transformers.

Vectors match sentence-transformers' (cosine >= 0.99 on the export's parity sample, 0.9999999
measured): the same truncation (``max_seq_length``), mean over the attention mask, L2 norm.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..config import BUNDLED_MODEL
from ..errors import ModelProblem
from .onnx_encoder import OnnxEncoder

ENCODER = "onnx-fp32"


class OnnxEmbedder:
    """The library's embedder (``encode``, ``dim``, ``model_id``, ``weights_sha256``, ``encoder``)
    on ONNX Runtime. The export is made on first use when the model cache lacks it (that one
    time imports torch); afterwards only ONNX Runtime and tokenizers are loaded."""

    encoder = ENCODER

    def __init__(self, model: str = BUNDLED_MODEL, batch_size: int = 32, threads: int = 1,
                 model_cache: Path | None = None):
        from ..config import Settings

        self.model_id = model
        self.batch_size = batch_size
        self.threads = threads
        self.model_cache = Path(model_cache) if model_cache else Settings().model_cache_dir
        self._encoder: OnnxEncoder | None = None
        self._lock = threading.Lock()

    @property
    def weights_sha256(self) -> str:
        from .bundled import resolve_model

        return resolve_model(self.model_id)[1]

    def _load(self) -> OnnxEncoder:
        with self._lock:
            if self._encoder is None:
                from .bundled import resolve_model
                from .export import export, export_folder

                target, sha = resolve_model(self.model_id)
                if not sha:
                    raise ModelProblem(f"model {self.model_id!r} has no local weights to export to ONNX; "
                                       "use QA_ENCODER=torch")
                folder = export_folder(self.model_cache, sha)
                if not (folder / "encoder.json").is_file():
                    folder = export(Path(target), sha, self.model_cache, self.threads)
                self._encoder = OnnxEncoder(folder, self.threads, self.batch_size)
        return self._encoder

    @property
    def dim(self) -> int:
        return self._load().dim

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._load().encode(texts)
