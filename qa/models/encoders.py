"""Which encoder embeds texts: ONNX Runtime (default; no torch at query time) or sentence-transformers."""
from __future__ import annotations

from ..errors import ModelProblem

ENCODERS = ("onnx", "torch")


def embedder_for(settings):
    """The embedder the settings ask for: ONNX Runtime (default) or sentence-transformers."""
    if settings.encoder == "onnx":
        from .onnx_embed import OnnxEmbedder

        return OnnxEmbedder(settings.model, settings.batch_size, settings.threads, settings.model_cache_dir)
    if settings.encoder == "torch":
        from .embed import Embedder

        return Embedder(settings.model, settings.batch_size, settings.threads)
    raise ModelProblem(f"unknown encoder {settings.encoder!r}; set QA_ENCODER to one of {', '.join(ENCODERS)}")
