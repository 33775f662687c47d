"""The Ask tab's pieces without a browser, on a fake-embedder engine: the conversation kept in the
browser asked again, the line naming the corpus, the Compare tab's document boxes."""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest  # noqa: E402

from qa import Engine  # noqa: E402
from tests.conftest import FakeEmbedder  # noqa: E402
from ui.ask import MAX_KEPT, kept_entry, replay  # noqa: E402
from ui.compare import compare_choices  # noqa: E402
from ui.documents import corpus_line  # noqa: E402


@pytest.fixture
def engine(fake_settings):
    return Engine.open(fake_settings, embedder=FakeEmbedder())


def test_a_kept_conversation_is_asked_again_in_order_on_the_documents_still_there(engine):
    ids = [d.doc_id for d in engine.documents]
    kept = [kept_entry("Who confronted Putin about the war?", ids, 3),
            kept_entry("and what does the other article say?", [ids[0], "removed-since"], 2)]
    turns = replay(engine, kept, set(ids))
    assert [t.question for t in turns] == [k["q"] for k in kept]
    assert turns[0].answer.passages == engine.ask("Who confronted Putin about the war?", 3).passages
    assert len(turns[0].answer.passages) == 3 and len(turns[1].answer.passages) <= 2
    assert turns[1].note.startswith("Follow-up: searched")  # planned as a follow-up of the first, as typed
    assert {h.doc_id for h in turns[1].answer.passages} <= {ids[0]}  # a removed document is not searched


@pytest.mark.parametrize("junk", [None, "text", {"q": 1}, [{"q": 3}, "x", {"docs": "all"}], [{"q": "", "k": "9"}]])
def test_a_kept_value_that_is_not_a_conversation_is_skipped(engine, junk):
    """What the browser sends back is not trusted: another version's value, or one edited by hand."""
    assert replay(engine, junk, {d.doc_id for d in engine.documents}) == []


def test_a_kept_conversation_is_capped(engine):
    ids = {d.doc_id for d in engine.documents}
    kept = [kept_entry(f"Question {i} about Putin?", sorted(ids), 1) for i in range(MAX_KEPT + 5)]
    turns = replay(engine, kept, ids)
    assert len(turns) == MAX_KEPT and turns[0].question == "Question 5 about Putin?"


def test_the_corpus_line_names_each_document_by_label_and_title(engine):
    docs = engine.documents
    line = corpus_line(engine, [d.doc_id for d in docs])
    assert line.startswith(f"**{len(docs)} documents**: A “") and ", B “" in line and line.endswith("”.")
    assert "(1 chosen below)" in corpus_line(engine, [docs[0].doc_id])


def test_compare_boxes_keep_the_picks_still_there_else_the_first_two(engine):
    ids = [d.doc_id for d in engine.documents]
    boxes = compare_choices(engine, None)
    assert boxes.value == ids[:2] and [v for _, v in boxes.choices] == ids
    assert [label[:4] for label, _ in boxes.choices][:2] == ["A · ", "B · "]
    assert compare_choices(engine, [ids[1], "gone"]).value == [ids[1]]
