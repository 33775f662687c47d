"""Rank fusion of the dense and lexical retrievers: small, named, each with its formula."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def rrf(ranks: list[np.ndarray], k: float = 60.0) -> np.ndarray:
    """Reciprocal rank fusion: score(d) = sum_r 1 / (k + rank_r(d)), ranks 1-based."""
    return sum(1.0 / (k + r) for r in ranks)


def minmax(x: np.ndarray) -> np.ndarray:
    """(x - min) / (max - min) over the candidates; all zeros when they are equal."""
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def ranks_of(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each score, highest first."""
    order = np.argsort(-scores, kind="stable")
    r = np.empty(len(scores), dtype=np.float64)
    r[order] = np.arange(1, len(scores) + 1)
    return r


def lexical_weight(query_idf: np.ndarray, matched: np.ndarray, max_idf: float) -> float:
    """How much to trust BM25 for this query, in [0.2, 0.8].

    w = 0.2 + 0.6 * sum(idf of query terms found in the corpus, rare ones counting most)
                    / sum(idf of all query terms) * mean normalised idf

    A query whose words are rare in the corpus and present in it (names, exact phrases)
    is one BM25 ranks well; a query of common or absent words is one for the dense model.
    """
    if len(query_idf) == 0 or max_idf <= 0:
        return 0.2
    found = float((query_idf * matched).sum() / query_idf.sum())
    rarity = float(np.mean(query_idf[matched > 0] / max_idf)) if matched.any() else 0.0
    return 0.2 + 0.6 * found * rarity


#: What a question's lexical weight is multiplied by (``text.is_question``). Questions are asked
#: in the reader's words, so BM25's half pulls them toward passages that merely share words: fitted
#: on squad-reworded *train* (1,646 rows, articles 1-38, `python -m bench.fusion_reworded
#: .../train.jsonl`), 0.5 lifts reworded hit@1 from 0.629 to 0.701 (originals 0.877 -> 0.863,
#: which the reader then re-ranks). Statements keep the full weight: on SciFact train (claims)
#: the same 0.5 would lower nDCG@10 from 0.735 to 0.716.
QUESTION_LEXICAL_SCALE = 0.5


def convex(dense: np.ndarray, lexical: np.ndarray, w_lex: float) -> np.ndarray:
    """Convex combination of min-max normalised scores: (1 - w) * dense + w * lexical."""
    return (1.0 - w_lex) * minmax(dense) + w_lex * minmax(lexical)


def hybrid(dense: np.ndarray, lexical: np.ndarray, w_lex: float) -> np.ndarray:
    """The product's ranking: ``convex`` with the query's own lexical weight."""
    return convex(dense, lexical, w_lex)


def dense_only(dense: np.ndarray, lexical: np.ndarray, w_lex: float) -> np.ndarray:
    """The dense score alone (the best of passage and sentence cosine)."""
    return dense


def bm25_only(dense: np.ndarray, lexical: np.ndarray, w_lex: float) -> np.ndarray:
    """BM25 alone; ties (e.g. no term matched) broken by the dense score."""
    return lexical + 1e-6 * dense


#: Ranking methods by name: each maps (dense, lexical, lexical weight) of the candidates to scores.
METHODS: dict[str, Callable[[np.ndarray, np.ndarray, float], np.ndarray]] = {
    "hybrid": hybrid, "dense": dense_only, "bm25": bm25_only}
