"""The second stage's features: what says a passage *answers* a question, not only shares its topic.

Per candidate (``candidate_features``), from the first stage's signals and the passage's text:

- ``dense``, ``sentence``: cosine of the question with the passage and with its best sentence;
  ``dense_gap``, ``sentence_gap``: how far below the best candidate's (topic cosines bunch, so the
  gap says more than the level);
- ``bm25_share``: BM25 over the best candidate's; ``fused_rank``: 1 / (1 + first-stage rank);
- ``coverage``: IDF-weighted share of the question's terms in the passage; ``sentence_coverage``:
  the same within its best single sentence, where a SQuAD-style answer sits with the question's
  rare words around it;
- ``type_match``: the question asks for a kind of thing (who: a name; when: a date; how many /
  much: a number; where: a place) and the passage's best sentence has one (0.5 when the question
  asks for no particular kind).

Per question (``question_features``), for the verdict: the best candidate's second-stage logit,
its margin over the runner-up, its coverage and cosine, and the share of the question's terms no
document uses. All features are plain arithmetic on the first stage's results: no model beyond
the bundled embedder, and nothing fitted to the two articles.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ..text import tokenize

CANDIDATE_FEATURES = ("dense", "sentence", "dense_gap", "sentence_gap", "bm25_share", "fused_rank", "coverage",
                      "sentence_coverage", "type_match")
QUESTION_FEATURES = ("top_logit", "margin", "top_coverage", "top_sentence_coverage", "top_sentence", "absent")

_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                     r"fifty|hundred|thousand|million|billion|dozen|half)\b", re.I)
_DATE = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b|\b(?:january|february|march|april|may|june|july|august|"
                   r"september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|"
                   r"sunday|century|decade|year|week|month|yesterday|today)\b", re.I)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z\u00c0-\u024f'’-]+")


def answer_type(question: str) -> str | None:
    """What kind of thing the question asks for: "number", "date", "name", "place" or None."""
    q = question.lower()
    if re.search(r"\bhow (?:many|much|long|old|far|large|big)\b|\bwhat (?:percentage|number|amount)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (?:year|date|day|month|time|century|decade)\b|\bwhich year\b", q):
        return "date"
    if re.search(r"\bwhere\b|\bwhat (?:city|country|place|region|town|state)\b", q):
        return "place"
    if re.search(r"\bwho(?:m|se)?\b", q):
        return "name"
    return None


def has_type(text: str, kind: str | None) -> float:
    """1.0 when ``text`` holds the kind of thing asked for, 0.0 when not, 0.5 when none is asked."""
    if kind is None:
        return 0.5
    if kind == "number":
        return float(bool(_NUMBER.search(text)))
    if kind == "date":
        return float(bool(_DATE.search(text)))
    return float(bool(_CAPITALISED.search(text)))  # name or place: a capitalised word past a sentence start


def term_weights(tokens: Sequence[str], idf) -> dict[str, float]:
    """The question's distinct terms and their IDF weights (``idf(term)``), summing to 1."""
    uniq = list(dict.fromkeys(tokens))
    weights = np.array([idf(t) for t in uniq], dtype=float)
    total = float(weights.sum())
    return {t: w / total for t, w in zip(uniq, weights)} if total > 0 else {}


def coverage(weights: dict[str, float], text: str) -> float:
    """The weighted share of the question's terms that ``text`` uses."""
    terms = set(tokenize(text))
    return float(sum(w for t, w in weights.items() if t in terms))


def absent_share(weights: dict[str, float], known_terms) -> float:
    """The weighted share of the question's terms outside ``known_terms`` (e.g. the corpus's)."""
    return float(sum(w for t, w in weights.items() if t not in known_terms))


def candidate_features(question: str, weights: dict[str, float], rows: list[dict]) -> np.ndarray:
    """One row of CANDIDATE_FEATURES per candidate, in the first stage's order.

    ``rows``: per candidate, ``dense``, ``sentence``, ``lexical`` (BM25), ``text`` (the passage)
    and ``sentences`` (its sentences' texts, best-cosine first).
    """
    if not rows:
        return np.zeros((0, len(CANDIDATE_FEATURES)))
    kind = answer_type(question)
    dense = np.array([r["dense"] for r in rows])
    sentence = np.array([r["sentence"] for r in rows])
    lexical = np.array([r["lexical"] for r in rows])
    out = np.zeros((len(rows), len(CANDIDATE_FEATURES)))
    top_lex = float(lexical.max()) or 1.0
    for i, r in enumerate(rows):
        sentences = r["sentences"] or [r["text"]]
        covs = [coverage(weights, s) for s in sentences]
        best = int(np.argmax(covs))
        out[i] = (dense[i], sentence[i], dense.max() - dense[i], sentence.max() - sentence[i], lexical[i] / top_lex,
                  1.0 / (1 + i), coverage(weights, r["text"]), covs[best],
                  max(has_type(sentences[0], kind), has_type(sentences[best], kind)))
    return out


def question_features(logits: np.ndarray, features: np.ndarray, absent: float) -> np.ndarray:
    """QUESTION_FEATURES for a question whose candidates have second-stage ``logits`` and
    CANDIDATE_FEATURES ``features`` (sorted best first by logit)."""
    if not len(logits):
        return np.array([-10.0, 0.0, 0.0, 0.0, 0.0, absent])
    col = CANDIDATE_FEATURES.index
    margin = float(logits[0] - logits[1]) if len(logits) > 1 else 5.0
    return np.array([float(logits[0]), margin, features[0, col("coverage")], features[0, col("sentence_coverage")],
                     features[0, col("sentence")], absent])
