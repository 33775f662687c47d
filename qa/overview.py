"""Corpus overview: paragraph alignment, topic map and quoted-sources ledger, cached with the index.

``python -m qa overview [--json] [--markdown FILE] [--csv DIR] [--plot FILE]`` prints or writes it.
Library use::

    from qa.overview import get_overview
    ov = get_overview(engine)            # cached in the live index version folder
    ov.alignment.rows_for(doc_id)        # every paragraph with its best counterpart per other document
    ov.topics.topics, ov.ledger.sources

Everything shown is a verbatim span of a document, a number or a fixed label.

Only light imports at module level: the CLI imports this module to register its subcommand.
"""
from __future__ import annotations

import csv
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .ledger import Ledger
from .topics import Span, TopicMap, doc_labels

log = logging.getLogger(__name__)

#: Bump when the overview's content or JSON shape changes: cached overviews are then recomputed.
OVERVIEW_VERSION = 1
CACHE_FILE = "overview.json"
# -- alignment -------------------------------------------------------------------------------------
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
    def from_json(cls, d: dict) -> "Bar":
        return cls(d["doc_id"], d["other"], float(d["low"]), float(d["high"]), float(d["bar"]))


@dataclass(frozen=True)
class Counterpart:
    """A paragraph's best counterpart in one other document."""

    passage: Span
    score: float  # cosine of the two passage vectors
    relative: float  # see Bar.relative; shared when >= 0.5
    shared: bool
    mutual: bool  # each is the other's best counterpart

    def to_json(self) -> dict:
        return {**self.passage.to_json(), "score": round(self.score, 4), "relative": round(self.relative, 4),
                "shared": self.shared, "mutual": self.mutual}

    @classmethod
    def from_json(cls, d: dict) -> "Counterpart":
        return cls(Span.from_json(d), float(d["score"]), float(d["relative"]), bool(d["shared"]), bool(d["mutual"]))


@dataclass(frozen=True)
class AlignedParagraph:
    """A body paragraph, its best counterpart in each other document, and a fixed status label:
    ``"shared with all"``, ``"shared with B, C"`` or ``"only in A"``."""

    passage: Span
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
    def from_json(cls, d: dict) -> "AlignedParagraph":
        return cls(Span.from_json(d), tuple(Counterpart.from_json(c) for c in d["counterparts"]), d["status"])


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
        import numpy as np

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
    def from_json(cls, d: dict) -> "Alignment":
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
    import numpy as np

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


def align(searcher, labels: dict[str, str]) -> Alignment:
    """Every body paragraph with its best counterpart in each other document (see :func:`calibrate`)."""
    import numpy as np

    docs = list(searcher.documents.values())
    rows = {d.doc_id: np.array([i for i, p in enumerate(searcher.passages) if p.doc_id == d.doc_id], dtype=int)
            for d in docs}
    vecs = {d: searcher.pvecs[r] for d, r in rows.items()}
    bars: dict[tuple[str, str], Bar] = {}
    matrices = {}
    for i, x in enumerate(docs):
        for y in docs[i + 1:]:
            low, high = calibrate(vecs[x.doc_id], vecs[y.doc_id], vecs)
            bar = Bar(x.doc_id, y.doc_id, low, high, (low + high) / 2)
            bars[(x.doc_id, y.doc_id)] = bars[(y.doc_id, x.doc_id)] = bar
            matrices[f"{x.doc_id}|{y.doc_id}"] = np.round(vecs[x.doc_id] @ vecs[y.doc_id].T, 4).tolist()

    def span(row: int) -> Span:
        p = searcher.passages[row]
        return Span(p.doc_id, p.paragraph, p.start, p.end, p.text)

    out = []
    for x in docs:
        for k, row in enumerate(rows[x.doc_id]):
            cps = []
            for y in docs:
                if y.doc_id == x.doc_id or len(rows[y.doc_id]) == 0:
                    continue
                sims = vecs[y.doc_id] @ vecs[x.doc_id][k]
                j = int(np.argmax(sims))
                back = vecs[x.doc_id] @ vecs[y.doc_id][j]
                bar = bars[(x.doc_id, y.doc_id)]
                score = float(sims[j])
                cps.append(Counterpart(span(int(rows[y.doc_id][j])), score, bar.relative(score),
                                       score >= bar.bar, int(np.argmax(back)) == k))
            shared = [c.passage.doc_id for c in cps if c.shared]
            if cps and len(shared) == len(cps):
                status = "shared with all" if len(cps) > 1 else f"shared with {labels[shared[0]]}"
            elif shared:
                status = "shared with " + ", ".join(labels[d] for d in shared)
            else:
                status = f"only in {labels[x.doc_id]}"
            out.append(AlignedParagraph(span(int(row)), tuple(cps), status))
    unique = {tuple(sorted((b.doc_id, b.other))): b for b in bars.values()}
    return Alignment(tuple(out), tuple(unique[k] for k in sorted(unique)), matrices)


