"""Search over a fake-embedded index: restriction, top-k, highlights, verbatim hits, methods.

Behaviour and invariants only; which questions count as answered is the evidence test's business
and is tested with the real model elsewhere.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa import Answer, BadInput, Engine, Hit, Settings
from qa.config import MAX_QUESTION_CHARS
from tests.conftest import CORPUS, FakeEmbedder

A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"
METHODS = ["hybrid", "dense", "bm25"]
QUESTIONS = [
    "Who voiced disagreement directly to the Russian president?",
    "What did the commander Swat say about the Russian soldiers?",
    "How are officials getting exemptions from mobilisation?",
    "Putin nuclear threat Western politicians",
    "What is the GDP of Russia?",
    "“Victory will be ours!” — Red Square",
    "q",
    "élite mobilisation 300,000 reservists Shoigu",
]
HIT_KEYS = {"rank", "doc_id", "title", "source", "paragraph", "start", "end", "text", "highlight", "score"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("search")
    shutil.copytree(CORPUS, root / "corpus")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", model="fake")
    return Engine.open(settings, embedder=FakeEmbedder())


def check_hit(engine: Engine, h: Hit) -> None:
    doc = engine.document(h.doc_id)
    assert doc.text[h.start:h.end] == h.text
    assert Path(doc.path).read_text(encoding="utf-8")[h.start:h.end] == h.text  # the file itself
    body = {(p.start, p.end): p for p in doc.passages}
    assert (h.start, h.end) in body, "only body paragraphs are returned"
    assert body[(h.start, h.end)].paragraph == h.paragraph
    assert (h.title, h.source) == (doc.title, doc.source)
    assert h.highlight
    sentences = set(body[(h.start, h.end)].sentences)
    for hs, he in h.highlight:
        assert h.start <= hs < he <= h.end
        assert (hs, he) in sentences, "a highlight is one of the passage's sentences"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("question", QUESTIONS)
def test_every_hit_is_verbatim_with_highlights_inside(engine, question, method):
    ans = engine.ask(question, top_k=5, method=method)
    assert isinstance(ans, Answer) and isinstance(ans.answered, bool)
    assert ans.question == " ".join(question.split())
    assert [h.rank for h in ans.passages] == list(range(1, len(ans.passages) + 1))
    assert len({(h.doc_id, h.paragraph) for h in ans.passages}) == len(ans.passages), "no passage twice"
    for h in ans.passages:
        check_hit(engine, h)


@pytest.mark.parametrize("method", ["dense", "bm25"])
def test_scores_do_not_increase_down_the_ranking(engine, method):
    for q in QUESTIONS[:4]:
        scores = [h.score for h in engine.ask(q, top_k=10, method=method).passages]
        assert scores == sorted(scores, reverse=True)


def test_the_reader_scores_and_judges_each_passage_it_reads(engine):
    """With the reader on (hybrid), a read passage's score is the reader's probability that it
    answers, and its judgement follows the shipped threshold; the order also weighs the retrievers,
    so those scores need not fall down the ranking. Passages beyond its depth are not judged."""
    stage = engine.searcher.reader
    assert stage is not None, "qa/models/reader.json ships a reader"
    for q in QUESTIONS[:4]:
        hits = engine.ask(q, top_k=10).passages
        for h in hits[:stage.meta.depth]:
            assert 0.0 <= h.score <= 1.0 and h.answers == (h.score >= stage.threshold)
        assert all(h.answers is None for h in hits[stage.meta.depth:])


@pytest.mark.parametrize("top_k", [1, 2, 5, 17, 50])
def test_top_k_is_respected(engine, top_k):
    for method in METHODS:
        ans = engine.ask("Putin and the war in Ukraine", top_k=top_k, method=method)
        assert len(ans.passages) == top_k


@pytest.mark.parametrize("top_k", [0, -1, 51, 2.5, "3", None])
def test_bad_top_k_is_refused(engine, top_k):
    with pytest.raises(BadInput):
        engine.ask("Putin", top_k=top_k)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("only", [[A], [B], [A, B]])
def test_restricting_to_documents(engine, method, only):
    ans = engine.ask("mobilisation of reservists and the Kremlin", top_k=8, doc_ids=only, method=method)
    assert ans.passages
    assert {h.doc_id for h in ans.passages} <= set(only)
    for h in ans.passages:
        check_hit(engine, h)


def test_restriction_can_return_every_paragraph_of_a_document(engine):
    n = len(engine.document(A).passages)
    ans = engine.ask("Putin", top_k=50, doc_ids=[A])
    assert {h.doc_id for h in ans.passages} == {A}
    assert len(ans.passages) <= n


@pytest.mark.parametrize("ids", [["nope"], [A, "nope"], ["000_cd7150e585f9c9d3.txt"]])
def test_unknown_document_id_is_refused(engine, ids):
    with pytest.raises(BadInput) as err:
        engine.ask("Putin", doc_ids=ids)
    msg = str(err.value)
    assert "unknown document id" in msg and A in msg and "\n" not in msg


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "x" * (MAX_QUESTION_CHARS + 1), "q" * 100_000, None])
def test_bad_question_is_refused(engine, question):
    with pytest.raises(BadInput) as err:
        engine.ask(question)
    assert "\n" not in str(err.value)


def test_question_at_the_length_limit_is_accepted(engine):
    q = ("Putin war " * MAX_QUESTION_CHARS)[:MAX_QUESTION_CHARS]
    assert engine.ask(q).passages


def test_unknown_method_is_refused(engine):
    with pytest.raises(BadInput):
        engine.ask("Putin", method="magic")


def test_bm25_ranks_the_paragraph_with_a_rare_exact_term_first(engine):
    ans = engine.ask("Swat code name", top_k=3, method="bm25")
    assert "code name Swat" in ans.passages[0].text


def test_captions_and_titles_are_never_returned(engine):
    caption = "Vladimir Putin - Alexei Nikolsky/ Pool Sputnik Kremlin"
    title = engine.document(B).title
    for method in METHODS:
        for q in (caption, title, "Mikhail Metzel, Sputnik, Kremlin Pool Photo via AP"):
            for h in engine.ask(q, top_k=10, method=method).passages:
                assert h.text not in (caption, title)
                check_hit(engine, h)


def test_json_shape_matches_the_contract(engine):
    ans = engine.ask("Who voiced disagreement?", top_k=3)
    data = ans.to_json()
    assert set(data) == {"question", "answered", "verdict", "reason", "confidence", "passages", "answer_span"}
    span = data["answer_span"]  # additive (issue 20): the reader's answer, verbatim, or null
    assert span is None or engine.document(span["doc_id"]).text[span["start"]:span["end"]] == span["text"]
    assert isinstance(data["answered"], bool) and data["answered"] == (data["verdict"] == "answered")
    for p in data["passages"]:
        assert set(p) - {"answers"} == HIT_KEYS  # "answers": the reader's judgement, where it read it
        assert isinstance(p["paragraph"], int) and p["paragraph"] >= 1
        assert all(isinstance(x, list) and len(x) == 2 for x in p["highlight"])
        assert isinstance(p["score"], float)


def test_same_question_same_answer(engine):
    q = "What happened to the Russian armored vehicle?"
    assert engine.ask(q) == engine.ask(q)


def test_compare_gives_one_entry_per_document_with_its_own_passages(engine):
    comp = engine.compare("partial mobilisation")
    assert [d.doc_id for d in comp.documents] == [A, B]
    for d in comp.documents:
        assert isinstance(d.covered, bool)
        assert d.title == engine.document(d.doc_id).title
        assert 1 <= len(d.passages) <= 3
        for h in d.passages:
            assert h.doc_id == d.doc_id
            check_hit(engine, h)
    data = comp.to_json()
    assert data["topic"] == "partial mobilisation"
    assert {"topic", "documents"} <= set(data)
    assert {"doc_id", "title", "covered", "score", "passages"} <= set(data["documents"][0])


def test_compare_restricted_and_refusals(engine):
    comp = engine.compare("nuclear weapons", doc_ids=[B])
    assert [d.doc_id for d in comp.documents] == [B]
    with pytest.raises(BadInput):
        engine.compare("nuclear weapons", doc_ids=["nope"])
    with pytest.raises(BadInput):
        engine.compare("  ")
