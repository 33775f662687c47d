"""Corpus overview: paragraph alignment, topic map and quoted-sources ledger, cached with the index.

Library use::

    from qa import Engine
    ov = Engine.open().overview()        # cached beside the live index version
    ov.alignment.rows_for(doc_id)        # every paragraph with its best counterpart per other document
    ov.topics.topics, ov.ledger.sources

Everything shown is a verbatim span of a document, a number or a fixed label. Renderings (text,
Markdown, HTML, CSV, plots) live in ``qa.present``.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

from ..index.manifest import Manifest
from ..index.store import IndexVersion, read_extra, write_extra
from ..index.table import PassageTable
from ..types import TextSpan, doc_labels
from . import names
from .alignment import Alignment, align
from .claims import SentencePair
from .ledger import Ledger, build_ledger
from .topics import TopicMap, build_topic_map

log = logging.getLogger(__name__)

#: Bump when the overview's content or JSON shape changes: cached overviews are then recomputed.
OVERVIEW_VERSION = 5
CACHE_NAME = "overview"


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
    def from_json(cls, d: dict) -> Overview:
        return cls(tuple(DocInfo(**x) for x in d["documents"]), Alignment.from_json(d["alignment"]),
                   TopicMap.from_json(d["topics"]), Ledger.from_json(d["ledger"]), float(d.get("seconds", 0.0)))


def compute_overview(table: PassageTable, n_topics: int | None = None, claim_model=None) -> Overview:
    """Alignment, topics and ledger of an indexed corpus; sentences judged the same claim by
    ``claim_model`` where given (``qa.models.claims``), else by the evidence bars."""
    t0 = time.perf_counter()
    docs = table.documents
    labels = doc_labels([d.doc_id for d in docs])
    infos = tuple(DocInfo(d.doc_id, labels[d.doc_id], d.title, d.source, len(d.passages)) for d in docs)
    alignment = align(table, labels, claim_model=claim_model)
    with names.parse_once():  # the topics' key phrases and the ledger read the same paragraphs
        topics = build_topic_map(table, n_topics, labels)
        ledger = build_ledger(docs)
    return Overview(infos, alignment, topics, ledger, time.perf_counter() - t0)


def cache_key(manifest: Manifest, n_topics: int | None, claim_model=None) -> dict:
    """What the cached overview depends on: the documents' content hashes, the models, the settings."""
    return {"overview_version": OVERVIEW_VERSION, "ingest_version": manifest.ingest_version,
            "model": asdict(manifest.model), "documents": manifest.document_hashes(),
            "n_topics": n_topics if n_topics is not None else "auto",
            "claim_model": None if claim_model is None else claim_model.sha256}


def get_overview(version: IndexVersion, n_topics: int | None = None, refresh: bool = False,
                 claim_model=None) -> Overview:
    """The overview of an index version's corpus: stored beside the version (``store.write_extra``)
    and served from there while its key (document hashes, model, settings) matches.

    The index writes a new version folder whenever a document changes, and the key names
    every document's sha256, so a stale overview is never served.
    """
    key = cache_key(version.manifest, n_topics, claim_model)
    if version.folder is not None and not refresh:
        cached = read_extra(version.folder, CACHE_NAME)
        try:
            if cached is not None and cached.get("key") == key:
                return Overview.from_json(cached["overview"])
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("cached overview in %s unreadable, recomputing: %s", version.folder, exc)
    ov = compute_overview(version.table, n_topics, claim_model)
    if version.folder is not None:
        payload = {"key": key, "overview": {**ov.to_json(matrices=True), "seconds": round(ov.seconds, 4)}}
        write_extra(version.folder, CACHE_NAME, payload)
    return ov


@dataclass(frozen=True)
class PairRow:
    """One row of a side-by-side table of two documents: a paragraph and its best match in the
    other document. ``status`` is "shared", "partly shared", "only in A" or "only in B";
    ``direction`` "a->b" for a paragraph of the left document, "b->a" for one of the right;
    ``sentences`` the shared sentence pairs that back a shared verdict (the row's own paragraph's
    sentence first in each pair)."""

    a: TextSpan | None
    b: TextSpan | None
    score: float | None
    relative: float | None
    status: str
    direction: str
    sentences: tuple[SentencePair, ...] = ()


def side_by_side(ov: Overview, a: str, b: str) -> list[PairRow]:
    """Rows for a side-by-side table of two documents (the app's Compare tab).

    First every paragraph of ``a`` in reading order with its best counterpart in ``b``, then the
    paragraphs of ``b`` that are not already shown as some ``a`` paragraph's counterpart. The spans
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
        rows.append(PairRow(r.passage, c.passage, c.score, c.relative,
                            c.status if c.shared else f"only in {la}", "a->b", tuple(c.shared_sentences)))
    for r in ov.alignment.rows_for(b):
        c = r.counterpart_in(a)
        if c is None or r.passage.paragraph in shown_b:
            continue
        rows.append(PairRow(c.passage, r.passage, c.score, c.relative,
                            c.status if c.shared else f"only in {lb}", "b->a", tuple(c.shared_sentences)))
    return rows