# -- the overview ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DocInfo:
    doc_id: str
    label: str
    title: str
    source: str
    paragraphs: int

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "label": self.label, "title": self.title, "source": self.source,
                "paragraphs": self.paragraphs}


@dataclass(frozen=True)
class Overview:
    documents: tuple[DocInfo, ...]
    alignment: Alignment
    topics: TopicMap
    ledger: Ledger
    seconds: float = 0.0  # time it took to compute (not to load from the cache)

    def label(self, doc_id: str) -> str:
        return next(d.label for d in self.documents if d.doc_id == doc_id)

    def doc(self, doc_id: str) -> DocInfo:
        return next(d for d in self.documents if d.doc_id == doc_id)

    def to_json(self, matrices: bool = False) -> dict:
        al = self.alignment.to_json()
        if not matrices:
            al.pop("matrices", None)
        return {"documents": [d.to_json() for d in self.documents], "alignment": al,
                "topics": self.topics.to_json(), "ledger": self.ledger.to_json()}

    @classmethod
    def from_json(cls, d: dict) -> "Overview":
        return cls(tuple(DocInfo(**x) for x in d["documents"]), Alignment.from_json(d["alignment"]),
                   TopicMap.from_json(d["topics"]), Ledger.from_json(d["ledger"]), float(d.get("seconds", 0.0)))


def compute_overview(searcher, n_topics: int | None = None) -> Overview:
    """Alignment, topics and ledger of the searcher's corpus (no model call)."""
    from .ledger import build_ledger
    from .topics import build_topic_map

    t0 = time.perf_counter()
    docs = list(searcher.documents.values())
    labels = doc_labels([d.doc_id for d in docs])
    infos = tuple(DocInfo(d.doc_id, labels[d.doc_id], d.title, d.source, len(d.passages)) for d in docs)
    alignment = align(searcher, labels)
    topics = build_topic_map(searcher, n_topics, labels)
    ledger = build_ledger(docs)
    return Overview(infos, alignment, topics, ledger, time.perf_counter() - t0)


def cache_key(manifest: dict, n_topics: int | None) -> dict:
    """What the cached overview depends on: the documents' content hashes, the model, the settings."""
    return {"overview_version": OVERVIEW_VERSION, "ingest_version": manifest.get("ingest_version"),
            "model": manifest.get("model", {}),
            "documents": [[d["doc_id"], d["sha256"]] for d in manifest.get("documents", [])],
            "n_topics": n_topics if n_topics is not None else "auto"}


