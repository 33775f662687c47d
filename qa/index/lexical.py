"""BM25 over passages with bm25s, English stemming and stop words.

The tokenizer is ours (``qa.text.tokenize``, so the evidence test reasons about the terms BM25 sees);
indexing, scoring and saving are bm25s's.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..text import tokenize


def top_k(scores: np.ndarray, k: int, positive: bool = False) -> np.ndarray:
    """Rows of the ``k`` highest ``scores``, best first, ties in row order: the same rows as
    ``np.argsort(-scores, kind="stable")[:k]`` in O(N + k log k) instead of O(N log N)
    (``np.argpartition``). ``positive``: only rows scoring above zero (BM25's matches)."""
    scores = np.asarray(scores)
    rows = np.flatnonzero(scores > 0) if positive else None
    cand = scores if rows is None else scores[rows]
    k = min(int(k), len(cand))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k < len(cand):
        kth = cand[np.argpartition(-cand, k - 1)[k - 1]]
        above = np.flatnonzero(cand > kth)
        ties = np.flatnonzero(cand == kth)[: k - len(above)]
        pick = np.concatenate([above, ties])
    else:
        pick = np.arange(len(cand))
    pick = pick[np.argsort(-cand[pick], kind="stable")]
    return pick if rows is None else rows[pick]


class BM25:
    """A bm25s index over tokenized passages, with the document frequencies kept for IDF."""

    def __init__(self, retriever, doc_freq: dict[str, int], n_docs: int):
        self._r = retriever
        self.doc_freq = doc_freq
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: list[str]) -> "BM25":
        return cls.from_tokens([tokenize(t) for t in texts])

    @classmethod
    def from_tokens(cls, tokens: list[list[str]]) -> "BM25":
        """An index over passages already tokenized with ``qa.text.tokenize``."""
        import bm25s

        tokens = [t or ["\u2205"] for t in tokens]  # bm25s needs one token per passage
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(tokens, show_progress=False)
        df: dict[str, int] = {}
        for toks in tokens:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        return cls(retriever, df, len(tokens))

    def idf(self, term: str) -> float:
        """ln(1 + (N - df + 0.5) / (df + 0.5)), the Lucene BM25 IDF; unseen terms get the maximum."""
        df = self.doc_freq.get(term, 0)
        return float(np.log1p((self.n_docs - df + 0.5) / (df + 0.5)))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage for the query tokens (zeros if none is known)."""
        known = [t for t in query_tokens if t in self.doc_freq]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._r.get_scores(known), dtype=np.float32)

    def top(self, query_tokens: list[str], k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the ``k`` best-scoring passages that match at least one query term,
        best first; only rows where the boolean mask ``allowed`` is True when it is given."""
        scores = self.scores(query_tokens)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        rows = top_k(scores, k, positive=True)
        return rows, scores[rows]

    def save(self, folder: Path) -> None:
        self._r.save(str(folder / "bm25"))
        (folder / "bm25_df.json").write_text(json.dumps({"n_docs": self.n_docs, "df": self.doc_freq}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "BM25":
        import bm25s

        retriever = bm25s.BM25.load(str(folder / "bm25"))
        meta = json.loads((folder / "bm25_df.json").read_text(encoding="utf-8"))
        return cls(retriever, meta["df"], meta["n_docs"])
