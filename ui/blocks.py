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
from .common import script, user_errors

#: The server takes no upload larger than this at all. The library refuses files over 10 MB
#: (qa.config.MAX_FILE_BYTES) one by one, naming each; this cap only guards the server, and is
#: set above 10 MB so that one big file does not make Gradio refuse a whole batch.
SERVER_UPLOAD_CAP = 64 * 1024 * 1024

#: Options every launch uses (also the tests'): styling and the citation-link handler.
#: System fonts only: the page fetches nothing from outside the server.
LAUNCH_OPTIONS = dict(css=CSS, js=script("open_link.js"), max_file_size=SERVER_UPLOAD_CAP, footer_links=["api"],
                      theme=gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                                              font_mono=["ui-monospace", "monospace"]))


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
        gr.Markdown("## Cited-passage Q&A\nAnswers are passages quoted verbatim from the documents, "
                    "each with its citation. When no passage answers, the app says so.")
        selected = gr.CheckboxGroup(label="Documents to search and compare", choices=[], value=[],
                                    elem_id="qa-docs-selected")
        with gr.Tabs(selected="ask") as tabs:
            with gr.Tab("Ask", id="ask"):
                ask_tab = ask.layout()
            with gr.Tab("Documents", id="documents"):
                docs_tab = documents.layout()
            with gr.Tab("Compare", id="compare"):
                compare_tab = compare.layout()
        turns = gr.State([])
        # hidden: the citation-link handler (assets/open_link.js) and the conversation download
        open_target = gr.Textbox(visible="hidden", elem_id="qa-open-target")
        open_button = gr.Button(visible="hidden", elem_id="qa-open-button")
        export_text = gr.Textbox(visible="hidden", elem_id="qa-export-text")

        gr.Markdown("REST API (JSON, the same objects as the command line): [/api/docs](/api/docs)",
                    elem_id="qa-rest-link")
        ask.wire(ask_tab, holder, selected, turns, export_text)
        changed = documents.wire(docs_tab, holder, demo, selected, tabs, open_target, open_button)
        overview.wire(compare_tab, holder, selected, changed)
        add_api(holder)
    demo.qa_engine = holder
    return demo