def get_overview(engine, n_topics: int | None = None, refresh: bool = False) -> Overview:
    """The overview of the engine's corpus, from ``overview.json`` in the live index version
    folder when its key (document hashes, model, settings) matches, else computed and stored.

    The index writes a new version folder whenever a document changes, and the key names
    every document's sha256, so a stale overview is never served.
    """
    from . import store

    key = cache_key(engine.manifest, n_topics)
    folder = None
    try:
        folder = store.live_version(engine.settings.index_dir)
    except Exception as exc:  # no usable index folder: compute without caching
        log.warning("overview not cached: %s", exc)
    path = folder / CACHE_FILE if folder else None
    if path is not None and not refresh and path.exists():
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if cached.get("key") == key:
                return Overview.from_json(cached["overview"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s unreadable, recomputing: %s", path, exc)
    ov = compute_overview(engine.searcher, n_topics)
    if path is not None:
        try:
            live = store.read_manifest(folder)
            if [[d["doc_id"], d["sha256"]] for d in live.get("documents", [])] == key["documents"]:
                tmp = path.with_name(f".{CACHE_FILE}.{os.getpid()}.tmp")
                payload = {"key": key, "overview": {**ov.to_json(matrices=True), "seconds": round(ov.seconds, 4)}}
                tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
                os.replace(tmp, path)
        except Exception as exc:  # a read-only or replaced index folder: serve it uncached
            log.warning("could not cache the overview in %s: %s", folder, exc)
    return ov


def side_by_side(ov: Overview, a: str, b: str) -> list[dict]:
    """Rows for a side-by-side table of two documents (the app's Compare tab).

    First every paragraph of ``a`` in reading order with its best counterpart in ``b``, then the
    paragraphs of ``b`` that are not already shown as some ``a`` paragraph's counterpart. Each row:
    ``{"a": Span | None, "b": Span | None, "score": float | None, "relative": float | None,
    "status": "shared" | "only in A" | "only in B", "direction": "a->b" | "b->a"}``; the spans
    carry doc_id, paragraph, start, end and the verbatim text, for links into the reader.
    """
    la, lb = ov.label(a), ov.label(b)
    rows, shown_b = [], set()
    for r in ov.alignment.rows_for(a):
        c = r.counterpart_in(b)
        if c is None:
            continue
        if c.shared:
            shown_b.add(c.passage.paragraph)
        rows.append({"a": r.passage, "b": c.passage, "score": c.score, "relative": c.relative,
                     "status": "shared" if c.shared else f"only in {la}", "direction": "a->b"})
    for r in ov.alignment.rows_for(b):
        c = r.counterpart_in(a)
        if c is None or r.passage.paragraph in shown_b:
            continue
        rows.append({"a": c.passage, "b": r.passage, "score": c.score, "relative": c.relative,
                     "status": "shared" if c.shared else f"only in {lb}", "direction": "b->a"})
    return rows


# -- exports ---------------------------------------------------------------------------------------
def _md(text: str) -> str:
    from .render import md_escape

    return md_escape(" ".join(text.split()))


def to_markdown(ov: Overview) -> str:
    """The overview as Markdown: documents, topics, alignment per document pair, ledger."""
    lines = ["# Corpus overview", "", "| label | document | source | paragraphs |", "|---|---|---|---|"]
    for d in ov.documents:
        lines.append(f"| {d.label} | {_md(d.title)} | {_md(d.source)} | {d.paragraphs} |")
    labels = {d.doc_id: d.label for d in ov.documents}
    lines += ["", "## Topics", "", "Share = part of the document's body text in the topic's paragraphs; "
              "lead = the topic starts in the document's first paragraphs.", ""]
    head = "| topic | words | coverage | " + " | ".join(d.label for d in ov.documents) + " | representative sentence |"
    lines += [head, "|" + "---|" * (4 + len(ov.documents))]
    for t in ov.topics.topics:
        cells = []
        for d in ov.documents:
            x = t.in_doc(d.doc_id)
            cells.append("–" if not x.paragraphs else
                         f"{x.share:.0%} ({x.position}; ¶ {', '.join(map(str, x.paragraphs))})")
        s = t.sentence
        lines.append(f"| T{t.topic_id} | {_md(', '.join(t.words))} | {t.coverage} | " + " | ".join(cells)
                     + f" | {_md(s.text)} ({labels[s.doc_id]} ¶{s.paragraph}, chars {s.start}–{s.end}) |")
    lines += ["", "## Paragraph alignment", ""]
    for bar in ov.alignment.bars:
        a, b = labels[bar.doc_id], labels[bar.other]
        lines += [f"### {a} and {b}", "",
                  f"Shared coverage bar: cosine ≥ {bar.bar:.3f} (midway between {bar.low:.3f}, a random "
                  f"{a}–{b} paragraph pair, and {bar.high:.3f}, a paragraph and its nearest neighbour "
                  "in its own document).", "",
                  f"| {a} ¶ | {a} passage | status | {b} ¶ | best counterpart in {b} | score | relative |",
                  "|---|---|---|---|---|---|---|"]
        for row in ov.alignment.rows_for(bar.doc_id) + ov.alignment.rows_for(bar.other):
            other = bar.other if row.passage.doc_id == bar.doc_id else bar.doc_id
            c = row.counterpart_in(other)
            if c is None:
                continue
            p = row.passage
            lines.append(f"| {labels[p.doc_id]} {p.paragraph} | {_md(p.text)} ({p.start}–{p.end}) | "
                         f"{'shared' if c.shared else 'only in ' + labels[p.doc_id]} | "
                         f"{labels[other]} {c.passage.paragraph} | {_md(c.passage.text)} "
                         f"({c.passage.start}–{c.passage.end}) | {c.score:.3f} | {c.relative:.2f} |")
        lines.append("")
    lines += ["## Quoted and cited sources", ""]
    for d in ov.documents:
        lines += [f"### {d.label}: {_md(d.title)}", "", "| source | kind | ¶ | cue | passage (verbatim) |",
                  "|---|---|---|---|---|"]
        for s in ov.ledger.of(d.doc_id):
            for m in s.mentions:
                quoted = m.quotes[0] if m.quotes else m.sentence
                lines.append(f"| {_md(s.name)} | {s.kind} | {m.paragraph} | {_md(m.cue)} | "
                             f"{_md(quoted.text)} ({quoted.start}–{quoted.end}) |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


ALIGNMENT_COLUMNS = ["doc_id", "label", "paragraph", "start", "end", "text", "other_doc_id", "other_label",
                     "other_paragraph", "other_start", "other_end", "other_text", "score", "relative", "bar",
                     "shared", "mutual", "status"]
TOPIC_COLUMNS = ["topic", "words", "coverage", "doc_id", "label", "paragraph", "start", "end", "text",
                 "share", "position", "representative_doc_id", "representative_start", "representative_end",
                 "representative_sentence"]
LEDGER_COLUMNS = ["doc_id", "label", "source", "kind", "paragraph", "via", "cue", "name_start", "name_end",
                  "name_text", "sentence_start", "sentence_end", "sentence", "quote_start", "quote_end", "quote"]


def csv_tables(ov: Overview, searcher=None) -> dict[str, list[dict]]:
    """Rows of the three CSV tables: alignment (one row per paragraph and other document),
    topics (one row per paragraph), ledger (one row per quotation, or per mention without one)."""
    labels = {d.doc_id: d.label for d in ov.documents}
    al = []
    for row in ov.alignment.paragraphs:
        p = row.passage
        for c in row.counterparts:
            q = c.passage
            al.append({"doc_id": p.doc_id, "label": labels[p.doc_id], "paragraph": p.paragraph, "start": p.start,
                       "end": p.end, "text": p.text, "other_doc_id": q.doc_id, "other_label": labels[q.doc_id],
                       "other_paragraph": q.paragraph, "other_start": q.start, "other_end": q.end,
                       "other_text": q.text, "score": round(c.score, 4), "relative": round(c.relative, 4),
                       "bar": round(ov.alignment.bar(p.doc_id, q.doc_id).bar, 4), "shared": c.shared,
                       "mutual": c.mutual, "status": row.status})
    spans = {(r.passage.doc_id, r.passage.paragraph): r.passage for r in ov.alignment.paragraphs}
    tp = []
    for t in ov.topics.topics:
        s = t.sentence
        for x in t.documents:
            for par in x.paragraphs:
                p = spans[(x.doc_id, par)]
                tp.append({"topic": t.topic_id, "words": " ".join(t.words), "coverage": t.coverage,
                           "doc_id": x.doc_id, "label": labels[x.doc_id], "paragraph": par, "start": p.start,
                           "end": p.end, "text": p.text, "share": round(x.share, 4), "position": x.position,
                           "representative_doc_id": s.doc_id, "representative_start": s.start,
                           "representative_end": s.end, "representative_sentence": s.text})
    lg = []
    for src in ov.ledger.sources:
        for m in src.mentions:
            base = {"doc_id": src.doc_id, "label": labels[src.doc_id], "source": src.name, "kind": src.kind,
                    "paragraph": m.paragraph, "via": m.via, "cue": m.cue, "name_start": m.name.start,
                    "name_end": m.name.end, "name_text": m.name.text, "sentence_start": m.sentence.start,
                    "sentence_end": m.sentence.end, "sentence": m.sentence.text}
            for q in m.quotes or [None]:
                lg.append({**base, "quote_start": q.start if q else "", "quote_end": q.end if q else "",
                           "quote": q.text if q else ""})
    return {"alignment": al, "topics": tp, "ledger": lg}


def write_csv(ov: Overview, folder: Path) -> list[Path]:
    """alignment.csv, topics.csv and ledger.csv in ``folder`` (UTF-8, RFC 4180 quoting)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = csv_tables(ov)
    columns = {"alignment": ALIGNMENT_COLUMNS, "topics": TOPIC_COLUMNS, "ledger": LEDGER_COLUMNS}
    out = []
    for name, rows in tables.items():
        path = folder / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns[name])
            w.writeheader()
            w.writerows(rows)
        out.append(path)
    return out


def summary_text(ov: Overview) -> str:
    """A short plain-text summary for the terminal: fixed labels, numbers and verbatim words."""
    labels = {d.doc_id: d.label for d in ov.documents}
    lines = [f"{d.label}  {d.paragraphs:>3} paragraphs  {d.title}" for d in ov.documents]
    lines.append("")
    for bar in ov.alignment.bars:
        a, b = labels[bar.doc_id], labels[bar.other]
        rows_a = [r for r in ov.alignment.rows_for(bar.doc_id) if r.counterpart_in(bar.other)]
        rows_b = [r for r in ov.alignment.rows_for(bar.other) if r.counterpart_in(bar.doc_id)]
        na = sum(r.counterpart_in(bar.other).shared for r in rows_a)
        nb = sum(r.counterpart_in(bar.doc_id).shared for r in rows_b)
        lines.append(f"alignment {a}–{b} (bar {bar.bar:.3f}): {a} {na}/{len(rows_a)} paragraphs shared, "
                     f"{b} {nb}/{len(rows_b)} shared")
    lines += ["", f"{len(ov.topics.topics)} topics:"]
    for t in ov.topics.topics:
        shares = "  ".join(f"{labels[x.doc_id]} {x.share:4.0%} {x.position:<6}" for x in t.documents)
        lines.append(f"  T{t.topic_id:<2} {t.coverage:<14} {shares}  {', '.join(t.words)}")
    lines += ["", "sources:"]
    for d in ov.documents:
        srcs = ov.ledger.of(d.doc_id)
        lines.append(f"  {d.label}: {len(srcs)} sources")
        for s in srcs:
            lines.append(f"     {s.kind:<11} ¶ {','.join(map(str, s.paragraphs)):<14} {s.name}")
    return "\n".join(lines) + "\n"


# -- command line ----------------------------------------------------------------------------------
def add_parser(subparsers) -> None:
    p = subparsers.add_parser("overview", help="paragraph alignment, topic map and quoted sources of the corpus")
    p.add_argument("--json", action="store_true", help="print the whole overview as JSON")
    p.add_argument("--markdown", metavar="FILE", help="write the overview as Markdown (- for stdout)")
    p.add_argument("--csv", metavar="DIR", help="write alignment.csv, topics.csv and ledger.csv into DIR")
    p.add_argument("--plot", metavar="FILE", help="write a PNG: topic heatmap, alignment matrix, prominence strips")
    p.add_argument("--plot-dir", metavar="DIR", help="write each plot as its own PNG into DIR")
    p.add_argument("--pair", nargs=2, metavar=("DOC_A", "DOC_B"),
                   help="the two documents of the alignment matrix (ids or labels; default the first two)")
    p.add_argument("--topics", type=int, metavar="K", help="number of topics (default round(1.25*sqrt(paragraphs)))")
    p.add_argument("--refresh", action="store_true", help="recompute even if a cached overview matches")
    p.set_defaults(func=cmd_overview)


def _pair(ov: Overview, pair) -> tuple[str, str] | None:
    from .errors import BadInput

    if len(ov.documents) < 2:
        return None
    if not pair:
        return ov.documents[0].doc_id, ov.documents[1].doc_id
    ids = []
    for x in pair:
        hit = next((d.doc_id for d in ov.documents if x in (d.doc_id, d.label)), None)
        if hit is None:
            raise BadInput(f"unknown document {x!r}; use an id or a label: "
                           + ", ".join(f"{d.label}={d.doc_id}" for d in ov.documents))
        ids.append(hit)
    if ids[0] == ids[1]:
        raise BadInput("--pair needs two different documents")
    return ids[0], ids[1]


def cmd_overview(args) -> int:
    from .cli import _open
    from .errors import BadInput

    if args.topics is not None and args.topics < 1:
        raise BadInput(f"--topics must be at least 1, got {args.topics}")
    engine = _open(args)
    ov = get_overview(engine, args.topics, args.refresh)
    pair = _pair(ov, args.pair)
    if args.plot or args.plot_dir:
        from . import plots

        if args.plot:
            plots.save(plots.overview_figure(ov, pair), Path(args.plot))
            print(f"wrote {args.plot}", file=sys.stderr)
        if args.plot_dir:
            for path in plots.save_all(ov, Path(args.plot_dir), pair):
                print(f"wrote {path}", file=sys.stderr)
    if args.csv:
        for path in write_csv(ov, Path(args.csv)):
            print(f"wrote {path}", file=sys.stderr)
    if args.markdown:
        md = to_markdown(ov)
        if args.markdown == "-":
            sys.stdout.write(md)
        else:
            Path(args.markdown).write_text(md, encoding="utf-8")
            print(f"wrote {args.markdown}", file=sys.stderr)
    if args.json:
        sys.stdout.write(json.dumps(ov.to_json(), ensure_ascii=False) + "\n")
    elif not (args.markdown == "-"):
        if not (args.plot or args.plot_dir or args.csv or args.markdown):
            sys.stdout.write(summary_text(ov))
    return 0
