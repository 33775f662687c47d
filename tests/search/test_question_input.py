"""What the library takes as a question (or topic) and as document ids, for every front end:
the CLI, the app and the REST API all reach ``check_question`` and ``check_doc_ids``."""
from __future__ import annotations

import shutil

import pytest

from qa import BadInput, Engine, Settings
from qa.search.retrieve import check_question
from tests.conftest import CORPUS, FakeEmbedder

A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("question-input")
    shutil.copytree(CORPUS, root / "corpus")
    return Engine.open(Settings(corpus_dir=root / "corpus", index_dir=root / "index", model="fake"),
                       embedder=FakeEmbedder())


@pytest.mark.parametrize("question, expected", [
    ("Who confronted Putin?", "Who confronted Putin?"),
    ("  Kozak ", "Kozak"),
    ("q", "q"),
    ("Путин", "Путин"),
    ("Who\x00 con\u200bfronted\x1b\tPut\ufeffin?\x7f", "Who confronted Putin?"),
    ("élite\u2028mobilisation\u0085", "élite mobilisation"),
])
def test_a_question_is_searched_without_its_control_and_format_characters(question, expected):
    assert check_question(question) == expected


@pytest.mark.parametrize("question, words", [
    (None, "must be text, got NoneType"),
    (["Putin"], "must be text, got list"),
    ("caf\udce9", "the byte 0xE9, which is not UTF-8"),
    ("\ud800 Putin", "lone surrogate U+D800"),
    ("?", "'?' has no words to search for"),
    ("a", "'a' has no words to search for"),
    ("\u200b", "has no words to search for"),
    ("\ufeff\u200d", "has no words to search for"),
    ("\x01\x02\x1b", "has no words to search for"),
    ("  \t ", "is empty"),
])
def test_a_question_with_nothing_to_search_for_is_refused_in_one_line(question, words):
    with pytest.raises(BadInput) as err:
        check_question(question)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_a_topic_is_named_as_a_topic():
    with pytest.raises(BadInput, match=r"^the topic '\?' has no words to search for; ask in words, e\.g\. \"partial"):
        check_question("?", "topic")


def test_repeated_document_ids_are_searched_once(engine):
    once = engine.ask("Who confronted Putin?", 3, [A])
    assert engine.ask("Who confronted Putin?", 3, [A] * 4000) == once
    assert engine.ask("Who confronted Putin?", 3, A) == once, "one id given as a string"
    comp = engine.compare("mobilisation", [A, B, A] * 2000)
    assert [d.doc_id for d in comp.documents] == [A, B]
    assert engine.compare("mobilisation", []) == engine.compare("mobilisation"), "no ids: every document"


@pytest.mark.parametrize("ids, words", [([1], "must be text, got 1"), ([A, None], "must be text, got None"),
                                        (5, "must be a list"), ([A, "nope"], "unknown document id 'nope'")])
def test_document_ids_that_are_not_known_text_are_refused(engine, ids, words):
    for call in (lambda: engine.ask("Putin", doc_ids=ids), lambda: engine.compare("Putin", ids)):
        with pytest.raises(BadInput, match=words):
            call()


@pytest.mark.parametrize("top_k", [True, 0, 51, 2.0, "3", None])
def test_top_k_must_be_a_whole_number_in_range(engine, top_k):
    with pytest.raises(BadInput, match=r"^top_k must be a whole number from 1 to 50"):
        engine.ask("Putin", top_k=top_k)


@pytest.mark.parametrize("call", [
    lambda e: e.ask("Who confronted Putin?", method="\x00" * 5_000),
    lambda e: e.ask("Who confronted Putin?", top_k=10 ** 1_500),
    lambda e: e.ask("Who confronted Putin?", doc_ids=[["x"] * 5_000]),
])
def test_a_huge_bad_value_is_quoted_short(engine, call):
    """What the fuzz suite found: an unknown method of 5,000 NUL characters came back whole in
    the error line (20,000 characters of repr). Every echoed value is cut."""
    with pytest.raises(BadInput) as info:
        call(engine)
    assert "characters)" in str(info.value) and len(str(info.value)) < 500
