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


# -- the corpus overview on the Compare tab ------------------------------------------------------------

def _span(doc_id="a", paragraph=1, start=0, text="x"):
    from qa.topics import Span

    return Span(doc_id, paragraph, start, start + len(text), text)


def test_side_by_side_html_escapes_links_and_labels_rows():
    from qa.overview import Bar, DocInfo

    da, db = DocInfo("a", "A", "Alpha <i>", "s", 2), DocInfo("b", "B", "Beta", "s", 2)
    rows = [{"a": _span("a", 1, 0, "<script>x</script>"), "b": _span("b", 2, 50, "same point"), "score": 0.61,
             "relative": 0.9, "status": "shared", "direction": "a->b"},
            {"a": _span("a", 2, 30, "only here"), "b": _span("b", 1, 0, "far away"), "score": 0.2,
             "relative": 0.1, "status": "only in A", "direction": "a->b"},
            {"a": None, "b": _span("b", 1, 0, "far away"), "score": None, "relative": None,
             "status": "only in B", "direction": "b->a"}]
    out = render.side_by_side_html(rows, da, db, Bar("a", "b", 0.3, 0.6, 0.45), link=app.span_href)
    assert "<script>" not in out and "&lt;script&gt;x&lt;/script&gt;" in out and "Alpha &lt;i&gt;" in out
    assert out.count('class="qa-ov-row"') == 3 and out.count("qa-ov-section") == 2
    assert ">shared<" in out and ">only in A<" in out and ">only in B<" in out and "0.61" in out
    assert "A</b>: 1 of 2 paragraphs shared with B" in out and "cosine 0.45" in out
    assert 'href="#qa-open:a/0-18/"' in out and ">A ¶1<" in out and ">B ¶2<" in out
    assert out.count("qa-ov-below") == 1 and "closest in B, below the bar" in out  # the weak match is set apart
    assert "\n" not in out
    only = render.side_by_side_html(rows, da, db, link=app.span_href, show="only-a")
    assert only.count('class="qa-ov-row"') == 1 and "only here" in only and "same point" not in only
    only_b = render.side_by_side_html(rows, da, db, link=app.span_href, show="only-b")
    assert "Paragraphs of B in reading order" in only_b and "not shown above" not in only_b


def test_pick_pair_keeps_a_valid_choice_else_the_first_two():
    assert app.pick_pair(["a", "b", "c"], None, None) == ("a", "b")
    assert app.pick_pair(["a", "b", "c"], "c", "b") == ("c", "b")
    assert app.pick_pair(["a", "b", "c"], "b", "b") == ("b", "a")
    assert app.pick_pair(["a", "c"], "gone", "c") == ("a", "c")
    assert app.pick_pair(["a"], "a", None) == ("a", None)
    assert app.pick_pair([], None, None) == (None, None)


@pytest.fixture
def overview_demo(fake_settings):
    """The app on a fake-embedder engine, with its event handlers by name."""
    from qa import Engine
    from tests.conftest import FakeEmbedder

    holder = app.LazyEngine(fake_settings)
    holder._engine = Engine.open(fake_settings, embedder=FakeEmbedder())
    demo = app.build_demo(engine=holder)
    fns = {d.fn.__name__: d.fn for d in demo.fns.values() if d.fn is not None}
    return holder._engine, fns


def _links(html: str):
    import re

    return [app.parse_open_target(h[len(app.OPEN_PREFIX):].replace("&amp;", "&"))
            for h in re.findall(r'href="(#qa-open:[^"]*)"', html)]


