"""The evidence test: does the best passage answer the question, or only resemble it?

One cosine threshold cannot tell "answers" from "is about the same things" (on the
development set the best single cut-off reaches a balanced accuracy of 0.75). The test here
combines signals that fail in different ways:

- ``similarity``: the larger of the question's cosine with the whole passage and with its
  best sentence (a one-sentence answer inside a long paragraph still counts);
- ``coverage``: the IDF-weighted share of the question's content terms found in the passage,
  so the rare words of the question (what it is specifically about) must be there;
- ``absent``: the IDF-weighted share of the question's content terms found nowhere in the
  corpus (words the documents never use);
- ``missing_names``: names and acronyms in the question (capitalised words past the first,
  all-caps words) that no document contains. A question about the Pope cannot be answered
  by documents that never mention a Pope, however similar its other words are.

evidence = similarity + W_COVERAGE * coverage - W_ABSENT * absent

and the question is answered iff no name is missing and evidence >= THRESHOLD. The weights
and threshold were set on the development sets (../shared/eval) and a few hand-labelled extra
questions, choosing the middle of the gap between the classes rather than its edge.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from ..text import names_in, tokenize
from .features import absent_share, term_weights
from .features import coverage as text_coverage

W_COVERAGE = 0.25
W_ABSENT = 0.25
THRESHOLD = 0.30
#: A document covers a topic when its best passage has evidence >= TOPIC_THRESHOLD and the
#: document contains at least TOPIC_TERMS of the topic's terms, IDF-weighted: a topic is a short
#: noun phrase whose distinctive words ("panic", "briefing") a covering document uses somewhere.
TOPIC_THRESHOLD = 0.25
TOPIC_TERMS = 0.45


@dataclass(frozen=True)
class Verdict:
    answered: bool
    confidence: float
    signals: dict = field(default_factory=dict)


def signals(question: str, tokens: list[str], similarity: float, passage_text: str, lexical,
            vocabulary: Collection[str] | None = None) -> dict:
    """The evidence signals of the best-ranked passage.

    ``similarity``: the larger of its passage and best-sentence cosines; ``lexical``: the BM25
    index (``idf(term)`` and ``doc_freq``, the corpus's terms); ``vocabulary``: the terms of the
    searched documents (default: the whole corpus) where names and terms are looked for.
    """
    vocabulary = lexical.doc_freq if vocabulary is None else vocabulary
    weights = term_weights(tokens, lexical.idf)
    coverage = text_coverage(weights, passage_text)
    absent = absent_share(weights, lexical.doc_freq)
    # words no document uses say nothing about which document covers a topic: leave them out
    known = sum(w for t, w in weights.items() if t in lexical.doc_freq)
    in_scope = float(sum(w for t, w in weights.items() if t in vocabulary) / known) if known > 0 else 0.0
    missing = missing_names(question, vocabulary)
    return {"similarity": similarity, "coverage": coverage, "absent": absent, "in_scope": in_scope,
            "missing_names": missing, "evidence": similarity + W_COVERAGE * coverage - W_ABSENT * absent}


#: Endings that turn a place into its people or adjective (Sudan, Sudanese; Punjab, Punjabi;
#: Ukraine, Ukrainian), as the stemmer leaves them. A question that says "Ukrainian" names what a
#: document calling it "Ukraine" mentions; it is not a name the documents never use.
_NAME_FORMS = ("ian", "an", "n", "ese", "es", "ish", "i", "ic", "s")
_MIN_BASE = 4


def _name_forms(term: str) -> set[str]:
    """The term, its base without a demonym ending, and those bases with each ending added."""
    bases = {term} | {term[: -len(e)] for e in _NAME_FORMS
                      if term.endswith(e) and len(term) - len(e) >= _MIN_BASE}
    return bases | {b + e for b in bases for e in _NAME_FORMS}


def _mentioned(term: str, vocabulary: Collection[str]) -> bool:
    if term in vocabulary:
        return True
    if term.isupper():  # an acronym has no other form
        return False
    return any(f in vocabulary for f in _name_forms(term))


def missing_names(question: str, vocabulary: Collection[str]) -> list[str]:
    """Names and acronyms of the question that the searched documents never use, in any of the
    name's forms (Sudanese is found in a document that says Sudan)."""
    return [n for n in names_in(question)
            if (toks := tokenize(n)) and not all(_mentioned(t, vocabulary) for t in toks)]


def _logistic(margin: float, scale: float = 0.05) -> float:
    """A margin above a bar mapped to (0, 1): 0.5 at the bar, about 0.88 at +0.1."""
    return float(1 / (1 + np.exp(-margin / scale)))


def _verdict(sig: dict, threshold: float, min_in_scope: float = 0.0) -> Verdict:
    ok = not sig["missing_names"] and sig["evidence"] >= threshold and sig["in_scope"] >= min_in_scope
    # confidence: the margins over the bars mapped to (0, 1); 0 when a name is missing
    conf = 0.0 if sig["missing_names"] else _logistic(sig["evidence"] - threshold)
    if min_in_scope:
        conf *= _logistic(sig["in_scope"] - min_in_scope)
    return Verdict(ok, conf, sig)


def judge(question: str, tokens: list[str], similarity: float, passage_text: str, lexical,
          vocabulary: Collection[str] | None = None) -> Verdict:
    """Answered or not, judged on the best passage (see :func:`signals` for the arguments)."""
    return _verdict(signals(question, tokens, similarity, passage_text, lexical, vocabulary), THRESHOLD)


def judge_topic(topic: str, tokens: list[str], similarity: float, passage_text: str, lexical,
                vocabulary: Collection[str]) -> Verdict:
    """Whether a document covers a topic, judged on its best passage and its ``vocabulary``."""
    return _verdict(signals(topic, tokens, similarity, passage_text, lexical, vocabulary),
                    TOPIC_THRESHOLD, TOPIC_TERMS)
