"""The Documents tab: the document list, the reader, and adding or removing documents."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from qa import Engine, QAError
from qa.present import EMPTY_READER, md_escape, md_link, parse_open_target
from qa.present.html import documents_table_html, reader_html, short_title
from qa.serving import LazyEngine
from qa.types import doc_labels

from .common import PRIVATE, progress_callback, refusal, script, user_errors, without_name

#: After adding: the status line in view (the reader above it may be long).
SHOW_STATUS = "() => setTimeout(() => document.querySelector('#qa-status')?.scrollIntoView({block: 'center'}), 50)"


@dataclass
class DocumentsTab:
    table: gr.HTML
    pick: gr.Dropdown
    remove_btn: gr.Button
    reader: gr.HTML
    files: gr.File
    add_btn: gr.Button
    url: gr.Textbox
    url_btn: gr.Button
    status: gr.Markdown


def layout() -> DocumentsTab:
    table = gr.HTML(documents_table_html([]), elem_id="qa-doc-table")
    with gr.Row():
        pick = gr.Dropdown(label="Read a document", choices=[], value=None, scale=4, elem_id="qa-pick")
        remove_btn = gr.Button("Remove this document", variant="stop", scale=1, elem_id="qa-remove")
    with gr.Accordion("Add documents", open=True):
        files = gr.File(label="Upload .txt, .md, .html, .pdf or .docx files (up to 10 MB each)",
                        # no file_types filter: a file of another type is refused by the server with its
                        # name and the reason, where the browser would drop it without a word
                        file_count="multiple", type="filepath", elem_id="qa-upload")
        add_btn = gr.Button("Add to the corpus", elem_id="qa-add")
        # right under the buttons that fill it, so what was added (or why not) is in view
        status = gr.Markdown(elem_id="qa-status")
        with gr.Row():
            url = gr.Textbox(label="Add from URL (http or https: a web page, PDF or .docx)", max_lines=1,
                             placeholder="https://example.com/article.html", scale=4, elem_id="qa-url")
            url_btn = gr.Button("Fetch and add", scale=1, elem_id="qa-url-add")
    reader = gr.HTML(EMPTY_READER, elem_id="qa-reader")
    return DocumentsTab(table, pick, remove_btn, reader, files, add_btn, url, url_btn, status)


def doc_views(eng: Engine, selected: list[str] | None = None):
    """The document choices, the table and the reader's picker, for the corpus as it is now;
    ``selected`` keeps the reader's choice of documents to search (all when None)."""
    docs = eng.documents
    ids = [d.doc_id for d in docs]
    labels = doc_labels(ids)
    boxes = [(f"{labels[d.doc_id]} · {short_title(d.title)}", d.doc_id) for d in docs]
    value = ids if selected is None else [i for i in selected if i in ids]
    return (gr.CheckboxGroup(choices=boxes, value=value), documents_table_html(docs),
            gr.Dropdown(choices=[(d.title, d.doc_id) for d in docs], value=None))


def corpus_line(eng: Engine, selected: list[str] | None, shown: int = 4) -> str:
    """One line naming what is indexed, each document by its short label and title."""
    docs = eng.documents
    labels = doc_labels([d.doc_id for d in docs])
    named = ", ".join(f"{labels[d.doc_id]} “{md_escape(short_title(d.title, 7))}”" for d in docs[:shown])
    more = f" and {len(docs) - shown} more" if len(docs) > shown else ""
    n = len(docs)
    searching = len([i for i in selected or [] if i in labels])
    which = "" if searching == n else f" ({searching} chosen below)"
    return f"**{n} document{'s' if n != 1 else ''}**{which}: {named}{more}."


