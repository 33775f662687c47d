"""Key phrases that name a topic: 2-4 word noun phrases of the documents' own text.

1. Candidates: the noun chunks of spaCy's dependency parse (the verified ``en_core_web_sm`` that
   ``qa.analysis.names`` loads, shared), trimmed of leading determiners, pronouns, numbers and stop words and of
   a trailing possessive, kept when 2 to 4 words remain of which at least two are search terms
   ("partial mobilisation", "Kharkiv Province", "the inner circle" -> "inner circle"). Each is a
   span of the document: ``text[start:end] == phrase``. Occurrences are grouped by their search
   terms (stemmed), so "nuclear weapons" and "nuclear weapon" are one phrase.
2. Weight in a topic: the mean c-TF-IDF weight of the phrase's terms in that topic (the topic's
   word weights, ``qa.analysis.topics.term_weights``, scaled to its strongest word). In news
   paragraphs a phrase seldom recurs word for word but its words do: "conscription officers" in
   a topic whose paragraphs keep saying "conscription". A term found in over two thirds of the
   topics (corpus-wide: "Putin", "war") weighs nothing, so a phrase made only of generic words
   ("recent days", "Mr Putin") is never a label.
3. A label names what the topic is about, not who speaks in it: a phrase that names an actor (a
   person's name, an all-proper-noun organisation such as "Washington Post", or a role headed by
   a noun like "commander", "official", "minister") names a topic only when it has no other
   phrase; one found only inside quotation marks, where a speaker's words ("personal care,
   helmets") may lose their sense once cut out, weighs half (a quote can still name its topic:
   "mass mobilisation").
4. Choice: maximal marginal relevance over the top candidates, with each phrase's vector the mean
   of the stored vectors of the sentences it occurs in (no model call): relevance = the phrase's
   weight and its cosine to the topic's mean passage vector, averaged; redundancy = its highest
   cosine to a phrase already chosen. A phrase sharing a search term with a chosen one is skipped
   ("nuclear weapons" after "nuclear threat").
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..index.table import PassageTable
from ..text import stopwords, tokenize
from ..types import TextSpan
from . import names

log = logging.getLogger(__name__)

#: Phrases per topic label.
N_PHRASES = 3
#: Candidates per topic that go into MMR (by c-TF-IDF).
N_CANDIDATES = 12
#: MMR trade-off: relevance weight (1 - this is the redundancy weight).
MMR_LAMBDA = 0.7
MIN_WORDS, MAX_WORDS = 2, 4
_TRIM_POS = {"DET", "PRON", "NUM", "PUNCT", "CCONJ", "ADP", "PART", "SYM", "X", "SPACE"}
#: Words that may lead a chunk but not a label ("just a distraction", "only the army").
_TRIM_LEAD_POS = _TRIM_POS | {"ADV", "INTJ"}
#: Nouns too vague to name a topic on their own ("recent weeks", "a hard time", "different things"):
#: a phrase whose head is one of them is not a label.
VAGUE_HEADS = frozenset(
    "day days week weeks month months year years time times period moment lot lots thing things way ways "
    "bit part kind sort number case fact point end start beginning today".split())
#: Noun chunks need the tagger, its attribute ruler and the parser; the recogniser marks people's
#: names (inside ``names.parse_once``, as the overview parses, the ledger's parse serves both).
PHRASES_DISABLE: list[str] = []
#: What a phrase found only inside quotation marks weighs beside one of the writer's own.
QUOTED_WEIGHT = 0.5
#: Heads that make a phrase a role, someone who acts or speaks in the topic rather than its subject.
ROLE_HEADS = frozenset(
    "chief chiefs minister ministers president presidents commander commanders official officials spokesman "
    "spokeswoman spokesperson analyst analysts director directors secretary adviser advisers advisor advisors "
    "officer officers politician politicians leader leaders expert experts journalist journalists correspondent "
    "aide aides deputy deputies ambassador general generals governor mayor chairman head heads insider insiders "
    "source sources editor reporter reporters researcher researchers professor member members parliamentarian "
    "parliamentarians lawmaker lawmakers participant participants propagandist propagandists".split())
_QUOTED = re.compile(r'“[^”]*(?:”|$)|"[^"\n]*(?:"|$)')


@dataclass(frozen=True)
class Occurrence:
    span: TextSpan
    key: tuple[str, ...]  # its search terms, sorted: the phrase it belongs to
    row: int  # passage row in the table
    sentence: int  # index into table.sentence_vecs (-1: the passage has no sentence spans)
    actor: bool = False  # a person's or an outlet's name, or a role ("battalion commander")
    quoted: bool = False  # inside quotation marks


def _trimmed(chunk) -> tuple[int, int] | None:
    """(first, last+1) token indexes of a noun chunk without leading function words or a trailing
    possessive; None when what is left is not 2-4 words."""
    stop = stopwords()
    toks = list(chunk)
    i, j = 0, len(toks)
    owner = [n for n, t in enumerate(toks[:-1]) if t.tag_ == "POS"]
    if owner:  # "Putin's inner circle": the possessed noun phrase, "inner circle"
        i = owner[-1] + 1
    while i < j and (toks[i].pos_ in _TRIM_LEAD_POS or toks[i].lower_ in stop or not toks[i].is_alpha):
        i += 1
    while j > i and (toks[j - 1].tag_ == "POS" or toks[j - 1].pos_ in _TRIM_POS or not toks[j - 1].is_alpha):
        j -= 1
    words = toks[i:j]
    if not MIN_WORDS <= len(words) <= MAX_WORDS or words[-1].lower_ in VAGUE_HEADS:
        return None
    if any(t.pos_ in ("DET", "PRON") for t in words):  # "a distraction" inside: not one phrase
        return None
    if any(not (t.is_alpha or t.text in "-–") and t.tag_ != "HYPH" for t in words):
        return None
    return i, j


def occurrences(table: PassageTable) -> list[Occurrence]:
    """Every candidate phrase occurrence in the corpus's body paragraphs."""
    rows = list(range(len(table.passages)))
    if not rows:
        return []
    # the ledger's verified pipeline, loaded once (and, inside names.parse_once, parsing once)
    parsed = names.parse([table.passages[r].text for r in rows], PHRASES_DISABLE)
    out = []
    for r, doc in zip(rows, parsed):
        p = table.passages[r]
        text = table.by_id[p.doc_id].text
        first = int(table.first_sentence[r]) if p.sentences else -1
        quotes = [(m.start(), m.end()) for m in _QUOTED.finditer(p.text)]
        for chunk in doc.noun_chunks:
            cut = _trimmed(chunk)
            if cut is None:
                continue
            words = chunk[cut[0]:cut[1]]
            s = p.start + chunk[cut[0]].idx
            e = p.start + chunk[cut[1] - 1].idx + len(chunk[cut[1] - 1].text)
            key = tuple(sorted(set(tokenize(text[s:e]))))
            if len(key) < MIN_WORDS:
                continue
            k = next((n for n, (ss, se) in enumerate(p.sentences) if ss <= s < se), 0)
            quoted = any(a <= chunk[cut[0]].idx < b for a, b in quotes)
            out.append(Occurrence(TextSpan(p.doc_id, p.paragraph, s, e, text[s:e]), key, r,
                                  first + k if first >= 0 else -1, _names_actor(words), quoted))
    return out


