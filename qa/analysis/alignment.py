"""Paragraph alignment: every body paragraph with its best counterpart in each other document and
whether the other document makes the same claims, judged sentence by sentence
(``qa.analysis.claims``): "shared", "partly shared" or "only in X", each verdict citing its
sentence pairs. The paragraph-level cosines and bar (see :func:`calibrate`) remain for plots and
for reading how close two paragraphs are in topic."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..index.table import PassageTable
from ..types import TextSpan
from .claims import MIN_EVIDENCE, SentencePair, Vocabulary, sentence_pairs, term_matrix, units_of


@dataclass(frozen=True)
class Bar:
    """The shared-coverage bar of one pair of documents (see :func:`calibrate`)."""

    doc_id: str
    other: str
    low: float  # median cosine of all cross-document paragraph pairs
    high: float  # median cosine of a paragraph and its nearest neighbour in its own document
    bar: float  # (low + high) / 2: a best counterpart at or above it is shared coverage

    def relative(self, score: float) -> float:
        """(score - low) / (high - low): 0 = a random cross-document pair, 1 = a nearest neighbour."""
        return (score - self.low) / (self.high - self.low)

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "other": self.other, "low": round(self.low, 4), "high": round(self.high, 4),
                "bar": round(self.bar, 4)}

    @classmethod
    def from_json(cls, d: dict) -> Bar:
        return cls(d["doc_id"], d["other"], float(d["low"]), float(d["high"]), float(d["bar"]))


@dataclass(frozen=True)
class Counterpart:
    """A paragraph's best counterpart in one other document, and the claim-level verdict.

    ``status`` is ``"shared"`` when every sentence of the paragraph makes a claim the other
    document also makes, ``"partly shared"`` when some do, ``"only"`` when none does; the sentence
    pairs (``sentences``, one per sentence of the paragraph, see ``qa.analysis.claims``) are the
    evidence. The counterpart paragraph is the one holding the best shared sentence, else the
    paragraph of highest cosine."""

    passage: TextSpan
    score: float  # cosine of the two passage vectors
    relative: float  # see Bar.relative (paragraph-level topic closeness, for plots)
    shared: bool  # status is "shared" or "partly shared"
    mutual: bool  # the two paragraphs are each other's closest (by cosine)
    status: str = "only"
    sentences: tuple[SentencePair, ...] = ()

    @property
    def shared_sentences(self) -> list[SentencePair]:
        return [s for s in self.sentences if s.shared]

    def to_json(self) -> dict:
        return {**self.passage.to_json(), "score": round(self.score, 4), "relative": round(self.relative, 4),
                "shared": self.shared, "mutual": self.mutual, "status": self.status,
                "sentences": [s.to_json() for s in self.sentences]}

    @classmethod
    def from_json(cls, d: dict) -> Counterpart:
        return cls(TextSpan.from_json(d), float(d["score"]), float(d["relative"]), bool(d["shared"]), bool(d["mutual"]),
                   str(d.get("status", "shared" if d["shared"] else "only")),
                   tuple(SentencePair.from_json(s) for s in d.get("sentences", [])))


@dataclass(frozen=True)
class AlignedParagraph:
    """A body paragraph, its best counterpart in each other document, and a fixed status label:
    ``"shared with all"``, ``"shared with B, C"`` or ``"only in A"``."""

    passage: TextSpan
    counterparts: tuple[Counterpart, ...]
    status: str

    @property
    def shared_with(self) -> list[str]:
        return [c.passage.doc_id for c in self.counterparts if c.shared]

    def counterpart_in(self, doc_id: str) -> Counterpart | None:
        return next((c for c in self.counterparts if c.passage.doc_id == doc_id), None)

    def to_json(self) -> dict:
        return {**self.passage.to_json(), "status": self.status, "shared_with": self.shared_with,
                "counterparts": [c.to_json() for c in self.counterparts]}

    @classmethod
    def from_json(cls, d: dict) -> AlignedParagraph:
        return cls(TextSpan.from_json(d), tuple(Counterpart.from_json(c) for c in d["counterparts"]), d["status"])


@dataclass(frozen=True)
class Alignment:
    paragraphs: tuple[AlignedParagraph, ...]
    bars: tuple[Bar, ...]
    #: "docX|docY" -> cosine matrix (paragraphs of X as rows, of Y as columns), for plots
    matrices: dict = field(default_factory=dict)

    def rows_for(self, doc_id: str) -> list[AlignedParagraph]:
        return [p for p in self.paragraphs if p.passage.doc_id == doc_id]

    def bar(self, a: str, b: str) -> Bar:
        return next(x for x in self.bars if {x.doc_id, x.other} == {a, b})

    def matrix(self, a: str, b: str):
        if f"{a}|{b}" in self.matrices:
            return np.array(self.matrices[f"{a}|{b}"], dtype=float)
        return np.array(self.matrices[f"{b}|{a}"], dtype=float).T

    def shared_pairs(self, a: str, b: str) -> list[tuple[AlignedParagraph, Counterpart]]:
        """Shared pairs between two documents, each once, in reading order of ``a``."""
        seen, out = set(), []
        for row in self.rows_for(a) + self.rows_for(b):
            other = b if row.passage.doc_id == a else a
            c = row.counterpart_in(other)
            if c is None or not c.shared:
                continue
            pa, pb = (row.passage, c.passage) if row.passage.doc_id == a else (c.passage, row.passage)
            if (pa.paragraph, pb.paragraph) in seen:
                continue
            seen.add((pa.paragraph, pb.paragraph))
            out.append((row, c))
        return out

    def to_json(self) -> dict:
        return {"bars": [b.to_json() for b in self.bars], "paragraphs": [p.to_json() for p in self.paragraphs],
                "matrices": self.matrices}

    @classmethod
    def from_json(cls, d: dict) -> Alignment:
        return cls(tuple(AlignedParagraph.from_json(p) for p in d["paragraphs"]),
                   tuple(Bar.from_json(b) for b in d["bars"]), d.get("matrices", {}))


def calibrate(vx, vy, vecs_by_doc: dict) -> tuple[float, float]:
    """(low, high) reference levels for the shared-coverage bar between two documents.

    Cosines of sentence-embedding vectors are not probabilities, and two articles on one story
    are all somewhat alike (here the median cross-document pair scores about 0.29 and no pair
    reaches 0.75), so a fixed cut-off picked by eye would not carry to other documents or
    models. The bar is set from two levels measured on the documents themselves:

    - ``low``: the median cosine over all pairs (x in X, y in Y): what two paragraphs of the
      two documents score when picked at random, i.e. "same story, not the same point";
    - ``high``: the median, over every paragraph of X and of Y, of its cosine to its nearest
      other paragraph in its own document: what "the same point, told twice" scores for
      this model and this kind of writing (an article's closest paragraphs continue one
      subject).

    A paragraph's best counterpart is *shared coverage* when its cosine is at least
    ``bar = (low + high) / 2``, i.e. its relative score ``(s - low) / (high - low)`` is at
    least 0.5: it is nearer to the "same point" level than to the "random pair" level. The bar
    moves with the model's similarity scale and with how alike the documents are overall;
    for unrelated documents ``low`` falls and the bar with it, yet a counterpart still has to
    come halfway to the nearest-neighbour level. When neither document has two paragraphs,
    ``high`` is the same median over the whole corpus (1.0 if no document has two).
    """
    sim = vx @ vy.T
    low = float(np.median(sim)) if sim.size else 0.0

    def nn(v):
        if len(v) < 2:
            return []
        w = v @ v.T
        np.fill_diagonal(w, -np.inf)
        return list(w.max(axis=1))

    near = nn(vx) + nn(vy)
    if not near:
        near = [x for v in vecs_by_doc.values() for x in nn(v)]
    high = float(np.median(near)) if near else 1.0
    high = max(high, low + 1e-6)
    return low, high


def _status(counterparts: list[Counterpart], own: str, labels: dict[str, str]) -> str:
    """"shared with all", "shared with B", "partly shared with B", "shared with B; partly shared
    with C" or "only in A"."""
    full = [labels[c.passage.doc_id] for c in counterparts if c.status == "shared"]
    part = [labels[c.passage.doc_id] for c in counterparts if c.status == "partly shared"]
    if len(counterparts) > 1 and len(full) == len(counterparts):
        return "shared with all"
    parts = ([f"shared with {', '.join(full)}"] if full else []) + \
            ([f"partly shared with {', '.join(part)}"] if part else [])
    return "; ".join(parts) if parts else f"only in {labels[own]}"


