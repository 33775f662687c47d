"""Topic comparison on a tiny in-memory index (fake embedder): each document judged on its own."""
from __future__ import annotations

import numpy as np
import pytest

from qa.errors import BadInput
from qa.index import vectors
from qa.index.lexical import BM25
from qa.index.table import PassageTable
from qa.search import Searcher, compare
from qa.types import Block, Document, sentence_texts
from tests.conftest import FakeEmbedder

TEXTS = {
    "zoo": ["Zebras have black and white stripes.", "Zebra herds cross the plains to find water."],
    "sea": ["The lighthouse keeper lit the lamp at night.", "Ships steer by the lighthouse in a storm."],
}


@pytest.fixture(scope="module")
def searcher() -> Searcher:
    docs = []
    for doc_id, parts in TEXTS.items():
        text = "\n\n".join(parts)
        blocks, pos = [], 0
        for n, part in enumerate(parts, 1):
            blocks.append(Block(doc_id, "body", pos, pos + len(part), part, n, ((pos, pos + len(part)),)))
            pos += len(part) + 2
        docs.append(Document(doc_id, doc_id.title(), "test", f"/x/{doc_id}.txt", "0", text, blocks))
    emb = FakeEmbedder()
    passages = [p for d in docs for p in d.passages]
    pvecs = emb.encode([p.text for p in passages])
    table = PassageTable(docs, pvecs, emb.encode(sentence_texts(docs)))
    return Searcher(table, vectors.build(pvecs, "flat"), BM25.build([p.text for p in passages]), emb)


def test_only_the_document_that_covers_a_topic_is_covered(searcher):
    comp = compare(searcher, "zebra stripes")
    zoo, sea = comp.documents
    assert (zoo.doc_id, zoo.covered) == ("zoo", True) and (sea.doc_id, sea.covered) == ("sea", False)
    assert comp.summary == "only by A" and (zoo.label, sea.label) == ("A", "B")  # short labels, not titles
    assert zoo.passages[0].paragraph == 1 and "stripes" in zoo.passages[0].text
    assert all(h.doc_id == "sea" for h in sea.passages)  # each document searched on its own


def test_passages_per_document_and_a_chosen_subset(searcher):
    comp = compare(searcher, "lighthouse", ["sea"], per_doc=1)
    assert [d.doc_id for d in comp.documents] == ["sea"] and len(comp.documents[0].passages) == 1
    assert comp.documents[0].covered and comp.summary == "covered by all"
    assert comp.documents[0].label == "B"  # its label in the corpus, whichever documents are compared


def test_two_documents_that_both_cover_a_topic_are_covered_by_both():
    from qa.types import Comparison, DocCoverage

    both = Comparison("t", (DocCoverage("a", "T", True, 0.9, (), "A"), DocCoverage("b", "U", True, 0.8, (), "B")))
    assert both.summary == "covered by both" and both.to_json()["documents"][1]["label"] == "B"


def test_an_unknown_id_names_the_closest_known_ids_not_all_of_them():
    docs = [Document(f"report_{i:04d}", "t", "test", f"/x/{i}.txt", "0", "") for i in range(1500)]
    table = PassageTable(docs, np.zeros((0, 4), np.float32), np.zeros((0, 4), np.float32))
    with pytest.raises(BadInput) as info:
        table.document("report_0042x")
    message = str(info.value)
    assert message.startswith("unknown document id 'report_0042x'; known ids: report_0042, ")
    assert message.endswith("(and 1,490 more)") and message.count("report_") == 11
    with pytest.raises(BadInput) as info:
        table.document("x" * 5000)
    assert "... (5,000 characters)" in str(info.value) and len(str(info.value)) < 500


def with_reader(searcher: Searcher, word: str) -> Searcher:
    """The same index with a stand-in reader that judges a unit to answer when it holds ``word``."""
    from qa.models.reader import ReaderMeta
    from qa.search.reading import ReadStage
    from tests.search.test_reading import WordReader

    meta = ReaderMeta("m", "x", "t", 160, threshold=0.5, depth=5, retrieval_weight=0.1, trained={}, topic_threshold=-1.0)
    return Searcher(searcher.table, searcher.vectors, searcher.lexical, searcher.embedder,
                    reader=ReadStage(WordReader(word), meta))


def test_a_question_is_covered_only_where_a_passage_answers_it(searcher):
    # both zebra passages are on the subject; only the one the reader judges to answer counts
    assert compare(searcher, "Where do zebra herds go?").documents[0].covered  # the evidence test: on topic
    reading = with_reader(searcher, "water")
    zoo, sea = compare(reading, "Where do zebra herds go?").documents
    assert zoo.covered and not sea.covered and "water" in zoo.passages[0].text
    zoo, sea = compare(with_reader(searcher, "nowhere"), "Where do zebra herds go?").documents
    assert not zoo.covered and not sea.covered and zoo.passages  # its passages still shown, not covered


def test_a_subject_is_judged_by_the_evidence_test_even_with_a_reader(searcher):
    zoo, sea = compare(with_reader(searcher, "nowhere"), "zebra stripes").documents
    assert zoo.covered and not sea.covered
