"""The reading stage: the trained reader (``qa.models.reader``) reads the first stage's best
candidates, re-ranks them by "does this passage answer the question", judges the question
answered or not, and points at the answer inside the best passage.

A passage is read as its reading units (``qa.models.units``); its reading is its best unit's. The
order is the reader's logit plus ``retrieval_weight`` times the first stage's fused score (in
[0, 1]): the reader decides, the retrievers break near-ties. Depth, weight and threshold ship in
``qa/models/reader.json``, chosen on squad-reworded dev (``python -m training.reader_choose``).
A statement or a string of keywords (not ``text.is_question``) keeps the first stage's order and
is only judged: the reader was trained on questions, and re-ranking claims by it lowered SciFact
test nDCG@10 from 0.738 to 0.708.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import reader as reader_model
from ..models.reader import Reader, ReaderMeta, Reading
from ..models.units import reading_units
from ..text import is_question


def load(threads: int = 1) -> ReadStage | None:
    """The shipped reader as a stage, or None where none ships."""
    loaded = reader_model.load(threads)
    return ReadStage(*loaded) if loaded else None


def probability(logit) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(logit, float)))


@dataclass(frozen=True)
class ReadStage:
    reader: Reader
    meta: ReaderMeta

    @property
    def threshold(self) -> float:
        return self.meta.threshold

    def read(self, table, question: str, scored: list) -> tuple[list, list[Reading]]:
        """(the first ``depth`` candidates re-ordered by the reader, then the rest; the read ones'
        Readings in the new order). Each read candidate gets the reader's probability (``final``),
        its judgement (``answers``) and its answer span (``answer``)."""
        head, tail = scored[:self.meta.depth], scored[self.meta.depth:]
        if not head:
            return scored, []
        units, owner = [], []
        for k, s in enumerate(head):
            p = table.passages[s.row]
            text = table.by_id[p.doc_id].text
            for u in reading_units(text, p.start, p.end, p.sentences):
                units.append(u)
                owner.append(k)
        readings = self.reader.read(question, units)
        best: list[Reading | None] = [None] * len(head)
        for k, r in zip(owner, readings):
            if best[k] is None or self.meta.score(r) > self.meta.score(best[k]):
                best[k] = r
        if is_question(question):
            score = (np.array([self.meta.score(b) for b in best])
                     + self.meta.retrieval_weight * np.array([s.fused for s in head]))
            order = np.argsort(-score, kind="stable")
        else:
            order = np.arange(len(head))
        for s, r in zip(head, best):
            s.final = float(probability(self.meta.score(r)))
            s.answers = s.final >= self.threshold
            s.answer = (r.start, r.end) if r.end > r.start else None
        return [head[i] for i in order] + tail, [best[i] for i in order]
