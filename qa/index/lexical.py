"""BM25 over passages with bm25s, English stemming and stop words.

The tokenizer is ours (``qa.text.tokenize``, so the evidence test reasons about the terms BM25 sees);
indexing, scoring and saving are bm25s's.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..text import tokenize


class BM25:
    """A bm25s index over tokenized passages, with the document frequencies kept for IDF."""

    def __init__(self, retriever, doc_freq: dict[str, int], n_docs: int):
        self._r = retriever
        self.doc_freq = doc_freq
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: list[str]) -> "BM25":
        import bm25s

        tokens = [tokenize(t) or ["\u2205"] for t in texts]  # bm25s needs one token per passage
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(tokens, show_progress=False)
        df: dict[str, int] = {}
        for toks in tokens:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        return cls(retriever, df, len(texts))

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

    def save(self, folder: Path) -> None:
        self._r.save(str(folder / "bm25"))
        (folder / "bm25_df.json").write_text(json.dumps({"n_docs": self.n_docs, "df": self.doc_freq}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "BM25":
        import bm25s

        retriever = bm25s.BM25.load(str(folder / "bm25"))
        meta = json.loads((folder / "bm25_df.json").read_text(encoding="utf-8"))
        return cls(retriever, meta["df"], meta["n_docs"])
