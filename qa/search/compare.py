"""Coverage comparison: per document, does it cover a topic, and with which passages."""
from __future__ import annotations

from ..config import PASSAGES_PER_DOCUMENT
from ..types import Comparison, DocCoverage, doc_labels
from . import evidence
from .retrieve import Searcher, check_doc_ids, check_question


def compare(searcher: Searcher, topic: str, doc_ids: list[str] | None = None,
            per_doc: int = PASSAGES_PER_DOCUMENT) -> Comparison:
    """Search each document on its own for the topic and apply the evidence test per document."""
    topic = check_question(topic, "topic")
    ids = check_doc_ids(doc_ids, searcher.table) or list(searcher.table.by_id)
    qvec = searcher.encode(topic)
    labels = doc_labels(list(searcher.table.by_id))  # a document's label is its place in the corpus
    out = []
    for doc_id in ids:
        doc = searcher.table.document(doc_id)
        scored, tokens = searcher.rank(topic, qvec, [doc_id])
        top = scored[:per_doc]
        verdict = evidence.Verdict(False, 0.0)
        if top:
            verdict = evidence.judge_topic(topic, tokens, top[0].similarity, searcher.passage(top[0].row).text,
                                           searcher.lexical, searcher.table.terms_of(doc_id))
        hits = tuple(searcher.hit(s, i + 1) for i, s in enumerate(top))
        out.append(DocCoverage(doc_id, doc.title, verdict.answered, verdict.confidence, hits, labels[doc_id]))
    return Comparison(topic, tuple(out))
