"""The app's pure parts: import without side effects, follow-up handling, links, HTML rendering.

The browser and API tests, with the real model and a running server, are in tests/e2e/.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from qa import Answer, Block, Comparison, DocCoverage, Document, Hit, render
from tests.conftest import ROOT

gr = pytest.importorskip("gradio")
import app  # noqa: E402


def make_hit(rank=1, doc_id="a", text="First sentence. Second <b>one</b>.", start=100, highlight=((116, 134),),
             title="Title <i>A</i>", source="Src & co", paragraph=3, score=1.0) -> Hit:
    return Hit(rank, doc_id, title, source, paragraph, start, start + len(text), text, highlight, score)


def test_import_builds_demo_without_model_or_server():
    code = ("import sys, app, gradio as gr; "
            "assert isinstance(app.demo, gr.Blocks); "
            "assert app.demo.qa_engine._engine is None; "
            "assert 'sentence_transformers' not in sys.modules and 'torch' not in sys.modules; "
            "assert not app.demo.is_running; print('ok')")
    env = dict(os.environ, QA_CORPUS_DIR="/nonexistent/corpus", QA_INDEX_DIR="/nonexistent/index")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")


def test_api_endpoints_are_only_ask_and_compare():
    info = app.demo.get_api_info()
    assert set(info["named_endpoints"]) == {"/ask", "/compare"}
    params = [p["parameter_name"] for p in info["named_endpoints"]["/ask"]["parameters"]]
    assert params == ["question", "top_k", "doc_ids"]


@pytest.mark.parametrize("question, follow", [
    ("Who confronted Putin about the war?", False),
    ("How many officials did Farida Rustamova interview?", False),
    ("and what does the other article say?", True),
    ("What about the other one?", True),
    ("why?", True),
    ("And Swat?", True),
    ("What did he say about it?", True),
    ("Is there a gap between the front and what the Kremlin acknowledges?", False),
])
def test_is_follow_up(question, follow):
    assert app.is_follow_up(question) is follow


def test_search_plan_first_question_is_searched_as_typed():
    assert app.search_plan("Who is Swat?", [], ["a", "b"]) == ("Who is Swat?", ["a", "b"], "")


def test_search_plan_follow_up_prepends_last_self_contained_question():
    first = Answer("Who confronted Putin?", True, (make_hit(doc_id="a"),))
    turns = [{"question": "Who confronted Putin?", "base": "Who confronted Putin?", "answer": first, "note": ""}]
    text, ids, note = app.search_plan("and what about Swat?", turns, ["a", "b"])
    assert text == "Who confronted Putin? and what about Swat?"
    assert ids == ["a", "b"]
    assert "Follow-up" in note and text in note
    # a second follow-up still leans on the last self-contained question, not on the follow-up
    turns.append({"question": "and what about Swat?", "base": None, "answer": first, "note": note})
    assert app.search_plan("and his commander?", turns, ["a", "b"])[0] == "Who confronted Putin? and his commander?"
    # a follow-up that adds no content word searches the earlier question alone
    assert app.search_plan("and why?", turns, ["a", "b"])[0] == "Who confronted Putin?"


def test_search_plan_other_article_searches_the_other_documents():
    first = Answer("Who confronted Putin?", True, (make_hit(doc_id="a"), make_hit(2, doc_id="b")))
    turns = [{"question": "Who confronted Putin?", "base": "Who confronted Putin?", "answer": first, "note": ""}]
    text, ids, note = app.search_plan("and what does the other article say?", turns, ["a", "b", "c"])
    assert text == "Who confronted Putin?"  # nothing but "the other article" was added
    assert ids == ["b", "c"]
    # only one document selected: nothing to exclude
    assert app.search_plan("and the other one?", turns, ["a"])[1] == ["a"]


def test_open_links_round_trip_and_refuse_junk():
    hit = make_hit(highlight=((116, 120), (125, 130)))
    href = app.open_href(hit)
    assert href.startswith(app.OPEN_PREFIX)
    assert app.parse_open_target(href[len(app.OPEN_PREFIX):]) == ("a", (100, hit.end), [(116, 120), (125, 130)])
    assert app.parse_open_target("003_c2e52d3d74986284") == ("003_c2e52d3d74986284", None, [])
    for junk in ["", "../etc/passwd", "a/1-2/3-4/5", "a/x-y", "<script>/1-2"]:
        with pytest.raises(ValueError):
            app.parse_open_target(junk)


def test_answer_html_escapes_and_numbers_citations():
    ans = Answer("q", True, (make_hit(), make_hit(2, text="<img src=x onerror=alert(1)>", start=0, highlight=())))
    out = render.answer_html(ans, href=app.open_href)
    assert render.ANSWERED in out and render.NOT_ANSWERED not in out
    assert "[1]" in out and "[2]" in out
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "Title &lt;i&gt;A&lt;/i&gt;" in out and "Src &amp; co" in out and "paragraph 3" in out
    assert '<mark class="qa-hl">Second &lt;b&gt;one&lt;/b&gt;.</mark>' in out
    assert "\n" not in out  # a blank line would end the HTML block inside the chat's Markdown


def test_answer_html_not_answered_uses_fixed_wording():
    out = render.answer_html(Answer("q", False, (make_hit(),)), href=app.open_href)
    assert render.NOT_ANSWERED in out and render.CLOSEST in out and render.ANSWERED not in out


def test_spans_html_keeps_text_verbatim_and_clips_spans():
    text = "ab<c>\nde"
    out = render.spans_html(text, 10, [(12, 15), (0, 11), (17, 99)])
    assert out == ('<mark class="qa-hl">a</mark>b<mark class="qa-hl">&lt;c&gt;</mark><br>d'
                   '<mark class="qa-hl">e</mark>')


def test_document_html_numbers_paragraphs_marks_captions_and_focus():
    text = "Title\n\nCredit: AP\n\nOne <two>.\n\nThree."
    blocks = [Block("d", "title", 0, 5, "Title"), Block("d", "caption", 7, 17, "Credit: AP"),
              Block("d", "body", 19, 30, "One <two>.", 1, ((19, 30),)),
              Block("d", "body", 32, 38, "Three.", 2, ((32, 38),))]
    doc = Document("d", "Title", "src", "/x", "0", text, blocks)
    out = render.document_html(doc, focus=(19, 30), highlight=[(23, 28)])
    assert '<p class="qa-caption"><em>Credit: AP</em></p>' in out
    assert 'id="qa-p-1"' in out and 'id="qa-p-2"' in out
    assert '<div class="qa-para qa-focus" id="qa-p-1">' in out
    assert '<mark class="qa-hl">&lt;two&gt;</mark>' in out
    assert out.count("qa-focus") == 1


def test_comparison_html_has_a_column_and_badge_per_document():
    comp = Comparison("mobilisation", (DocCoverage("a", "A <x>", True, 0.9, (make_hit(),)),
                                       DocCoverage("b", "B", False, 0.1, ())))
    out = render.comparison_html(comp, href=app.open_href)
    assert out.count('class="qa-column"') == 2
    assert ">covered<" in out and ">not covered<" in out
    assert "A &lt;x&gt;" in out and "<x>" not in out


def test_conversation_markdown_holds_every_citation():
    hit = make_hit(text="Putin lives in a bubble.", highlight=((100, 124),))
    turns = [{"question": "Is Putin isolated?", "base": "Is Putin isolated?", "answer": Answer("x", True, (hit,)),
              "note": ""},
             {"question": "and why?", "base": None, "answer": Answer("y", False, (hit,)),
              "note": "Follow-up: searched “Is Putin isolated? and why?”."}]
    md = app.conversation_markdown(turns)
    assert md.startswith("# Conversation")
    assert "### Is Putin isolated?" in md and "### and why?" in md
    assert md.count("Putin lives in a bubble") == 2 and "paragraph 3" in md
    assert render.NOT_ANSWERED in md and render.CLOSEST in md
    assert "### and why?\n\n*Follow\\-up: searched" in md


def test_documents_table_escapes_metadata():
    doc = Document("d1", "<script>x</script>", "s & t", "/p", "0", "text", [], added="2026-01-01T00:00:00+00:00")
    out = app.documents_table_html([doc])
    assert "<script>" not in out and "&lt;script&gt;" in out and "2026-01-01 00:00:00 UTC" in out


def test_user_errors_become_gradio_errors():
    from qa import BadInput

    @app._user_errors
    def boom():
        raise BadInput("x.txt: nope")

    with pytest.raises(gr.Error, match="x.txt: nope"):
        boom()


def test_api_ask_returns_cli_json_shape(fake_settings):
    """The /ask and /compare endpoint functions, on a fake-embedder engine (no model, no server)."""
    from qa import Engine
    from tests.conftest import FakeEmbedder

    holder = app.LazyEngine(fake_settings)
    holder._engine = Engine.open(fake_settings, embedder=FakeEmbedder())
    demo = app.build_demo(engine=holder)
    fns = {d.api_name: d.fn for d in demo.fns.values() if d.api_name in ("ask", "compare")}
    out = fns["ask"]("Who confronted Putin about the war?", 3, None)
    assert set(out) == {"question", "answered", "passages"}
    assert len(out["passages"]) == 3 and {"rank", "doc_id", "paragraph", "highlight"} <= set(out["passages"][0])
    json.dumps(out)
    comp = fns["compare"]("mobilisation")
    assert {"topic", "documents"} <= set(comp) and len(comp["documents"]) == 2
    with pytest.raises(gr.Error, match="top_k"):
        fns["ask"]("q", 99, None)


def test_lazy_engine_opens_once_and_relays_progress_to_waiters(monkeypatch):
    import threading
    import time

    opened, started = [], threading.Event()

    def fake_open(settings, progress=None):
        started.set()
        for i in range(4):
            progress("embed passages", i, 4)
            time.sleep(0.2)
        opened.append(settings)
        return type("E", (), {"documents": []})()

    monkeypatch.setattr(app.Engine, "open", staticmethod(fake_open))
    holder = app.LazyEngine(settings="S")
    first = threading.Thread(target=holder.get)
    first.start()
    started.wait(5)
    seen = []
    engine = holder.get(progress=lambda *a: seen.append(a))  # waits for the first opener
    first.join(5)
    assert opened == ["S"] and holder.get() is engine
    assert seen and seen[0][0] == "embed passages"
