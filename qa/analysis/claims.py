"""Claim-level evidence between two documents: every sentence with its best counterpart sentence
in the other document, and whether the pair makes the same claim rather than merely the same topic.

Two articles about one war are alike everywhere: a paragraph-level cosine bar measures topic.
Claim-matching systems (CheckThat! 2021-22) combine a semantic and a lexical signal; so does this:

- **evidence** = the pair's cosine + its **distinctive share**: the IDF-weighted share of the
  shorter sentence's search terms that the other sentence also uses, IDF over the corpus's
  paragraphs, so that words most paragraphs use ("Putin", "war", "Russia") count for little and a
  shared "Kharkiv" or "nuclear" counts for much. Each sentence's counterpart is the sentence of
  the other document with the most evidence; the pair is *shared* when the evidence reaches
  ``MIN_EVIDENCE``, its cosine ``MIN_COSINE``, and there is **no conflict**: two sentences that both give numbers but none in
  common, or both name distinctive people, places or organisations but none in common, report
  different facts.
- Sentences under ``MIN_CLAIM_WORDS`` words ("That's just how it works.") are not claims: they
  match anything short and are left out of the verdict; nor is a question ("Is that reality
  getting through to Putin?"), which asserts nothing.
- Reported for each pair but not part of the verdict: the **ratio margin** of bitext mining
  (Artetxe & Schwenk 2019: the cosine over the mean cosine of each side's ``MARGIN_K`` nearest
  neighbours) and **mutual best match**. On article A's labels the margin ranks the wrong way
  (AUROC 0.25: a specific anecdote stands out from its neighbourhood yet matches nothing), and
  requiring a mutual match lost shared paragraphs (``bench/alignment.py``).

``MIN_EVIDENCE`` and ``MIN_COSINE`` are set on article A's hand labels only (article B's are held
out), under a cap on false "shared" verdicts between unrelated SQuAD articles. Everything
here is a number or a verbatim span; "shared" means both documents *cover* the claim, never that
they agree.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..index.table import PassageTable
from ..text import names_in, tokenize
from ..types import TextSpan

#: Nearest neighbours in the margin's denominator: 4, as in LASER's BUCC mining (fewer when the
#: other document has fewer sentences).
MARGIN_K = 4
#: cosine + distinctive share at which a pair makes the same claim, and the cosine it needs at the
#: least (a short sentence sharing one rare word with an unrelated one is not the same claim).
#: Chosen together as the best balanced accuracy on article A's labels (0.79) among the settings
#: that call at most 2% of paragraphs "shared" between two different SQuAD articles, which make
#: different claims (300 random pairs of the 48 dev articles; bench/alignment.py, bench/overview_fifty.py).
MIN_EVIDENCE = 0.60
MIN_COSINE = 0.40
#: With the claim model: how many counterparts of a sentence it reads (those of most evidence),
#: and the cosine a counterpart needs to be read at all (cost: each read is one model run). On the
#: squad-reworded dev claim triples every restatement has cosine >= 0.47 with its sentence, while
#: 99% of unrelated pairs score under 0.45; 0.40 is the evidence rule's own cosine floor.
MODEL_CANDIDATES = 2
MODEL_MIN_COSINE = 0.45
#: A sentence with fewer words is not a claim.
MIN_CLAIM_WORDS = 5
#: A sentence that ends in a question mark (closing quotes and brackets aside).
_QUESTION = re.compile(r"\?[\s\"'”’)\]]*$")
#: A name used by at least this share of the corpus's paragraphs is common ground, not evidence
#: of a particular claim (in the two articles: Putin, Russia, Kremlin).
COMMON_NAME_SHARE = 0.25

_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class Unit:
    """A sentence of a body paragraph: its span and what the evidence needs of it."""

    span: TextSpan
    terms: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str]

    @property
    def is_claim(self) -> bool:
        # a question asserts nothing ("Is that reality getting through to Putin?")
        return len(self.span.text.split()) >= MIN_CLAIM_WORDS and not _QUESTION.search(self.span.text)


@dataclass(frozen=True)
class SentencePair:
    """A sentence and its best counterpart sentence in another document, with the evidence."""

    sentence: TextSpan
    other: TextSpan
    cosine: float
    distinctive: float  # IDF-weighted share of the shorter sentence's terms found in the other
    evidence: float  # cosine + distinctive: what the verdict compares with MIN_EVIDENCE
    margin: float  # ratio margin (reported, not part of the verdict)
    mutual: bool  # each is the other's counterpart (reported, not part of the verdict)
    conflict: str  # "" or what differs, e.g. "numbers 30 / 40"
    claim: bool  # the sentence has MIN_CLAIM_WORDS words or more
    shared: bool  # a claim with no conflict, judged the same claim (the claim model, else the evidence bars)
    #: the claim model's probability that the two state the same claim (None: not read by it)
    same_claim: float | None = None

    def to_json(self) -> dict:
        return {"sentence": self.sentence.to_json(), "other": self.other.to_json(),
                "cosine": round(self.cosine, 4), "distinctive": round(self.distinctive, 4),
                "evidence": round(self.evidence, 4), "margin": round(self.margin, 4), "mutual": self.mutual,
                "conflict": self.conflict, "claim": self.claim, "shared": self.shared,
                "same_claim": None if self.same_claim is None else round(self.same_claim, 4)}

    @classmethod
    def from_json(cls, d: dict) -> SentencePair:
        same = d.get("same_claim")
        return cls(TextSpan.from_json(d["sentence"]), TextSpan.from_json(d["other"]), float(d["cosine"]),
                   float(d["distinctive"]), float(d["evidence"]), float(d["margin"]), bool(d["mutual"]), str(d["conflict"]),
                   bool(d["claim"]), bool(d["shared"]), None if same is None else float(same))


@dataclass(frozen=True)
class Vocabulary:
    """Inverse document frequencies over the corpus's body paragraphs."""

    idf: dict[str, float]
    common_names: frozenset[str]
    n_paragraphs: int

    @classmethod
    def of(cls, table: PassageTable) -> Vocabulary:
        n = max(len(table.passages), 1)
        df = Counter(t for p in table.passages for t in set(tokenize(p.text)))
        name_df = Counter(t for p in table.passages for t in _name_terms(p.text))
        idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        common = frozenset(t for t, c in name_df.items() if c / n >= COMMON_NAME_SHARE)
        return cls(idf, common, n)

    @cached_property
    def columns(self) -> dict[str, int]:
        """A column for every term with an IDF (the terms of :func:`term_matrix`)."""
        return {t: i for i, t in enumerate(self.idf)}

    @cached_property
    def weights(self) -> np.ndarray:
        """The IDF of each column."""
        return np.fromiter(self.idf.values(), dtype=np.float64, count=len(self.idf))


