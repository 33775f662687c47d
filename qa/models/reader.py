"""The reader at query time: an ONNX Runtime session over the model ``training/reader.py`` fits,
read with the ``tokenizers`` library. No torch.

For a question and some reading units it gives, per unit, an answer logit (does this unit answer
the question?) and the best answer span: a character-exact slice of the unit, so of the document.
The model file ships in this folder with its sha256 in ``reader.json``; a file that does not
match is refused, never run.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .files import cpu_session, pair_tokenizer, verified
from .units import Unit

FOLDER = Path(__file__).parent
META = FOLDER / "reader.json"
#: Longest answer span, in word pieces.
MAX_SPAN_TOKENS = 30


@dataclass(frozen=True)
class Reading:
    """What the reader made of one unit: ``logit`` > 0 means it judged the unit to answer; the
    span ``[start, end)`` is absolute in the document (``text[start:end]`` is the answer)."""

    logit: float
    start: int
    end: int
    span_score: float
    #: the span head's "no answer" score ([CLS] as start and end, SQuAD 2.0 style): an extractive
    #: reader's confidence is ``span_score - null_score``
    null_score: float = 0.0


class Reader:
    """One loaded reader. ``read`` is thread-safe (ONNX Runtime sessions are)."""

    #: Units read per run. One: the int8 model scales its activations per run (padding included),
    #: so in a batch a unit's logit moved with its neighbours (reworded hit@1 on dev swung by 0.025
    #: between readings of 6 and 8 candidates); alone, a unit always reads the same, and faster
    #: on CPU (no padding): 92 ms for ten passages against 134 ms in batches of 16, one thread.
    BATCH = 1

    def __init__(self, model_file: Path, tokenizer_file: Path, max_length: int, threads: int = 1, batch: int = BATCH):
        self.max_length = max_length
        self.batch = batch
        # longest_first: a question longer than max_length alone (the CLI takes up to
        # MAX_QUESTION_CHARS) is cut too, rather than failing
        self.tokenizer = pair_tokenizer(tokenizer_file, max_length)
        self.session = cpu_session(model_file, threads)

    def read(self, question: str, units: list[Unit]) -> list[Reading]:
        """One Reading per unit, in the units' order."""
        out: list[Reading | None] = [None] * len(units)
        encs = self.tokenizer.encode_batch([(question, u.text) for u in units])
        order = sorted(range(len(units)), key=lambda i: len(encs[i].ids))  # similar lengths pad little
        for at in range(0, len(order), self.batch):
            rows = order[at:at + self.batch]
            width = max(len(encs[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), np.int64)
            mask, types = np.zeros_like(ids), np.zeros_like(ids)
            for k, i in enumerate(rows):
                e = encs[i]
                n = len(e.ids)
                ids[k, :n], mask[k, :n], types[k, :n] = e.ids, e.attention_mask, e.type_ids
            answer, start, end = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                                         "token_type_ids": types})
            for k, i in enumerate(rows):
                out[i] = self._reading(float(answer[k]), start[k], end[k], encs[i], units[i])
        return out  # type: ignore[return-value]

    @staticmethod
    def _reading(logit: float, start: np.ndarray, end: np.ndarray, enc, unit: Unit) -> Reading:
        """The best span over the unit's own tokens (start <= end < start + MAX_SPAN_TOKENS)."""
        mine = np.array([s == 1 for s in enc.sequence_ids] + [False] * (len(start) - len(enc.ids)))
        s = np.where(mine, start, -np.inf)
        e = np.where(mine, end, -np.inf)
        n = len(s)
        best, at = -np.inf, (0, 0)
        for width in range(MAX_SPAN_TOKENS):  # vectorised over starts, one diagonal per width
            if width >= n:
                break
            total = s[:n - width] + e[width:]
            i = int(np.argmax(total))
            if total[i] > best:
                best, at = float(total[i]), (i, i + width)
        if not np.isfinite(best):  # the unit was truncated away entirely: point at its start
            return Reading(logit, unit.start, unit.start, float("-inf"), float(start[0] + end[0]))
        a = enc.offsets[at[0]][0]
        b = enc.offsets[at[1]][1]
        return Reading(logit, unit.start + a, unit.start + b, best, float(start[0] + end[0]))


@dataclass(frozen=True)
class ReaderMeta:
    """``reader.json``: the model file, its sha256, and how the product uses it."""

    model: str
    sha256: str
    tokenizer: str
    max_length: int
    threshold: float  # answered iff sigmoid(best logit) >= threshold
    depth: int  # how many first-stage candidates are read
    retrieval_weight: float  # the first stage's fused score's weight beside the reader's logit
    trained: dict
    topic_threshold: float = -1.0  # unanswered and no passage this similar: not_found (off topic)
    #: share of a unit's span margin (span score - no-answer score, clipped to +-30) added to its
    #: answer logit: the extractive reading's confidence beside the answer head's
    span_weight: float = 0.0

    def score(self, r: Reading) -> float:
        """What a unit's reading counts for: its answer logit, plus ``span_weight`` of its span margin."""
        if not self.span_weight:
            return r.logit
        return r.logit + self.span_weight * float(np.clip(r.span_score - r.null_score, -30.0, 30.0))


def load_meta(path: Path = META) -> ReaderMeta | None:
    if not path.exists():
        return None
    d = json.loads(path.read_text(encoding="utf-8"))
    return ReaderMeta(d["model"], d["sha256"], d["tokenizer"], int(d["max_length"]), float(d["threshold"]),
                      int(d["depth"]), float(d["retrieval_weight"]), d.get("trained", {}),
                      float(d.get("topic_threshold", -1.0)), float(d.get("span_weight", 0.0)))


@functools.lru_cache(maxsize=4)
def load(threads: int = 1, path: Path = META) -> tuple[Reader, ReaderMeta] | None:
    """The shipped reader and its settings, or None where none ships (the second stage then decides).
    ModelProblem when the model file is missing or is not the file ``reader.json`` names."""
    meta = load_meta(path)
    if meta is None:
        return None
    model = path.parent / meta.model
    verified(model, meta.sha256, "training.reader")
    return Reader(model, path.parent / meta.tokenizer, meta.max_length, threads), meta
