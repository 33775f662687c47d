"""Hybrid retrieval over a loaded index: dense + BM25 -> fusion -> evidence test -> highlight."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from . import evidence, fusion
from .config import MAX_QUESTION_CHARS
from .errors import BadInput
from .lexical import BM25, tokenize
from .types import Answer, Block, Document, Hit

log = logging.getLogger(__name__)

#: How many candidates each retriever contributes before fusion.
CANDIDATES = 50
METHODS = ("hybrid", "dense", "bm25")


@dataclass
class Scored:
    """A candidate passage with the signals fusion and the evidence test use."""

    row: int
    dense: float  # cosine of the question and the whole passage
    sentence: float  # best cosine of the question and one of the passage's sentences
    best_sentence: int  # index into the passage's sentences
    lexical: float  # BM25
    fused: float = 0.0


def check_question(question: str) -> str:
    if not isinstance(question, str) or not question.strip():
        raise BadInput("the question is empty; type a question, e.g. \"Who confronted Putin?\"")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadInput(f"the question is {len(question):,} characters long; keep it under {MAX_QUESTION_CHARS:,}")
    return " ".join(question.split())


class Searcher:
    """Answers questions from one loaded index version. Thread-safe for reading."""

    def __init__(self, documents: list[Document], passage_vecs: np.ndarray, sentence_vecs: np.ndarray,
                 faiss_index, bm25: BM25, embedder):
        self.documents = {d.doc_id: d for d in documents}
        self.passages: list[Block] = [p for d in documents for p in d.passages]
        self.pvecs = passage_vecs
        self.svecs = sentence_vecs
        self.faiss = faiss_index
        self.bm25 = bm25
        self.embedder = embedder
        self.doc_number = {doc_id: i for i, doc_id in enumerate(self.documents)}
        self.doc_of_row = np.array([self.doc_number[p.doc_id] for p in self.passages], dtype=np.int32)
        # sentence vectors are stored passage after passage; first[row] is the passage's first one
        counts = np.array([len(p.sentences) for p in self.passages], dtype=np.int64)
        self.first_sentence = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else counts
        self.max_idf = bm25.idf("\u0000never-seen")
        self._doc_terms: dict[str, frozenset[str]] = {}

    def doc_terms(self, doc_id: str) -> frozenset[str]:
        """The set of tokens of one document's passages (computed on first use)."""
        if doc_id not in self._doc_terms:
            doc = self.documents[doc_id]
            self._doc_terms[doc_id] = frozenset(t for p in doc.passages for t in tokenize(p.text))
        return self._doc_terms[doc_id]

    # -- public ---------------------------------------------------------------------------------
    def ask(self, question: str, top_k: int = 5, doc_ids: list[str] | None = None,
            method: str = "hybrid") -> Answer:
        """The top-k passages for a question and whether they answer it (the evidence test)."""
        question = check_question(question)
        qvec = self.embedder.encode([question])[0]
        scored, tokens = self.rank(question, qvec, doc_ids, method)
        top = scored[: max(1, int(top_k))]
        verdict = evidence.judge(question, tokens, top, self, doc_ids) if top else evidence.Verdict(False, 0.0)
        hits = tuple(self.hit(s, i + 1) for i, s in enumerate(top))
        return Answer(question, verdict.answered, hits, verdict.confidence)

    def rank(self, question: str, qvec: np.ndarray, doc_ids: list[str] | None = None,
             method: str = "hybrid", *, candidates: int | None = None) -> tuple[list[Scored], list[str]]:
        """All candidates from both retrievers, fused and sorted best first.

        ``candidates``: how many each retriever contributes (default ``CANDIDATES``); evaluation
        asks for more to measure recall@100.
        """
        depth = CANDIDATES if candidates is None else int(candidates)
        if method not in METHODS:
            raise BadInput(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
        allowed = self._allowed_rows(doc_ids)
        tokens = tokenize(question)
        lex = self.bm25.scores(tokens)
        if allowed is not None:
            lex = np.where(allowed, lex, -1.0)
        rows = set(self._dense_candidates(qvec, allowed, candidates=depth))
        if method != "dense":
            order = np.argsort(-lex)[:depth]
            rows |= {int(r) for r in order if lex[r] > 0}
        if not rows:
            return [], tokens
        cands = [self._score(r, qvec, float(max(lex[r], 0.0))) for r in sorted(rows)]
        dense = np.array([max(c.dense, c.sentence) for c in cands])
        lexical = np.array([c.lexical for c in cands])
        if method == "dense":
            fused = dense
        elif method == "bm25":
            fused = lexical + 1e-6 * dense  # ties (e.g. no term matched) broken by the dense score
        else:
            fused = self._fuse(tokens, dense, lexical)
        for c, f in zip(cands, fused):
            c.fused = float(f)
        cands.sort(key=lambda c: -c.fused)
        return cands, tokens

    def hit(self, s: Scored, rank: int) -> Hit:
        p = self.passages[s.row]
        d = self.documents[p.doc_id]
        return Hit(rank, p.doc_id, d.title, d.source, p.paragraph, p.start, p.end, p.text,
                   self.highlight(s), s.fused)

    # -- parts ------------------------------------------------------------------------------------
    def _fuse(self, tokens: list[str], dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        idf = np.array([self.bm25.idf(t) for t in tokens])
        matched = np.array([t in self.bm25.doc_freq for t in tokens], dtype=float)
        w = fusion.lexical_weight(idf, matched, self.max_idf)
        return fusion.convex(dense, lexical, w)

    def _allowed_rows(self, doc_ids: list[str] | None) -> np.ndarray | None:
        if not doc_ids:
            return None
        unknown = [d for d in doc_ids if d not in self.documents]
        if unknown:
            raise BadInput(f"unknown document id {unknown[0]!r}; known ids: {', '.join(self.documents)}")
        wanted = [self.doc_number[d] for d in doc_ids]
        return np.isin(self.doc_of_row, wanted)

    def _dense_candidates(self, qvec: np.ndarray, allowed: np.ndarray | None, *,
                          candidates: int | None = None) -> list[int]:
        import faiss

        n = len(self.passages)
        k = min(n, CANDIDATES if candidates is None else int(candidates))
        if k == 0:
            return []
        params = None
        if allowed is not None:
            ids = np.flatnonzero(allowed).astype("int64")
            if len(ids) == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))
            k = min(k, len(ids))
        _, idx = self.faiss.search(qvec[None, :], k, params=params)
        return [int(i) for i in idx[0] if i >= 0]

    def _score(self, row: int, qvec: np.ndarray, lexical: float) -> Scored:
        p = self.passages[row]
        first = int(self.first_sentence[row]) if len(self.first_sentence) else 0
        sims = self.svecs[first:first + len(p.sentences)] @ qvec if p.sentences else np.zeros(0)
        best = int(np.argmax(sims)) if len(sims) else 0
        return Scored(row, float(self.pvecs[row] @ qvec), float(sims[best]) if len(sims) else -1.0,
                      best, lexical)

    def highlight(self, s: Scored) -> tuple[tuple[int, int], ...]:
        """The passage's best-matching sentence as an absolute span (the whole passage if unsplit)."""
        p = self.passages[s.row]
        if not p.sentences:
            return ((p.start, p.end),)
        return (tuple(p.sentences[s.best_sentence]),)
