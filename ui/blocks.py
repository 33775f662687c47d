"""The app's page: ``build_demo()`` lays out the tabs (``ask``, ``documents``, ``compare``) and wires their handlers;
nothing is opened or loaded until the first request. The app holds no retrieval logic: it calls
the ``Engine`` and renders with ``qa.present``. Every sentence a reply shows is fixed interface
wording or a verbatim, HTML-escaped slice of a document.
"""
from __future__ import annotations

import gradio as gr

from qa import DEFAULT_TOP_K, Settings
from qa.present import CSS
from qa.serving import LazyEngine

from . import ask, compare, documents, overview
from .ask import CONCURRENCY
from .common import PRIVATE, script, user_errors

#: The server takes no upload larger than this at all. The library refuses files over 10 MB
#: (qa.config.MAX_FILE_BYTES) one by one, naming each; this cap only guards the server, and is
#: set above 10 MB so that one big file does not make Gradio refuse a whole batch.
SERVER_UPLOAD_CAP = 64 * 1024 * 1024

#: The theme: system fonts only (the page fetches nothing from outside the server), and colours
#: dark enough for WCAG AA text contrast (4.5:1) on buttons, selected tabs and small print.
THEME = gr.themes.Default(primary_hue="blue", font=["ui-sans-serif", "system-ui", "sans-serif"],
                          font_mono=["ui-monospace", "monospace"]).set(
    button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
    button_primary_text_color="white", button_cancel_background_fill="#b91c1c",
    button_cancel_background_fill_hover="#991b1b", button_cancel_text_color="white",
    body_text_color_subdued="#4b5563", block_label_text_color="#374151", block_info_text_color="#4b5563",
    color_accent="*primary_700")

#: Options every launch uses (also the tests'): styling and the page's own script.
LAUNCH_OPTIONS = dict(css=CSS, js=script("page.js"), max_file_size=SERVER_UPLOAD_CAP, footer_links=["api"],
                      theme=THEME)


def add_api(holder: LazyEngine) -> None:
    """The named API endpoints (gradio_client): the same JSON as the command line."""

    @user_errors
    def api_ask(question: str, top_k: int = DEFAULT_TOP_K, doc_ids: list[str] | None = None) -> dict:
        """Ask a question; returns the same object as `python -m qa ask QUESTION --json`."""
        return holder.get().ask(question, top_k=int(top_k), doc_ids=list(doc_ids) if doc_ids else None).to_json()

    @user_errors
    def api_compare(topic: str, doc_ids: list[str] | None = None) -> dict:
        """Compare how the documents cover a topic; returns the object `python -m qa compare --json` prints."""
        return holder.get().compare(topic, list(doc_ids) if doc_ids else None).to_json()

    gr.api(api_ask, api_name="ask", concurrency_limit=CONCURRENCY, concurrency_id="ask")
    gr.api(api_compare, api_name="compare", concurrency_limit=CONCURRENCY, concurrency_id="ask")


def build_demo(settings: Settings | None = None, engine: LazyEngine | None = None) -> gr.Blocks:
    """The whole app as a gr.Blocks. Nothing is opened or loaded until the first request."""
    holder = engine or LazyEngine(settings)
    with gr.Blocks(title="Cited-passage Q&A", analytics_enabled=False) as demo:
        with gr.Row(elem_id="qa-head"):
            gr.Markdown("# Cited-passage Q&A", elem_id="qa-title")
            line = gr.Markdown("", elem_id="qa-corpus-line")
        selected = gr.CheckboxGroup(label="Documents to search", choices=[], value=[], elem_id="qa-docs-selected")
        with gr.Tabs(selected="ask") as tabs:
            with gr.Tab("Ask", id="ask"):
                ask_tab = ask.layout()
            with gr.Tab("Documents", id="documents"):
                docs_tab = documents.layout()
            with gr.Tab("Compare", id="compare"):
                compare_tab = compare.layout()
        gr.Markdown("REST API (JSON, the same objects as the command line): [/api/docs](/api/docs)",
                    elem_id="qa-rest-link")
        turns = gr.State([])
        # the documents ticked, as the Ask tab reads them: None until the page has filled the boxes,
        # so a question asked in the first second searches every document instead of none
        chosen = gr.State(None)
        # hidden: the citation-link handler's targets (assets/page.js) and the conversation download
        open_target = gr.Textbox(visible="hidden", elem_id="qa-open-target")
        open_button = gr.Button(visible="hidden", elem_id="qa-open-button")
        source_target = gr.Textbox(visible="hidden", elem_id="qa-source-target")
        source_button = gr.Button(visible="hidden", elem_id="qa-source-button")
        export_text = gr.Textbox(visible="hidden", elem_id="qa-export-text")

        ask.wire(ask_tab, holder, demo, chosen, turns, export_text)
        changed = documents.wire(docs_tab, holder, demo, selected, tabs, open_target, open_button)
        source_button.click(user_errors(documents.Handlers(holder).on_source), source_target, ask_tab.source,
                            show_progress_on=ask_tab.source, **PRIVATE).success(
            None, None, None, js=script("show_source.js"), **PRIVATE)
        selected.change(user_errors(lambda ids: (documents.corpus_line(holder.get(), ids), list(ids or []))),
                        selected, [line, chosen], show_progress="hidden", **PRIVATE)
        overview.wire(compare_tab, holder, changed, demo)
        add_api(holder)
    demo.qa_engine = holder
    return demo