def _add_one(eng: Engine, path: Path | str, progress) -> tuple[str, str]:
    """("added" | "same" | "refused", the title or the reason) for one uploaded file, or a URL (str)."""
    skipped_before = set(eng.manifest.skipped)
    try:
        if isinstance(path, str):
            report = eng.add_url(path, progress=progress_callback(progress))
        else:
            report = eng.add([path], progress=progress_callback(progress))
    except QAError as exc:
        return "refused", str(exc)
    newly_skipped = [m for k, m in eng.manifest.skipped.items() if k not in skipped_before]
    if newly_skipped:
        return "refused", "; ".join(newly_skipped)
    if report.added or report.changed:
        return "added", ", ".join(eng.document(d).title for d in report.added + report.changed)
    return "same", ""


def discard_upload(path: Path) -> None:
    """Delete an uploaded file from Gradio's upload cache once the corpus holds its copy (or it was
    refused), so ``/gradio_api/file=`` cannot serve it after the document is removed. Only paths
    inside that cache are touched: a request cannot make the app delete anything else."""
    from gradio.utils import get_upload_folder

    cache = Path(get_upload_folder()).resolve()
    try:
        real = path.resolve()
    except OSError:
        return
    if real == cache or cache not in real.parents:
        return
    real.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # Gradio keeps each upload in a folder of its own
        if real.parent != cache:
            real.parent.rmdir()


def upload_status(results: list[tuple[str, str, str]]) -> str:
    """The status lines for (file name, outcome, title or reason) of each uploaded file."""
    lines = []
    lines += [f"- Added **{md_escape(n)}** as “{md_escape(t)}”." for n, o, t in results if o == "added"]
    lines += [f"- **{md_escape(n)}** is already in the corpus, unchanged." for n, o, _ in results if o == "same"]
    lines += [f"- Refused **{md_escape(n)}**: {md_escape(without_name(why, n))}"
              for n, o, why in results if o == "refused"]
    return "\n".join(lines)


def reader_for(eng: Engine, target: str, prefix: str = "qa") -> tuple[str, str]:
    """(the document's id, the reader opened at a citation's target (``qa.present.links``), its
    passage highlighted). The target comes from the browser: anything but a document's valid span
    is refused."""
    try:
        doc_id, focus, highlight = parse_open_target(target or "")
    except ValueError:
        raise refusal("That link does not point to a document.") from None
    if doc_id not in {d.doc_id for d in eng.documents}:  # a citation given before its document was removed
        raise refusal("The cited document is no longer in the corpus: it was removed after this answer. "
                      "Ask again to search the documents there now.")
    doc = eng.document(doc_id)
    n = len(doc.text)
    if focus is not None and not (0 <= focus[0] < focus[1] <= n):
        focus = None
    highlight = [(s, e) for s, e in highlight if 0 <= s < e <= n]
    return doc_id, reader_html(doc, focus, highlight, original=True, prefix=prefix)


