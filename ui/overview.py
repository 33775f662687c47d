"""Handlers and events of the Compare tab: a topic comparison, and the corpus overview kept in step
with the corpus (fetched again after an upload or a removal, once it has been opened)."""
from __future__ import annotations

import gradio as gr

from qa import Engine
from qa.present import open_href, span_href
from qa.present.html import comparison_html, ledger_html, overview_documents_html
from qa.serving import LazyEngine

from .ask import CONCURRENCY
from .common import PRIVATE, progress_callback, refusal, user_errors
from .compare import (
    SHOW,
    CompareTab,
    compare_choices,
    overview_exports,
    overview_key,
    overview_pair_html,
    overview_topics_html,
    pick_pair,
    show_choices,
)

UNCHANGED = (gr.update(),) * 10


class Handlers:
    def __init__(self, holder: LazyEngine):
        self.holder = holder

    def on_compare(self, topic, picked):
        topic = (topic or "").strip()
        if not topic:
            raise refusal("Type a topic to compare, for example: mobilisation.")
        eng = self.holder.get()
        if not picked:
            raise refusal("Choose at least one document to compare (the boxes above the topic).")
        return comparison_html(eng.compare(topic, list(picked)), href=open_href)

    def on_corpus(self, picked):
        """The document boxes, on load and whenever the corpus changes (kept picks, else two)."""
        return compare_choices(self.holder.get(), picked)

    def views(self, eng: Engine, key: str, a, b, show):
        """Every part of the overview section for the corpus as it is now."""
        ov = eng.overview()
        a, b = pick_pair([d.doc_id for d in ov.documents], a, b)
        choices = [(f"{d.label} — {d.title}", d.doc_id) for d in ov.documents]
        show = show if show in SHOW else "all"
        md, zpath = overview_exports(ov, key)
        return ({"key": key}, overview_documents_html(ov.documents, link=span_href),
                gr.Dropdown(choices=choices, value=a), gr.Dropdown(choices=choices, value=b),
                gr.Radio(choices=show_choices(ov, a, b), value=show), overview_pair_html(ov, a, b, show),
                overview_topics_html(ov), ledger_html(ov.documents, ov.ledger, link=span_href),
                gr.DownloadButton(value=md, interactive=True), gr.DownloadButton(value=zpath, interactive=True))

    def if_changed(self, state, a, b, show, progress=None):
        eng = self.holder.get(progress)
        key = overview_key(eng)
        if state and state.get("key") == key:  # on screen and unchanged
            return UNCHANGED
        return self.views(eng, key, a, b, show)

    def on_open(self, state, a, b, show, progress=gr.Progress()):
        return self.if_changed(state, a, b, show, progress_callback(progress))

    def on_corpus_changed(self, state, a, b, show):
        """After an upload or a removal: refresh the overview if it has been opened."""
        return self.if_changed(state, a, b, show) if state else UNCHANGED

    def on_pair(self, state, a, b, show):
        if not state:
            return gr.update(), gr.update()
        ov = self.holder.get().overview()
        return gr.Radio(choices=show_choices(ov, a, b), value=show), overview_pair_html(ov, a, b, show)

    def plots(self, state, drawn, a, b, always: bool):
        """The topic heatmap and prominence strips (per corpus state) and the pair's alignment matrix.

        The heatmap and the matrix are interactive (plotly: hover shows the passage, a click opens
        the reader; see qa.present.interactive); the strips stay a PNG (qa.present.plots)."""
        from qa.present import interactive, plots

        if not state or (drawn is None and not always):
            return (*(gr.update(),) * 3, drawn)
        ov = self.holder.get().overview()
        ids = [d.doc_id for d in ov.documents]
        pair = [a, b] if a in ids and b in ids and a != b else None
        key = state["key"]
        fresh = not drawn or drawn.get("key") != key
        heat = interactive.topics_figure(ov) if fresh else gr.update()
        strips = plots.prominence_strips(ov) if fresh else gr.update()
        if fresh or drawn.get("pair") != pair:
            align = interactive.alignment_figure(ov, *pair) if pair else None
        else:
            align = gr.update()
        if hasattr(strips, "set_dpi"):
            strips.set_dpi(110)
        return heat, align, strips, {"key": key, "pair": pair}

    def on_plots_tab(self, state, drawn, a, b):
        return self.plots(state, drawn, a, b, always=True)

    def on_plots_follow(self, state, drawn, a, b):
        return self.plots(state, drawn, a, b, always=False)


def wire(tab: CompareTab, holder: LazyEngine, corpus_changed: list, demo: gr.Blocks) -> None:
    h = Handlers(holder)
    demo.load(user_errors(h.on_corpus), tab.picked, tab.picked, **PRIVATE)
    for event in corpus_changed:
        event.then(user_errors(h.on_corpus), tab.picked, tab.picked, **PRIVATE)
    ov_state = gr.State(None)  # {"key": ...} of the overview on screen, None until it is opened
    ov_drawn = gr.State(None)  # {"key", "pair"} of the plots on screen, None until they are drawn
    outputs = tab.overview_outputs(ov_state)
    ov_args = dict(concurrency_limit=CONCURRENCY, concurrency_id="overview", **PRIVATE)
    plot_io = dict(inputs=[ov_state, ov_drawn, tab.a, tab.b], outputs=[tab.heat, tab.align, tab.strips, ov_drawn])
    follow = dict(fn=user_errors(h.on_plots_follow), **plot_io, **ov_args)
    for event in corpus_changed:
        event.then(user_errors(h.on_corpus_changed), [ov_state, tab.a, tab.b, tab.show], outputs,
                   **ov_args).then(**follow)
    tab.section.expand(user_errors(h.on_open), [ov_state, tab.a, tab.b, tab.show], outputs, **ov_args).then(**follow)
    # a plotly plot redrawn while its tab was hidden is sized to nothing: resize when the tab shows
    tab.plots_tab.select(user_errors(h.on_plots_tab), **plot_io, **ov_args).then(
        None, None, None, js="() => document.querySelectorAll('#qa-ov-tabs .js-plotly-plot')"
                             ".forEach((gd) => window.Plotly && window.Plotly.Plots.resize(gd))", **PRIVATE)
    pair_args = dict(fn=user_errors(h.on_pair), inputs=[ov_state, tab.a, tab.b, tab.show],
                     outputs=[tab.show, tab.pair], **ov_args)
    for dd in (tab.a, tab.b):
        dd.input(**pair_args).then(**follow)
    tab.show.input(**pair_args)
    compare_args = dict(fn=user_errors(h.on_compare), inputs=[tab.topic, tab.picked], outputs=tab.comparison,
                        concurrency_limit=CONCURRENCY, concurrency_id="ask", **PRIVATE)
    tab.topic.submit(**compare_args)
    tab.compare_btn.click(**compare_args)
