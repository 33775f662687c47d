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
from .files import cpu_session, pair_tokenizer, verified

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
    """One loaded claim model. ``same_claim`` is thread-safe (ONNX Runtime sessions are; the
    cache is a dict, whose single reads and writes are atomic)."""

    #: Pairs whose probability is kept (about 200 bytes each beside the texts).
    CACHE = 200_000

    def __init__(self, model_file: Path, tokenizer_file: Path, max_length: int, threshold: float, threads: int = 1,
                 sha256: str = ""):
        self.threshold = threshold
        self.sha256 = sha256  # names the model in the overview's cache key
        self._cache: dict[tuple[str, str], float] = {}
        self.tokenizer = pair_tokenizer(tokenizer_file, max_length)
        self.session = cpu_session(model_file, threads)

    def same_claim(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """The probability that each pair's two sentences state the same claim: the mean of the
        logits of its two orders (the model was trained on both; one order alone loses 0.01 of dev
        AUROC), so (a, b) and (b, a) are the same pair, read once. Alignment asks for both
        directions between two documents: the answer is kept (up to ``CACHE`` pairs) for the second."""
        keys = [(a, b) if a <= b else (b, a) for a, b in pairs]
        todo = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if todo:
            if len(self._cache) + len(todo) > self.CACHE:
                self._cache.clear()
            encs = self.tokenizer.encode_batch([*todo, *((b, a) for a, b in todo)])
            for i, k in enumerate(todo):
                mean = (self._logit(encs[i]) + self._logit(encs[len(todo) + i])) / 2
                self._cache[k] = float(1 / (1 + np.exp(-mean)))
        return np.array([self._cache[k] for k in keys])

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


def for_setting(setting: str, threads: int = 1) -> ClaimModel | None:
    """The claim model a ``Settings.claim_model`` value names: "on" (the shipped one, if any),
    "off" (none), or the path of a claims.json."""
    choice = setting.strip()
    if choice.lower() == "off":
        return None
    if choice.lower() in ("on", ""):
        return load(threads)
    path = Path(choice)
    if not path.is_file():
        raise ModelProblem(f"QA_CLAIM_MODEL={choice}: no claims.json there; give on, off or the path of a "
                           "claims.json written by `python -m training.claims --ship RUN --to FOLDER`")
    return load(threads, path.resolve())


@functools.lru_cache(maxsize=4)
def load(threads: int = 1, path: Path = META) -> ClaimModel | None:
    """The shipped claim model, or None where none ships. ModelProblem when the model file is
    missing or is not the file ``claims.json`` names."""
    meta = load_meta(path)
    if meta is None:
        return None
    model = path.parent / meta.model
    digest = verified(model, meta.sha256, "training.claims")
    return ClaimModel(model, path.parent / meta.tokenizer, meta.max_length, meta.threshold, threads, digest)