def _names_actor(words) -> bool:
    """The phrase (spaCy tokens) names a person (by the recogniser, where it ran), an organisation
    written all in proper nouns, or a role."""
    if words[-1].ent_type_ == "PERSON":  # "Anton Barbashin", "propagandist Vladimir Solovyov"
        return True
    if all(t.pos_ == "PROPN" for t in words) and all(t.ent_type_ in ("ORG", "PERSON") for t in words):
        return True
    return words[-1].lower_ in ROLE_HEADS


def topic_phrases(table: PassageTable, members: list[np.ndarray], weights: list, common_terms: set[str],
                  n: int = N_PHRASES) -> list[tuple[TextSpan, ...]]:
    """Up to ``n`` key phrases for each topic (``members``: the passage rows of each; ``weights``:
    each topic's ``TermWeights``)."""
    try:
        occ = occurrences(table)
    except Exception as exc:  # the parser is an aid to reading: without it topics keep their words
        log.warning("no key phrases for topics (%s: %s); topics are named by words", type(exc).__name__, exc)
        return [() for _ in members]
    topic_of_row = {int(r): t for t, rows in enumerate(members) for r in rows}
    out = []
    for t, rows in enumerate(members):
        found = [o for o in occ if topic_of_row.get(o.row) == t]
        by_key: dict[tuple[str, ...], list[Occurrence]] = {}
        for o in found:
            by_key.setdefault(o.key, []).append(o)
        tw = weights[t].weight
        strongest = max((w for s, w in tw.items() if s not in common_terms), default=0.0) or 1.0
        score, side = {}, set()
        for key, these in by_key.items():
            terms = [0.0 if s in common_terms else tw.get(s, 0.0) / strongest for s in key]
            if any(terms):
                score[key] = sum(terms) / len(terms) * (QUOTED_WEIGHT if all(o.quoted for o in these) else 1.0)
                if all(o.actor for o in these):
                    side.add(key)
        ranked = sorted(score, key=lambda k: (-score[k], k))[:N_CANDIDATES]
        if not ranked:
            out.append(())
            continue
        centroid = table.passage_vecs[rows].mean(axis=0)
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        vecs = {k: _phrase_vector(table, by_key[k]) for k in ranked}
        relevance = {k: 0.5 * score[k] + 0.5 * float(vecs[k] @ centroid) for k in ranked}
        subjects = [k for k in ranked if k not in side]
        chosen = _mmr(subjects or ranked, relevance, vecs, n)
        out.append(tuple(_surface(by_key[k]) for k in chosen))
    return out


def _mmr(ranked: list, relevance: dict, vecs: dict, n: int) -> list[tuple[str, ...]]:
    """Maximal marginal relevance: each next phrase the most relevant and least like those chosen;
    a phrase sharing a term with a chosen one is skipped."""
    chosen: list[tuple[str, ...]] = []
    left = list(ranked)
    while left and len(chosen) < n:
        def score(k):
            redundancy = max((float(vecs[k] @ vecs[c]) for c in chosen), default=0.0)
            return MMR_LAMBDA * relevance[k] - (1 - MMR_LAMBDA) * redundancy

        best = max(left, key=score)
        left.remove(best)
        if not any(set(best) & set(c) for c in chosen):
            chosen.append(best)
    return chosen


def _phrase_vector(table: PassageTable, found: list[Occurrence]) -> np.ndarray:
    vecs = [table.sentence_vecs[o.sentence] if o.sentence >= 0 else table.passage_vecs[o.row] for o in found]
    v = np.mean(vecs, axis=0)
    return v / (np.linalg.norm(v) or 1.0)


def _surface(found: list[Occurrence]) -> TextSpan:
    """The most frequent written form (lower-cased comparison) of one phrase's occurrences, its first."""
    form = Counter(o.span.text.lower() for o in found).most_common(1)[0][0]
    return next(o.span for o in found if o.span.text.lower() == form)
