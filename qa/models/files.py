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


def cpu_session(model: Path, threads: int):
    """An ONNX Runtime session on the CPU with ``threads`` threads for each operator and one
    across them (why: see Settings.threads)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def pair_tokenizer(tokenizer_file: Path, max_length: int):
    """The tokenizer of a cross-encoder reading (text, text) pairs one run at a time: no padding,
    and longest_first truncation, so an over-long first text is cut too rather than failing (for
    ordinary pairs the longer text is what gets cut, as in training)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_file))
    tok.enable_truncation(max_length=max_length, strategy="longest_first")
    tok.no_padding()
    return tok