def _paragraph_status(pairs: list[SentencePair]) -> str:
    """From the paragraph's claims (all its sentences if none is long enough to be one)."""
    claims = [p for p in pairs if p.claim] or pairs
    n = sum(p.shared for p in claims)
    return "only" if n == 0 else "shared" if n == len(claims) else "partly shared"


def align(table: PassageTable, labels: dict[str, str], min_evidence: float = MIN_EVIDENCE,
          claim_model=None) -> Alignment:
    """Every body paragraph with its best counterpart in each other document, judged claim by
    claim from its sentences (``qa.analysis.claims``; by ``claim_model`` where given, see
    ``qa.models.claims``); the paragraph cosines stay for plots."""
    docs = table.documents
    rows = {d.doc_id: np.array([i for i, p in enumerate(table.passages) if p.doc_id == d.doc_id], dtype=int)
            for d in docs}
    vecs = {d: table.passage_vecs[r] for d, r in rows.items()}
    vocabulary = Vocabulary.of(table)
    units = {d.doc_id: units_of(table, d.doc_id, vocabulary) for d in docs}
    terms = {d: term_matrix(u[0], vocabulary) for d, u in units.items()}
    bars: dict[tuple[str, str], Bar] = {}
    matrices = {}
    for i, x in enumerate(docs):
        for y in docs[i + 1:]:
            low, high = calibrate(vecs[x.doc_id], vecs[y.doc_id], vecs)
            bar = Bar(x.doc_id, y.doc_id, low, high, (low + high) / 2)
            bars[(x.doc_id, y.doc_id)] = bars[(y.doc_id, x.doc_id)] = bar
            matrices[f"{x.doc_id}|{y.doc_id}"] = np.round(vecs[x.doc_id] @ vecs[y.doc_id].T, 4).tolist()

    def span(row: int) -> TextSpan:
        p = table.passages[row]
        return TextSpan(p.doc_id, p.paragraph, p.start, p.end, p.text)

    # pairs[x][y][row of x's paragraph] = that paragraph's sentence pairs with y
    pairs: dict[str, dict[str, dict[int, list[SentencePair]]]] = {d.doc_id: {} for d in docs}
    for x in docs:
        ux, vx, rx = units[x.doc_id]
        for y in docs:
            if y.doc_id == x.doc_id:
                continue
            uy, vy, _ = units[y.doc_id]
            by_row: dict[int, list[SentencePair]] = {}
            found = sentence_pairs(ux, vx, uy, vy, vocabulary, min_evidence, (terms[x.doc_id], terms[y.doc_id]),
                                   claim_model)
            for row, pair in zip(rx, found):
                by_row.setdefault(row, []).append(pair)
            pairs[x.doc_id][y.doc_id] = by_row

    out = []
    for x in docs:
        for k, row in enumerate(rows[x.doc_id]):
            cps = []
            for y in docs:
                if y.doc_id == x.doc_id or len(rows[y.doc_id]) == 0:
                    continue
                sims = vecs[y.doc_id] @ vecs[x.doc_id][k]
                mine = pairs[x.doc_id][y.doc_id].get(int(row), [])
                shared = [p for p in mine if p.shared]
                if shared:  # the paragraph that holds the strongest same-claim sentence
                    best = max(shared, key=lambda p: (p.same_claim or 0.0, p.evidence))
                    j = next(n for n, r in enumerate(rows[y.doc_id]) if table.passages[int(r)].paragraph
                             == best.other.paragraph)
                else:
                    j = int(np.argmax(sims))
                back = vecs[x.doc_id] @ vecs[y.doc_id][j]
                bar = bars[(x.doc_id, y.doc_id)]
                score = float(sims[j])
                status = _paragraph_status(mine)
                cps.append(Counterpart(span(int(rows[y.doc_id][j])), score, bar.relative(score), status != "only",
                                       int(np.argmax(back)) == k, status, tuple(mine)))
            out.append(AlignedParagraph(span(int(row)), tuple(cps), _status(cps, x.doc_id, labels)))
    unique = {tuple(sorted((b.doc_id, b.other))): b for b in bars.values()}
    return Alignment(tuple(out), tuple(unique[k] for k in sorted(unique)), matrices)
