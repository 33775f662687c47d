"""The Compare tab's layout and views: one topic across the documents, and the corpus overview
(side by side, topics, quoted sources, plots) computed when its section is first opened."""
from __future__ import annotations

import atexit
import hashlib
import json
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from qa import MAX_QUESTION_CHARS, Engine
from qa.analysis import cache_key, side_by_side
from qa.present import span_href
from qa.present.exports import overview_bundle
from qa.present.html import short_title, side_by_side_html, topics_html
from qa.types import doc_labels

SHOW = ("all", "shared", "only-a", "only-b")
OVERVIEW_HINT = ('<div class="qa-meta">The overview covers every document in the corpus. '
                 "Open this section to compute it.</div>")


@dataclass
class CompareTab:
    picked: gr.CheckboxGroup
    topic: gr.Textbox
    compare_btn: gr.Button
    comparison: gr.HTML
    section: gr.Accordion
    docs: gr.HTML
    a: gr.Dropdown
    b: gr.Dropdown
    md: gr.DownloadButton
    csv: gr.DownloadButton
    show: gr.Radio
    pair: gr.HTML
    topics: gr.HTML
    ledger: gr.HTML
    plots_tab: gr.Tab
    heat: gr.Plot
    align: gr.Plot
    strips: gr.Plot

    def overview_outputs(self, state) -> list:
        return [state, self.docs, self.a, self.b, self.show, self.pair, self.topics, self.ledger, self.md, self.csv]


def layout() -> CompareTab:
    picked = gr.CheckboxGroup(label="Documents to compare", choices=[], value=[], elem_id="qa-compare-docs")
    with gr.Row():
        topic = gr.Textbox(show_label=False, placeholder="A topic, e.g. mobilisation", scale=5,
                           elem_id="qa-topic", max_length=MAX_QUESTION_CHARS)
        compare_btn = gr.Button("Compare", variant="primary", scale=1, elem_id="qa-compare")
    comparison = gr.HTML(elem_id="qa-comparison")
    with gr.Accordion("Corpus overview: what the documents share, what only one covers, topics and "
                      "quoted sources", open=False, elem_id="qa-overview") as section:
        docs = gr.HTML(OVERVIEW_HINT, elem_id="qa-ov-docs")
        with gr.Row(equal_height=True):
            a = gr.Dropdown(label="Left document", choices=[], value=None, scale=2, elem_id="qa-ov-a")
            b = gr.Dropdown(label="Right document", choices=[], value=None, scale=2, elem_id="qa-ov-b")
            with gr.Column(scale=1, min_width=200):
                md = gr.DownloadButton("Download the overview (Markdown)", value=None, interactive=False,
                                       size="sm", elem_id="qa-ov-md")
                csv = gr.DownloadButton("Download its tables (CSV, zip)", value=None, interactive=False,
                                        size="sm", elem_id="qa-ov-csv")
        with gr.Tabs(selected="ov-pair", elem_id="qa-ov-tabs"):
            with gr.Tab("Side by side", id="ov-pair"):
                show = gr.Radio([("all rows", "all"), ("shared", "shared"), ("only in A", "only-a"),
                                 ("only in B", "only-b")], value="all", label="Rows to show", show_label=False,
                                container=False,
                                elem_id="qa-ov-show")
                pair = gr.HTML(elem_id="qa-ov-pair")
            with gr.Tab("Topics", id="ov-topics"):
                topics = gr.HTML(elem_id="qa-ov-topics")
            with gr.Tab("Quoted sources", id="ov-sources"):
                ledger = gr.HTML(elem_id="qa-ov-ledger")
            with gr.Tab("Plots", id="ov-plots") as plots_tab:
                heat = gr.Plot(show_label=False, format="png", elem_id="qa-ov-heatmap")
                align = gr.Plot(show_label=False, format="png", elem_id="qa-ov-alignment")
                strips = gr.Plot(show_label=False, format="png", elem_id="qa-ov-strips")
    return CompareTab(picked, topic, compare_btn, comparison, section, docs, a, b, md, csv, show, pair, topics, ledger,
                      plots_tab, heat, align, strips)


# -- pure views ------------------------------------------------------------------------------------

def overview_key(eng: Engine) -> str:
    """What a shown overview depends on (the documents' content hashes, the model): when it changes,
    the overview is fetched again (the engine recomputes it only then)."""
    return json.dumps(cache_key(eng.manifest, None), sort_keys=True)


def compare_choices(eng: Engine, picked: list[str] | None):
    """The Compare tab's document boxes for the corpus as it is: the documents picked that are still
    there, else the first two (the two articles of the default corpus)."""
    docs = eng.documents
    labels = doc_labels([d.doc_id for d in docs])
    ids = [d.doc_id for d in docs]
    kept = [i for i in picked or [] if i in ids] or ids[:2]
    return gr.CheckboxGroup(choices=[(f"{labels[d.doc_id]} · {short_title(d.title)}", d.doc_id) for d in docs],
                            value=kept)


def pick_pair(ids: list[str], a: str | None, b: str | None) -> tuple[str | None, str | None]:
    """The chosen pair when both are still in the corpus and differ, else the first two documents."""
    a = a if a in ids else (ids[0] if ids else None)
    b = b if b in ids and b != a else next((i for i in ids if i != a), None)
    return a, b


def show_choices(ov, a: str | None, b: str | None) -> list[tuple[str, str]]:
    """The side-by-side table's row filter, named with the pair's labels."""
    la = ov.label(a) if a else "A"
    lb = ov.label(b) if b else "B"
    return [("all rows", "all"), ("shared", "shared"), (f"only in {la}", "only-a"), (f"only in {lb}", "only-b")]


def overview_pair_html(ov, a: str | None, b: str | None, show: str = "all") -> str:
    """The side-by-side table of two documents, with links into the reader."""
    ids = [d.doc_id for d in ov.documents]
    if len(ids) < 2:
        return '<div class="qa-meta">The side-by-side table needs at least two documents in the corpus.</div>'
    if a not in ids or b not in ids or a == b:
        return '<div class="qa-meta">Choose two different documents.</div>'
    return side_by_side_html(side_by_side(ov, a, b), ov.doc(a), ov.doc(b), ov.alignment.bar(a, b),
                             link=span_href, show=show or "all")


def overview_topics_html(ov) -> str:
    from qa.present.plots import topic_hex

    spans = {(r.passage.doc_id, r.passage.paragraph): r.passage for r in ov.alignment.paragraphs}
    return topics_html(ov.topics.topics, ov.documents, spans, link=span_href, color=topic_hex)


_export_lock = threading.Lock()
_export_dir: Path | None = None


def overview_exports(ov, key: str) -> tuple[str, str]:
    """overview.md and overview-csv.zip in a temp folder of this process, one subfolder per corpus
    state; never in the corpus or index folders."""
    global _export_dir
    with _export_lock:
        if _export_dir is None:
            _export_dir = Path(tempfile.mkdtemp(prefix="qa-overview-"))
            atexit.register(shutil.rmtree, _export_dir, True)
        md, zpath = overview_bundle(ov, _export_dir / hashlib.sha256(key.encode()).hexdigest()[:16])
    return str(md), str(zpath)
