"""Coverage comparison: per document, does it cover a topic, and with which passages."""
from __future__ import annotations

from . import evidence
from .search import check_question
from .types import Comparison, DocCoverage


def compare(engine, topic: str, doc_ids: list[str] | None = None, per_doc: int = 3) -> Comparison:
    """Search each document on its own for the topic and apply the evidence test per document."""
    topic = check_question(topic)
    searcher = engine.searcher
    ids = doc_ids or list(searcher.documents)
    qvec = engine.embedder.encode([topic])[0]
    out = []
    for doc_id in ids:
        doc = engine.document(doc_id)
        scored, tokens = searcher.rank(topic, qvec, [doc_id])
        top = scored[:per_doc]
        verdict = evidence.judge_topic(topic, tokens, top, searcher, doc_id) if top else evidence.Verdict(False, 0.0)
        hits = tuple(searcher.hit(s, i + 1) for i, s in enumerate(top))
        out.append(DocCoverage(doc_id, doc.title, verdict.answered, verdict.confidence, hits))
    return Comparison(topic, tuple(out))
