"""The claim model at query time: do two sentences state the same claim? An ONNX Runtime session
over the cross-encoder ``training/claims.py`` fits, read with the ``tokenizers`` library. No torch.

The model file ships in this folder with its sha256 in ``claims.json``; a file that does not match
is refused, never run. Like the reader, it reads one pair per run: the int8 model scales its
activations per run, so in a batch a pair's probability would move with its neighbours.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelProblem
from ..text import file_sha256

FOLDER = Path(__file__).parent
META = FOLDER / "claims.json"


@dataclass(frozen=True)
class ClaimsMeta:
    """``claims.json``: the model file, its sha256, and the probability at which two sentences
    state the same claim."""

    model: str
    sha256: str
    tokenizer: str
    max_length: int
    threshold: float
    trained: dict


class ClaimModel:
    """One loaded claim model. ``same_claim`` is thread-safe (ONNX Runtime sessions are)."""

    def __init__(self, model_file: Path, tokenizer_file: Path, max_length: int, threshold: float, threads: int = 1,
                 sha256: str = ""):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.threshold = threshold
        self.sha256 = sha256  # names the model in the overview's cache key
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # why: see Settings.threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])

    def same_claim(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """The probability that each pair's two sentences state the same claim. The model was
        trained on both orders; the mean of the two is what is returned, so the pair is symmetric."""
        if not pairs:
            return np.zeros(0)
        both = [*pairs, *((b, a) for a, b in pairs)]
        logits = np.array([self._logit(e) for e in self.tokenizer.encode_batch(both)])
        half = len(pairs)
        return 1 / (1 + np.exp(-(logits[:half] + logits[half:]) / 2))

    def _logit(self, enc) -> float:
        feed = {"input_ids": np.array([enc.ids], np.int64),
                "attention_mask": np.array([enc.attention_mask], np.int64),
                "token_type_ids": np.array([enc.type_ids], np.int64)}
        return float(self.session.run(None, feed)[0].reshape(-1)[0])


def load_meta(path: Path = META) -> ClaimsMeta | None:
    if not path.exists():
        return None
    d = json.loads(path.read_text(encoding="utf-8"))
    return ClaimsMeta(d["model"], d["sha256"], d["tokenizer"], int(d["max_length"]), float(d["threshold"]),
                      d.get("trained", {}))


@functools.lru_cache(maxsize=4)
def load(threads: int = 1, path: Path = META) -> ClaimModel | None:
    """The shipped claim model, or None where none ships. ModelProblem when the model file is
    missing or is not the file ``claims.json`` names."""
    meta = load_meta(path)
    if meta is None:
        return None
    model = path.parent / meta.model
    if not model.exists():
        raise ModelProblem(f"{model} is missing; `git checkout -- {model.name}` or retrain with `python -m training.claims`")
    digest = file_sha256(model)
    if digest != meta.sha256:
        raise ModelProblem(f"{model} has sha256 {digest[:12]}..., expected {meta.sha256[:12]}...; "
                           f"`git checkout -- {model.name}` restores the shipped file")
    return ClaimModel(model, path.parent / meta.tokenizer, meta.max_length, meta.threshold, threads, digest)
