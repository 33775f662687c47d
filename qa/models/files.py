"""A shipped model file, checked before it is run: present, and the very file its meta names."""
from __future__ import annotations

from pathlib import Path

from ..errors import ModelProblem
from ..text import file_sha256


def verified(model: Path, sha256: str, trainer: str) -> str:
    """``model``'s sha256, once it is known to be there and to match ``sha256``; ModelProblem
    otherwise, saying how to restore it (``trainer``: the script that fits it)."""
    if not model.exists():
        raise ModelProblem(f"{model} is missing; `git checkout -- {model.name}` or retrain with `python -m {trainer}`")
    digest = file_sha256(model)
    if digest != sha256:
        raise ModelProblem(f"{model} has sha256 {digest[:12]}..., expected {sha256[:12]}...; "
                           f"`git checkout -- {model.name}` restores the shipped file")
    return digest
