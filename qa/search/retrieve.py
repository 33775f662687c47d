"""Hybrid retrieval over a loaded index: dense + BM25 -> fusion -> evidence test -> highlight."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..config import DEFAULT_TOP_K, MAX_QUESTION_CHARS
from ..errors import BadInput
from ..index import vectors
from ..index.lexical import BM25, top_k
from ..index.table import PassageTable
from ..text import bad_character, has_search_words, is_question, quoted, tokenize, without_controls
from ..types import Answer, AnswerSpan, Block, Hit, Offsets
from . import evidence, features, fusion, reasons, second_stage
from .fusion import METHODS

log = logging.getLogger(__name__)

#: How many candidates each retriever contributes before fusion.
CANDIDATES = 50
#: What a refusal suggests instead, for a question and for a topic.
EXAMPLES = {"question": '"Who confronted Putin?"', "topic": '"partial mobilisation"'}


@dataclass
class Scored:
    """A candidate passage with the signals fusion and the evidence test use."""

    row: int
    dense: float  # cosine of the question and the whole passage
    sentence: float  # best cosine of the question and one of the passage's sentences
    best_sentence: int  # index into the passage's sentences
    lexical: float  # BM25
    fused: float = 0.0
    final: float | None = None  # the second stage's (or the reader's) probability, when it re-ranked this one
    answers: bool | None = None  # the reader's judgement, when it read this one
    answer: Offsets | None = None  # the reader's answer span in it, when it read this one

    @property
    def similarity(self) -> float:
        """The dense evidence: a one-sentence answer inside a long paragraph still counts."""
        return max(self.dense, self.sentence)


def check_question(question: str, what: str = "question") -> str:
    """The question (or topic: ``what``) as searched: control and format characters out, spaces
    collapsed. BadInput, one line, when it is not text, not valid Unicode, too long, or holds
    nothing to search for ("?", "a", a zero-width space)."""
    example = EXAMPLES.get(what, EXAMPLES["question"])
    if not isinstance(question, str):
        raise BadInput(f"the {what} must be text, got {type(question).__name__}; send a string, e.g. {example}")
    if not question.strip():
        raise BadInput(f"the {what} is empty; type a {what}, e.g. {example}")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadInput(f"the {what} is {len(question):,} characters long; keep it under {MAX_QUESTION_CHARS:,}")
    problem = bad_character(question)
    if problem:
        raise BadInput(f"the {what} is not valid text ({problem}); retype it, or save the file as UTF-8")
    cleaned = " ".join(without_controls(question).split())
    if not has_search_words(cleaned):
        shown = f" {cleaned[:40]!r}" if cleaned else ""
        raise BadInput(f"the {what}{shown} has no words to search for; ask in words, e.g. {example}")
    return cleaned


def check_doc_ids(doc_ids, table: PassageTable) -> list[str] | None:
    """The documents to search: None (or an empty list) for all of them, else the ids given, each
    once, in their order (an id sent 4,000 times is searched once). BadInput for ids that are
    not text or that the index does not hold."""
    if doc_ids is None:
        return None
    if isinstance(doc_ids, str):  # one id, not a list of its characters
        doc_ids = [doc_ids]
    if not isinstance(doc_ids, list | tuple | set | frozenset):
        raise BadInput(f"document ids must be a list of ids, got {type(doc_ids).__name__}")
    wrong = [d for d in doc_ids if not isinstance(d, str)]
    if wrong:
        raise BadInput(f"document ids must be text, got {quoted(wrong[0])}; use the ids `python -m qa docs` lists")
    unique = list(dict.fromkeys(doc_ids))
    for doc_id in unique:
        table.document(doc_id)  # unknown ids are refused, naming the known ones
    return unique or None


def check_method(method: str) -> str:
    if method not in METHODS:
        raise BadInput(f"unknown method {quoted(method)}; use one of {', '.join(METHODS)}")
    return method


class Searcher:
    """Answers questions from one loaded index (its passage table, vector index and BM25).
    Thread-safe for reading."""

    def __init__(self, table: PassageTable, vector_index, lexical: BM25, embedder, model=None, reader=None):
        self.table = table
        self.model = model  # the second stage (second_stage.SecondStage), or None: first stage only
        self.reader = reader  # the reading stage (reading.ReadStage): when set, it re-ranks and judges instead
        self.vectors = vector_index
        self.lexical = lexical
        self.embedder = embedder
        self.max_idf = lexical.idf("\u0000never-seen")

    def encode(self, text: str) -> np.ndarray:
        return self.embedder.encode([text])[0]

    def passage(self, row: int) -> Block:
        return self.table.passages[row]

    def vocabulary(self, doc_ids: list[str] | None):
        """The terms of the searched documents: where the evidence test looks for names."""
        if not doc_ids:
            return self.lexical.doc_freq
        return frozenset().union(*(self.table.terms_of(d) for d in doc_ids))

    # -- public ---------------------------------------------------------------------------------
    def ask(self, question: str, top_k: int = DEFAULT_TOP_K, doc_ids: list[str] | None = None,
            method: str = "hybrid") -> Answer:
        """The top-k passages for a question and the verdict on them (answered / related /
        not_found) with its reason. With the hybrid method and a second stage (``model``), the best
        candidates are re-ranked and judged by it; otherwise by the first stage's evidence test."""
        question = check_question(question)
        doc_ids = check_doc_ids(doc_ids, self.table)
        scored, tokens = self.rank(question, self.encode(question), doc_ids, method)
        vocabulary = self.vocabulary(doc_ids)
        missing = evidence.missing_names(question, vocabulary)
        model = self.model if method == "hybrid" else None
        stage = self.reader if method == "hybrid" else None
        if scored and stage is not None:
            scored = stage.read(self.table, question, scored)[0]
            confidence, answered = scored[0].final, bool(scored[0].answers)
        elif scored and model is not None:
            scored, logits, feats = self.rerank(question, tokens, scored, model)
            confidence = model.answerable(logits, feats, self.absent(tokens))
            answered = confidence >= model.threshold
            for s, p in zip(scored, second_stage.probability(logits)):
                s.final = float(p)
        elif scored:
            v = evidence.judge(question, tokens, scored[0].similarity, self.passage(scored[0].row).text,
                               self.lexical, vocabulary)
            answered, confidence = v.answered, v.confidence
        else:
            answered, confidence = False, 0.0
        off_topic = stage is not None and scored and not answered and \
            self.off_topic(scored[:stage.meta.depth], stage.meta.topic_threshold)
        verdict = "not_found" if missing or not scored or off_topic else ("answered" if answered else "related")
        top = scored[: max(1, int(top_k))]
        shared = reasons.shared_words(question, self.passage(top[0].row).text, self.lexical.idf) if top else []
        searched = len(doc_ids) if doc_ids else len(self.table.documents)
        why = reasons.reason(verdict, missing=missing, shared=shared, confidence=confidence, searched=searched)
        hits = tuple(self.hit(s, i + 1) for i, s in enumerate(top))
        span = self.answer_span(top[0]) if verdict == "answered" else None
        return Answer(question, verdict == "answered", hits, confidence if verdict != "not_found" else 0.0,
                      verdict, why, span)

    @staticmethod
    def off_topic(read: list[Scored], threshold: float) -> bool:
        """No passage read is on the question's subject: each is less similar than ``threshold``
        and none uses any of the question's terms (its BM25 score is 0: Lucene's IDF is positive,
        so any shared term scores). Both, because either alone misjudges: a news paragraph that
        holds the answer can sit at cosine 0.30 ("How many reservists were called up?"), and a
        question off the subject can share a word or two with the corpus."""
        return all(s.similarity < threshold and s.lexical <= 0.0 for s in read)

    def rank(self, question: str, qvec: np.ndarray, doc_ids: list[str] | None = None,
             method: str = "hybrid", *, candidates: int | None = None) -> tuple[list[Scored], list[str]]:
        """All candidates from both retrievers, fused and sorted best first, and the question's terms.

        ``candidates``: how many each retriever contributes (default ``CANDIDATES``); evaluation
        asks for more to measure recall@100.
        """
        depth = CANDIDATES if candidates is None else int(candidates)
        fuse = METHODS[check_method(method)]
        allowed = self.table.rows_of(doc_ids) if doc_ids else None
        tokens = tokenize(question)
        lex = self.lexical.scores(tokens)
        if allowed is not None:
            lex = np.where(allowed, lex, -1.0)
        rows = set(vectors.search(self.vectors, qvec, depth, allowed))
        if method != "dense":
            rows |= {int(r) for r in top_k(lex, depth, positive=True)}
        if not rows:
            return [], tokens
        cands = [self._score(r, qvec, float(max(lex[r], 0.0))) for r in sorted(rows)]
        dense = np.array([c.similarity for c in cands])
        lexical = np.array([c.lexical for c in cands])
        for c, f in zip(cands, fuse(dense, lexical, self._lexical_weight(tokens, question))):
            c.fused = float(f)
        cands.sort(key=lambda c: -c.fused)
        return cands, tokens

    def hit(self, s: Scored, rank: int) -> Hit:
        p = self.passage(s.row)
        d = self.table.by_id[p.doc_id]
        return Hit(rank, p.doc_id, d.title, d.source, p.paragraph, p.start, p.end, p.text,
                   self.highlight(s), s.fused if s.final is None else s.final, p.page, s.answers, s.answer)

    def highlight(self, s: Scored) -> tuple[Offsets, ...]:
        """The sentence holding the reader's answer, else the passage's best-matching sentence, as
        an absolute span (the whole passage if unsplit)."""
        p = self.passage(s.row)
        if not p.sentences:
            return ((p.start, p.end),)
        if s.answer is not None:
            holding = next((tuple(x) for x in p.sentences if x[0] <= s.answer[0] < x[1]), None)
            if holding:
                return (holding,)
        return (tuple(p.sentences[s.best_sentence]),)

    def answer_span(self, s: Scored) -> AnswerSpan | None:
        """The reader's answer in the best passage, verbatim from the document."""
        if s.answer is None:
            return None
        p = self.passage(s.row)
        a, b = s.answer
        text = self.table.by_id[p.doc_id].text[a:b]
        return AnswerSpan(p.doc_id, p.paragraph, a, b, text) if text.strip() else None

    # -- second stage -----------------------------------------------------------------------------
    def term_weights(self, tokens: list[str]) -> dict[str, float]:
        return features.term_weights(tokens, self.lexical.idf)

    def absent(self, tokens: list[str]) -> float:
        """IDF-weighted share of the question's terms that no document uses."""
        return features.absent_share(self.term_weights(tokens), self.lexical.doc_freq)

    def candidate_rows(self, scored: list[Scored]) -> list[dict]:
        """What the second stage reads of each candidate: its cosines, BM25, text and sentences
        (the best-matching one first)."""
        rows = []
        for s in scored:
            p = self.passage(s.row)
            doc = self.table.by_id[p.doc_id].text
            sents = [doc[a:b] for a, b in p.sentences]
            if sents:
                sents.insert(0, sents.pop(s.best_sentence))
            # a passage not split into sentences is its own one sentence
            rows.append({"dense": s.dense, "sentence": s.sentence if sents else s.dense, "lexical": s.lexical,
                         "text": p.text, "sentences": sents})
        return rows

    def rerank(self, question: str, tokens: list[str], scored: list[Scored], model,
               depth: int = second_stage.DEPTH) -> tuple[list[Scored], np.ndarray, np.ndarray]:
        """The first ``depth`` candidates re-ordered by the second stage (the rest after them),
        with the re-ordered ones' logits and features."""
        head, tail = scored[:depth], scored[depth:]
        order, logits, feats = model.rerank(question, self.term_weights(tokens), self.candidate_rows(head))
        return [head[i] for i in order] + tail, logits, feats

    # -- parts ------------------------------------------------------------------------------------
    def _lexical_weight(self, tokens: list[str], question: str) -> float:
        """BM25's share of the fused score: the query's own (``fusion.lexical_weight``), scaled
        down for a question (``fusion.QUESTION_LEXICAL_SCALE``)."""
        idf = np.array([self.lexical.idf(t) for t in tokens])
        matched = np.array([t in self.lexical.doc_freq for t in tokens], dtype=float)
        scale = fusion.QUESTION_LEXICAL_SCALE if is_question(question) else 1.0
        return scale * fusion.lexical_weight(idf, matched, self.max_idf)

    def _score(self, row: int, qvec: np.ndarray, lexical: float) -> Scored:
        sims = self.table.sentence_vecs_of(row) @ qvec
        best = int(np.argmax(sims)) if len(sims) else 0
        return Scored(row, float(self.table.passage_vecs[row] @ qvec), float(sims[best]) if len(sims) else -1.0,
                      best, lexical)