def test_overview_section_shows_pair_topics_sources_plots_and_exports(overview_demo, tmp_path):
    import zipfile

    engine, fns = overview_demo
    out = fns["on_overview"](None, None, None, "all", progress=None)
    state, docs, dd_a, dd_b, show, pair, topics, ledger, md, csv = out
    ids = [d.doc_id for d in engine.documents]
    assert state["key"] and dd_a.value == ids[0] and dd_b.value == ids[1]
    assert [c[1] for c in dd_a.choices] == ids and dd_a.choices[0][0].startswith("A — ")
    assert [c[0] for c in show.choices] == ["all rows", "shared", "only in A", "only in B"]
    # every link in the tables opens a verbatim span of a document
    for html in (docs, pair, topics, ledger):
        links = _links(html)
        assert links
        for doc_id, focus, highlight in links:
            text = engine.document(doc_id).text
            if focus:
                assert 0 <= focus[0] < focus[1] <= len(text)
            assert all(0 <= s < e <= len(text) for s, e in highlight)
    assert "qa-ov-row" in pair and ("shared" in pair or "only in" in pair)
    assert "distinctive words" in topics and "T1" in topics
    assert "qa-ov-source" in ledger and "sources" in ledger
    # exports: Markdown and a zip of the three CSVs, in a temp folder (not the corpus or the index)
    md, csv = (x.value["path"] if isinstance(x.value, dict) else x.value for x in (md, csv))
    for path in (md, csv):
        assert path and not str(path).startswith((str(engine.settings.corpus_dir), str(engine.settings.index_dir)))
    assert open(md, encoding="utf-8").read().startswith("# Corpus overview")
    assert sorted(zipfile.ZipFile(csv).namelist()) == ["alignment.csv", "ledger.csv", "topics.csv"]
    # opened again with nothing changed: nothing is recomputed or re-sent
    again = fns["on_overview"](state, dd_a.value, dd_b.value, "all", progress=None)
    assert all(isinstance(x, dict) and x.get("__type__") == "update" and len(x) == 1 for x in again)
    # another pair and a filter
    show2, pair2 = fns["on_pair"](state, ids[1], ids[0], "only-a")
    assert [c[0] for c in show2.choices][2] == "only in B" and "only in B" in pair2
    assert "Choose two different documents" in fns["on_pair"](state, ids[0], ids[0], "all")[1]
    # plots: only once the Plots tab is opened, then redrawn for a new pair only
    assert fns["on_plots_follow"](state, None, ids[0], ids[1])[3] is None
    heat, align, strips, drawn = fns["on_plots_tab"](state, None, ids[0], ids[1])
    from matplotlib.figure import Figure

    assert all(isinstance(f, Figure) for f in (heat, align, strips)) and drawn == {"key": state["key"],
                                                                               "pair": [ids[0], ids[1]]}
    heat2, align2, strips2, drawn2 = fns["on_plots_follow"](state, drawn, ids[1], ids[0])
    assert isinstance(align2, Figure) and not isinstance(heat2, Figure) and drawn2["pair"] == [ids[1], ids[0]]
    import matplotlib.pyplot as plt

    plt.close("all")


def test_overview_refreshes_after_an_upload_and_a_removal(overview_demo, tmp_path):
    engine, fns = overview_demo
    # never opened: an upload leaves it alone
    assert all(x.get("__type__") == "update" for x in fns["on_overview_refresh"](None, None, None, "all"))
    state, *_ = fns["on_overview"](None, None, None, "all", progress=None)
    doc = tmp_path / "zebras.md"
    doc.write_text("# Zebras\n\nZebras have <b>stripes</b> and live in herds on the plains.\n\n"
                   "The herd moves to find water when the dry season comes.\n", encoding="utf-8")
    engine.add([doc])
    out = fns["on_overview_refresh"](state, None, None, "all")
    state2, docs, dd_a = out[0], out[1], out[2]
    assert state2["key"] != state["key"] and len(dd_a.choices) == 3
    assert "Zebras" in docs and "<b>stripes" not in out[7]
    new_id = next(d.doc_id for d in engine.documents if d.title == "Zebras")
    # the pair chosen before survives; the new document can be chosen
    pair = fns["on_pair"](state2, dd_a.value, new_id, "all")[1]
    assert "Zebras" in pair and "&lt;b&gt;stripes" in pair
    engine.remove(new_id)
    state3, docs3, dd_a3, dd_b3 = fns["on_overview_refresh"](state2, dd_a.value, new_id, "all")[:4]
    assert state3["key"] == state["key"] and len(dd_a3.choices) == 2 and dd_b3.value != new_id
    assert "Zebras" not in docs3