def _name_terms(text: str) -> set[str]:
    """The search terms of what a text names (capitalised words after its first, acronyms)."""
    return {t for name in names_in(text) for t in tokenize(name)}


def units_of(table: PassageTable, doc_id: str, vocabulary: Vocabulary) -> tuple[list[Unit], np.ndarray, list[int]]:
    """The sentences of a document's body paragraphs, their vectors and the table row of each one's
    paragraph. A paragraph stored without sentence spans is one sentence (its passage vector)."""
    doc = table.document(doc_id)
    units, vecs, rows = [], [], []
    for row in np.flatnonzero(table.rows_of([doc_id])):
        p = table.passages[int(row)]
        spans = p.sentences or ((p.start, p.end),)
        svecs = table.sentence_vecs_of(int(row)) if p.sentences else table.passage_vecs[int(row)][None, :]
        for (s, e), v in zip(spans, svecs):
            text = doc.text[s:e]
            units.append(Unit(TextSpan(doc_id, p.paragraph, s, e, text), frozenset(tokenize(text)),
                              frozenset(n.replace(",", "") for n in _NUMBER.findall(text)),
                              frozenset(_name_terms(text) - vocabulary.common_names)))
            vecs.append(v)
            rows.append(int(row))
    dim = table.passage_vecs.shape[1] if table.passage_vecs.ndim == 2 else 0
    return units, (np.array(vecs, dtype=np.float32) if vecs else np.zeros((0, dim), np.float32)), rows


def ratio_margin(sim: np.ndarray, k: int = MARGIN_K) -> np.ndarray:
    """cos(x, y) / ((mean of x's k best cosines in Y + mean of y's k best in X) / 2), every pair."""
    if sim.size == 0:
        return sim.copy()
    kx, ky = min(k, sim.shape[1]), min(k, sim.shape[0])
    near_x = np.sort(sim, axis=1)[:, -kx:].mean(axis=1)
    near_y = np.sort(sim, axis=0)[-ky:, :].mean(axis=0)
    denom = (near_x[:, None] + near_y[None, :]) / 2
    return sim / np.maximum(denom, 1e-6)


def term_matrix(units: list[Unit], vocabulary: Vocabulary):
    """Sentences x the vocabulary's terms (a SciPy CSR matrix): 1 where a sentence uses a term.
    Built once per document, so that comparing fifty documents pair by pair reuses it."""
    from scipy import sparse

    cols = vocabulary.columns
    pairs = [(i, cols[t]) for i, u in enumerate(units) for t in u.terms if t in cols]
    rows, columns = (np.array(x, dtype=np.int64) for x in zip(*pairs)) if pairs else (np.zeros(0, int),) * 2
    return sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(units), len(cols)))