class Handlers:
    def __init__(self, holder: LazyEngine):
        self.holder = holder

    def on_load(self, progress=gr.Progress()):
        return doc_views(self.holder.get(progress_callback(progress)))

    def on_open(self, target):
        """A citation outside the conversation: the reader of this tab, which is brought forward."""
        doc_id, reader = reader_for(self.holder.get(), target)
        return reader, gr.Dropdown(value=doc_id), gr.Tabs(selected="documents")

    def on_source(self, target):
        """A citation in the conversation: the source panel beside it (the chat stays in view)."""
        return reader_for(self.holder.get(), target, prefix="qa-src")[1]

    def on_pick(self, doc_id):
        return reader_html(self.holder.get().document(doc_id), original=True) if doc_id else EMPTY_READER

    def on_upload(self, files, selected, progress=gr.Progress()):
        if not files:
            raise refusal("Choose one or more .txt, .md, .html, .pdf or .docx files first.")
        eng = self.holder.get()
        before = {d.doc_id for d in eng.documents}
        results = []
        for i, f in enumerate(files):
            path = Path(f)
            progress((i, len(files)), desc=f"adding {path.name}")
            try:
                results.append((path.name, *_add_one(eng, path, progress)))
            finally:
                discard_upload(path)
        new_ids = [d.doc_id for d in eng.documents if d.doc_id not in before]
        boxes, table, dropdown = doc_views(eng, list(selected or []) + new_ids)
        refused = [(n, why) for n, o, why in results if o == "refused"]
        if refused:
            gr.Warning("Refused: " + "; ".join(f"{n} ({without_name(why, n)})" for n, why in refused), duration=8)
        added = [n for n, o, _ in results if o == "added"]
        if added:
            gr.Info(f"Added {', '.join(added)}: now searched with the rest.", duration=5)
        return upload_status(results), boxes, table, dropdown, None

    def on_url(self, url, selected, progress=gr.Progress()):
        url = (url or "").strip()
        if not url:
            raise refusal("Type the address of a web page (http:// or https://) first.")
        eng = self.holder.get()
        before = {d.doc_id for d in eng.documents}
        progress((0, 1), desc="fetching")
        outcome, detail = _add_one(eng, url[:4000], progress)
        new_ids = [d.doc_id for d in eng.documents if d.doc_id not in before]
        boxes, table, dropdown = doc_views(eng, list(selected or []) + new_ids)
        if outcome == "refused":
            gr.Warning(f"Refused: {detail}", duration=8)
            return f"- Refused {md_link(url)}: {md_escape(without_name(detail, url))}", boxes, table, dropdown, \
                gr.update()
        if outcome == "added":
            gr.Info(f"Added “{detail}”: now searched with the rest.", duration=5)
        status = (f"- Added “{md_escape(detail)}” from {md_link(url)}." if outcome == "added"
                  else f"- {md_link(url)} is already in the corpus, unchanged.")
        return status, boxes, table, dropdown, ""

    def on_remove(self, doc_id, selected, progress=gr.Progress()):
        if not doc_id:
            return gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
        eng = self.holder.get()
        title = eng.document(doc_id).title
        eng.remove(doc_id, progress=progress_callback(progress))
        boxes, table, dropdown = doc_views(eng, list(selected or []))
        return f"- Removed “{md_escape(title)}”.", boxes, table, dropdown, EMPTY_READER


def wire(tab: DocumentsTab, holder: LazyEngine, demo: gr.Blocks, selected: gr.CheckboxGroup, tabs: gr.Tabs,
         open_target: gr.Textbox, open_button: gr.Button) -> list:
    """Wire the tab; returns the events after which the corpus may have changed (upload, removal)."""
    h = Handlers(holder)
    demo.load(user_errors(h.on_load), None, [selected, tab.table, tab.pick], **PRIVATE)
    open_button.click(user_errors(h.on_open), open_target, [tab.reader, tab.pick, tabs], **PRIVATE).success(
        None, None, None, js=script("scroll_reader.js"), **PRIVATE)
    tab.pick.input(user_errors(h.on_pick), tab.pick, tab.reader, **PRIVATE)
    # one progress display, on the status line, not one over each component an event updates; then
    # the status line is brought into view
    added = tab.add_btn.click(user_errors(h.on_upload), [tab.files, selected],
                              [tab.status, selected, tab.table, tab.pick, tab.files], show_progress_on=tab.status,
                              **PRIVATE)
    fetched = [trigger(user_errors(h.on_url), [tab.url, selected],
                       [tab.status, selected, tab.table, tab.pick, tab.url], show_progress_on=tab.status, **PRIVATE)
               for trigger in (tab.url_btn.click, tab.url.submit)]
    for event in (added, *fetched):
        event.then(None, None, None, js=SHOW_STATUS, **PRIVATE)
    removed = tab.remove_btn.click(user_errors(h.on_remove), [tab.pick, selected],
                                   [tab.status, selected, tab.table, tab.pick, tab.reader],
                                   js=script("confirm_remove.js"), show_progress_on=tab.status, **PRIVATE)
    return [added, *fetched, removed]
