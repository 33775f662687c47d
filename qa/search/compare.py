"""Coverage comparison: per document, does it cover a topic, and with which passages.

A topic worded as a question ("Did Putin meet Lukashenko?") is covered by a document only where
the reader judges one of its passages to answer it (the verdict of ``Searcher.ask``, asked of that
document alone): a passage on the subject that does not answer is not coverage. A topic worded as
a subject ("partial mobilisation") asks nothing a passage could answer: the reader, trained on
questions, scores such phrases low whoever covers them, so a subject is judged by the evidence test
(the best passage's similarity and the topic's terms found in the document).
"""
from __future__ import annotations

from ..config import PASSAGES_PER_DOCUMENT
from ..text import is_question
from ..types import Comparison, DocCoverage, doc_labels
from . import evidence
from .retrieve import Searcher, check_doc_ids, check_question


def compare(searcher: Searcher, topic: str, doc_ids: list[str] | None = None,
            per_doc: int = PASSAGES_PER_DOCUMENT) -> Comparison:
    """Search each document on its own for the topic and judge it per document."""
    topic = check_question(topic, "topic")
    ids = check_doc_ids(doc_ids, searcher.table) or list(searcher.table.by_id)
    labels = doc_labels(list(searcher.table.by_id))  # a document's label is its place in the corpus
    if searcher.reader is not None and is_question(topic):
        out = []
        for doc_id in ids:
            answer = searcher.ask(topic, per_doc, [doc_id])
            out.append(DocCoverage(doc_id, searcher.table.document(doc_id).title, answer.answered,
                                   answer.confidence, answer.passages, labels[doc_id]))
        return Comparison(topic, tuple(out))
    qvec = searcher.encode(topic)
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