def shares(mx, my, vocabulary: Vocabulary) -> np.ndarray:
    """:func:`distinctive_shares` from two :func:`term_matrix` results."""
    idf = vocabulary.weights
    both = (mx.multiply(idf[None, :]).tocsr() @ my.T).toarray() if idf.size else np.zeros((mx.shape[0], my.shape[0]))
    wx, wy = mx @ idf, my @ idf
    lighter = np.minimum(wx[:, None], wy[None, :])
    return np.where(lighter > 0, np.minimum(1.0, both / np.where(lighter > 0, lighter, 1.0)), 0.0)


def distinctive_shares(ux: list[Unit], uy: list[Unit], vocabulary: Vocabulary) -> np.ndarray:
    """For every pair (x, y): the IDF-weighted share of the lighter side's terms that both
    sentences use (0..1; 0 when either has no weight), with IDF-weighted term incidence matrices."""
    return shares(term_matrix(ux, vocabulary), term_matrix(uy, vocabulary), vocabulary)


def conflict(a: Unit, b: Unit) -> str:
    """What two sentences give differently: numbers, or distinctive names, with none in common."""
    if a.numbers and b.numbers and not a.numbers & b.numbers:
        return f"numbers {', '.join(sorted(a.numbers))} / {', '.join(sorted(b.numbers))}"
    if a.names and b.names and not a.names & b.names:
        return f"names {', '.join(sorted(a.names))} / {', '.join(sorted(b.names))}"
    return ""


def model_reads(sim: np.ndarray, evidence: np.ndarray, ux: list[Unit]) -> list[tuple[int, int]]:
    """The (x, y) pairs the claim model reads: for each claim of X, its ``MODEL_CANDIDATES``
    counterparts of most evidence that reach ``MODEL_MIN_COSINE``."""
    if evidence.size == 0:
        return []
    order = np.argsort(-evidence, axis=1, kind="stable")[:, :MODEL_CANDIDATES]
    return [(i, int(j)) for i in range(len(ux)) if ux[i].is_claim for j in order[i] if sim[i, j] >= MODEL_MIN_COSINE]


def sentence_pairs(ux: list[Unit], vx: np.ndarray, uy: list[Unit], vy: np.ndarray, vocabulary: Vocabulary,
                   min_evidence: float = MIN_EVIDENCE, terms: tuple | None = None, model=None) -> list[SentencePair]:
    """Each sentence of X with its counterpart in Y and the verdict. ``terms``: the two documents'
    :func:`term_matrix`, when already built.

    With a claim ``model`` (``qa.models.claims.ClaimModel``), the counterpart is the candidate
    (:func:`model_reads`) it finds most likely to state the same claim, and the pair is shared when
    that probability reaches the model's threshold; without one, the claim of most evidence,
    shared at the evidence bars. Either way a conflict (numbers or names, none in common) vetoes."""
    claims_y = [j for j, u in enumerate(uy) if u.is_claim]
    if not ux or not claims_y:
        return []
    mx, my = terms or (term_matrix(ux, vocabulary), term_matrix(uy, vocabulary))
    uy, vy, my = [uy[j] for j in claims_y], vy[claims_y], my[claims_y]
    sim = vx @ vy.T
    share = shares(mx, my, vocabulary)
    evidence = sim + share
    margin = ratio_margin(sim)
    best_y, best_x = evidence.argmax(axis=1), evidence.argmax(axis=0)
    prob = None
    if model is not None:
        reads = model_reads(sim, evidence, ux)
        prob = np.full(sim.shape, np.nan)
        if reads:
            prob[tuple(np.array(reads).T)] = model.same_claim([(ux[i].span.text, uy[j].span.text) for i, j in reads])
    out = []
    for i, j in enumerate(best_y):
        j = int(j)
        claim = ux[i].is_claim
        read = prob is not None and not np.isnan(prob[i]).all()
        if read:
            j = int(np.nanargmax(prob[i]))
        why = conflict(ux[i], uy[j])
        if prob is not None:
            shared = claim and read and prob[i, j] >= model.threshold and not why
        else:
            shared = claim and evidence[i, j] >= min_evidence and sim[i, j] >= MIN_COSINE and not why
        out.append(SentencePair(ux[i].span, uy[j].span, float(sim[i, j]), float(share[i, j]), float(evidence[i, j]),
                                float(margin[i, j]), int(best_x[j]) == i, why, claim, bool(shared),
                                float(prob[i, j]) if read else None))
    return out
