"""BM25 over passages with bm25s, English stemming and stop words.

The tokenizer is ours (so the evidence test can reason about the same terms BM25 sees);
indexing, scoring and saving are bm25s's.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_ACRONYM = re.compile(r"[A-Z]{2,5}s?")
_DOTTED = re.compile(r"\b((?:[A-Z]\.){2,4})")  # U.S., U.K.: read as US, UK
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """bm25s's English list plus scikit-learn's, which also holds question words (how, where, did)
    that carry no topic and would otherwise weigh in BM25 and in the evidence test."""
    from bm25s.stopwords import STOPWORDS_EN
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(STOPWORDS_EN) | frozenset(ENGLISH_STOP_WORDS) | {"did", "does", "doing", "done"}


def tokenize(text: str) -> list[str]:
    """Acronyms kept upper-case; other words lower-cased, -isation read as -ization, stop words out, possessive 's dropped, Snowball-stemmed word tokens."""
    words, acronyms = [], []
    stop = stopwords()
    text = _DOTTED.sub(lambda m: m.group(1).replace(".", "") + " ", text.translate(_QUOTES))
    for w in _WORD.findall(text):
        if _ACRONYM.fullmatch(w):  # IT, US, GDP: kept apart from it, us, and never a stop word
            acronyms.append(w.rstrip("s").upper())
            continue
        w = w.lower().replace("isation", "ization")  # British and American spellings meet (mobilisation)
        if w.endswith("'s"):
            w = w[:-2]
        w = w.replace("'", "")
        if w and w not in stop:
            words.append(w)
    return _stemmer().stemWords(words) + acronyms


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
        import json

        self._r.save(str(folder / "bm25"))
        (folder / "bm25_df.json").write_text(json.dumps({"n_docs": self.n_docs, "df": self.doc_freq}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "BM25":
        import json

        import bm25s

        retriever = bm25s.BM25.load(str(folder / "bm25"))
        meta = json.loads((folder / "bm25_df.json").read_text(encoding="utf-8"))
        return cls(retriever, meta["df"], meta["n_docs"])
