"""The app without a browser: import without side effects, the API functions, the engine opened
once, and the Compare tab's overview handlers on a fake-embedder engine.

The renderings it uses are tested in tests/present/, follow-ups in tests/search/; the browser and
API tests, with the real model and a running server, are in tests/e2e/.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import gradio as gr  # noqa: E402
import pytest

import app  # noqa: E402
from qa import Engine
from qa.present.links import OPEN_PREFIX, parse_open_target
from qa.serving import LazyEngine  # noqa: E402
from tests.conftest import ROOT
from ui.blocks import build_demo  # noqa: E402
from ui.common import user_errors  # noqa: E402
from ui.compare import pick_pair  # noqa: E402
from ui.overview import Handlers  # noqa: E402


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


def test_user_errors_become_gradio_errors_logged_as_one_line(caplog):
    """A reader's mistake is a toast for them and one log line for the server, not a traceback
    (Gradio prints one for every gr.Error unless told not to)."""
    from qa import BadInput

    @user_errors
    def boom():
        raise BadInput("x.txt: nope,\n  try again")

    with caplog.at_level("INFO", logger="app"), pytest.raises(gr.Error, match="x.txt: nope") as raised:
        boom()
    assert raised.value.print_exception is False
    assert [r.getMessage() for r in caplog.records] == ["refused: x.txt: nope, try again"]


def test_api_ask_returns_cli_json_shape(fake_settings):
    """The /ask and /compare endpoint functions, on a fake-embedder engine (no model, no server)."""
    from tests.conftest import FakeEmbedder

    holder = LazyEngine(fake_settings)
    holder._engine = Engine.open(fake_settings, embedder=FakeEmbedder())
    demo = build_demo(engine=holder)
    fns = {d.api_name: d.fn for d in demo.fns.values() if d.api_name in ("ask", "compare")}
    out = fns["ask"]("Who confronted Putin about the war?", 3, None)
    assert set(out) == {"question", "answered", "verdict", "reason", "confidence", "passages", "answer_span"}
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
        return type("E", (), {"documents": [], "sync": lambda self: False})()

    monkeypatch.setattr(Engine, "open", staticmethod(fake_open))
    holder = LazyEngine(settings="S")
    first = threading.Thread(target=holder.get)
    first.start()
    started.wait(5)
    seen = []
    engine = holder.get(progress=lambda *a: seen.append(a))  # waits for the first opener
    first.join(5)
    assert opened == ["S"] and holder.get() is engine
    assert seen and seen[0][0] == "embed passages"


# -- the corpus overview on the Compare tab ------------------------------------------------------------


def test_pick_pair_keeps_a_valid_choice_else_the_first_two():
    assert pick_pair(["a", "b", "c"], None, None) == ("a", "b")
    assert pick_pair(["a", "b", "c"], "c", "b") == ("c", "b")
    assert pick_pair(["a", "b", "c"], "b", "b") == ("b", "a")
    assert pick_pair(["a", "c"], "gone", "c") == ("a", "c")
    assert pick_pair(["a"], "a", None) == ("a", None)
    assert pick_pair([], None, None) == (None, None)


@pytest.fixture


def overview_demo(fake_settings):
    """The Compare tab's overview handlers on a fake-embedder engine, by the names they had in app.py."""
    from tests.conftest import FakeEmbedder

    holder = LazyEngine(fake_settings)
    holder._engine = Engine.open(fake_settings, embedder=FakeEmbedder())
    h = Handlers(holder)
    fns = {"on_overview": h.on_open, "on_overview_refresh": h.on_corpus_changed, "on_pair": h.on_pair,
           "on_plots_tab": h.on_plots_tab, "on_plots_follow": h.on_plots_follow}
    return holder._engine, fns


def _links(html: str):
    import re

    return [parse_open_target(h[len(OPEN_PREFIX):].replace("&amp;", "&"))
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
    assert "key phrases (distinctive words)" in topics and "T1" in topics
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
    from plotly.graph_objects import Figure as Plotly

    # the heatmap and the matrix are interactive (plotly), the prominence strips a PNG (matplotlib)
    assert isinstance(heat, Plotly) and isinstance(align, Plotly) and isinstance(strips, Figure)
    assert drawn == {"key": state["key"], "pair": [ids[0], ids[1]]}
    n_a, n_b = (len(engine.overview().alignment.rows_for(i)) for i in ids[:2])
    assert len(align.data[0].y) == n_a and len(align.data[0].x) == n_b
    for doc_id, start, end, _ in (c for row in align.data[0].customdata for c in row):
        assert doc_id == ids[0] and 0 <= start < end <= len(engine.document(doc_id).text)
    for figure in (heat, align):  # gr.Plot sends it as plotly JSON
        assert gr.Plot().postprocess(figure).type == "plotly"
    heat2, align2, strips2, drawn2 = fns["on_plots_follow"](state, drawn, ids[1], ids[0])
    assert isinstance(align2, Plotly) and not isinstance(heat2, Plotly) and drawn2["pair"] == [ids[1], ids[0]]


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
