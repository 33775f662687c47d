"""The browser app: a Gradio face on the ``qa`` library (ask, read, compare, upload, export).

Run it with ``python app.py`` (or ``make run``): it serves http://127.0.0.1:7860 (the port comes
from GRADIO_SERVER_PORT), with no share link and analytics off. Importing this module builds
``demo`` and nothing else: the index is opened (built or updated when needed) and the model loaded
on first use, so tests and ``gradio app.py`` can import it freely.

The app holds no retrieval logic: it calls ``Engine.ask``, ``Engine.compare``, ``Engine.add``,
``Engine.remove`` and ``qa.overview.get_overview`` (the Compare tab's corpus overview, with
``qa.plots``) and renders their results with ``qa.render``. Every sentence a reply shows is
either fixed interface wording or a verbatim, HTML-escaped slice of a document.

API (usable with gradio_client, see the README)::

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")
    client.predict("Who confronted Putin?", 5, None, api_name="/ask")   # same object as qa ask --json
    client.predict("mobilisation", api_name="/compare")                # same object as qa compare --json
"""
from __future__ import annotations

import atexit
import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import zipfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr  # noqa: E402

from qa import MAX_QUESTION_CHARS, Answer, Engine, Hit, QAError, Settings, render  # noqa: E402
from qa.overview import cache_key, get_overview, side_by_side, to_markdown, write_csv  # noqa: E402

log = logging.getLogger("app")

#: The server takes no upload larger than this at all. The library refuses files over 10 MB
#: (qa.config.MAX_FILE_BYTES) one by one, naming each; this cap only guards the server, and is
#: set above 10 MB so that one big file does not make Gradio refuse a whole batch.
SERVER_UPLOAD_CAP = 64 * 1024 * 1024
#: How many passages a chat reply cites unless the reader changes it.
DEFAULT_TOP_K = 5
#: How many questions may be searched at once (the engine is thread-safe for reading).
CONCURRENCY = 4
#: Prefix of the links that open a document in the reader (handled by OPEN_JS in the browser).
OPEN_PREFIX = "#qa-open:"


# -- the engine, opened on first use -------------------------------------------------------------------

class LazyEngine:
    """Opens ``Engine`` on first use (building or updating the index), once, whoever asks first.

    ``progress(stage, done, total)`` is told how the opening goes, also to a caller that only
    waits while another request (or the warm-up) is opening it.
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._status: tuple[str, int, int] | None = None

    def get(self, progress=None) -> Engine:
        if self._engine is not None:
            return self._engine
        while not self._lock.acquire(timeout=0.25):
            if progress is not None and self._status is not None:
                progress(*self._status)
        try:
            if self._engine is None:
                def report(stage: str, done: int, total: int) -> None:
                    self._status = (stage, done, total)
                    if progress is not None:
                        progress(stage, done, total)
                self._engine = Engine.open(self.settings or Settings(), progress=report)
                log.info("index ready: %d documents", len(self._engine.documents))
        finally:
            self._lock.release()
        return self._engine

    def warm_up(self) -> None:
        """Open the index and load the model now, so the first question is answered at once."""
        try:
            t0 = time.perf_counter()
            engine = self.get()
            t1 = time.perf_counter()
            engine.embedder.encode(["warm up"])
            log.info("ready: index opened in %.1f s, model loaded in %.1f s", t1 - t0, time.perf_counter() - t1)
        except Exception:  # the first request will raise it again, with a message for the reader
            log.exception("warm-up failed")


def _user_errors(fn):
    """Show the library's errors (QAError) to the reader as gr.Error with the library's message."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except QAError as exc:
            raise gr.Error(str(exc)) from None
    return wrapper


def _progress_callback(progress):
    """Adapt gr.Progress to the library's progress(stage, done, total)."""
    if progress is None:
        return None

    def report(stage: str, done: int, total: int) -> None:
        try:
            progress((done, max(total, 1)), desc=f"index: {stage}")
        except Exception:  # progress is cosmetic; never let it break indexing
            pass
    return report


# -- conversation --------------------------------------------------------------------------------------

_CONNECTIVE = re.compile(r"^\s*(and|but|also|so|then|what about|how about|what else|anything else)\b", re.I)
_OTHER_DOC = re.compile(r"\b(the\s+)?other\s+(article|document|one|source|text|piece|report|story)\b", re.I)
_PRONOUN = re.compile(r"\b(he|she|it|they|him|her|them|his|its|their|this|that|these|those|there)\b", re.I)
_STOP = set("a an the of to in on at by for with about from and or but is are was were be been do does did "
            "what who whom whose which when where why how it its this that these those he she they him her "
            "them his their there say says said tell me us you your other article document one also else".split())


def is_follow_up(question: str) -> bool:
    """Whether a chat question leans on the previous one (see ``search_plan``)."""
    words = re.findall(r"[A-Za-z0-9’']+", question)
    content = [w for w in words if w.lower() not in _STOP]
    names = [w for w in words[1:] if w[:1].isupper()]
    return bool(_CONNECTIVE.search(question) or _OTHER_DOC.search(question) or len(content) < 2
                or (_PRONOUN.search(question) and not names))


def search_plan(question: str, turns: list[dict], selected: list[str]) -> tuple[str, list[str], str]:
    """What the chat searches for a question, given the conversation so far.

    Returns ``(text to search, document ids to search, note shown to the reader or "")``.

    The engine answers one question at a time; the chat adds only this:

    - A question is a *follow-up* when it opens with a connective ("and ...", "but ...",
      "what about ...", "how about ..."), mentions "the other article / document / one",
      has fewer than two content words ("why?", "and Swat?"), or uses a pronoun such as
      he / she / it / they / this / that and names no one (no capitalised word after the first).
    - A follow-up is searched as the conversation's last self-contained question followed by
      the follow-up itself, minus any "the other article/document/one": "Who confronted Putin?"
      then "and what about Swat?" searches "Who confronted Putin? and what about Swat?". When the
      follow-up adds no content word ("and why?", "and what does the other article say?"), the
      earlier question is searched alone.
    - If it mentions the other article/document/one, it searches the selected documents except
      the one that gave the previous reply's first passage (when that leaves any).
    - Otherwise the question is searched as typed, in the selected documents. Earlier answers
      are never fed back into the search. The reply says when a follow-up was expanded.
    """
    base = next((t["base"] for t in reversed(turns) if t.get("base")), None)
    if not turns or base is None or not is_follow_up(question):
        return question, list(selected), ""
    rest = _OTHER_DOC.sub(" ", question)
    rest = re.sub(r"\s+", " ", rest).strip(" ,;:")
    has_content = any(w.lower() not in _STOP for w in re.findall(r"[A-Za-z0-9’']+", rest))
    text = f"{base} {rest}" if has_content else base
    doc_ids = list(selected)
    note = f"Follow-up: searched “{text}”"
    if _OTHER_DOC.search(question):
        prev = turns[-1]["answer"]
        first = prev.passages[0].doc_id if prev.passages else None
        others = [d for d in doc_ids if d != first]
        if first is not None and others:
            doc_ids = others
            note += " in the documents other than the one cited first before"
    return text, doc_ids, note + "."


def open_href(hit: Hit) -> str:
    """The link that opens a hit in the reader: #qa-open:<doc_id>/<start>-<end>/<s>-<e>,<s>-<e>."""
    return span_href(hit.doc_id, hit.start, hit.end, hit.highlight)


def span_href(doc_id: str, start: int | None = None, end: int | None = None, highlight=()) -> str:
    """The link that opens a document in the reader at [start, end) with ``highlight`` marked
    (the document's top when start is None); see ``parse_open_target``."""
    if start is None or end is None:
        return f"{OPEN_PREFIX}{doc_id}"
    spans = ",".join(f"{s}-{e}" for s, e in highlight)
    return f"{OPEN_PREFIX}{doc_id}/{start}-{end}/{spans}"


def parse_open_target(target: str) -> tuple[str, tuple[int, int] | None, list[tuple[int, int]]]:
    """The inverse of ``open_href`` (without the prefix); a bare doc id opens the document's top.

    Raises ValueError for anything else: the target comes from the browser and is not trusted.
    """
    parts = target.strip().split("/")
    if not parts[0] or len(parts) > 3 or not re.fullmatch(r"[A-Za-z0-9_.-]+", parts[0]):
        raise ValueError(f"not a document link: {target!r}")

    def span(s: str) -> tuple[int, int]:
        a, b = s.split("-")
        return int(a), int(b)

    focus = span(parts[1]) if len(parts) > 1 and parts[1] else None
    highlight = [span(s) for s in parts[2].split(",") if s] if len(parts) > 2 else []
    return parts[0], focus, highlight


def _without_name(message: str, name: str) -> str:
    """A library message without its leading "name: " (the app shows the name itself)."""
    return message[len(name) + 2:] if message.startswith(name + ": ") else message


def reply_html(turn: dict) -> str:
    return render.answer_html(turn["answer"], href=open_href, note=turn.get("note", ""))


def chat_messages(turns: list[dict]) -> list[dict]:
    """The Chatbot's messages: each question (escaped, shown as typed) and its rendered reply."""
    out = []
    for t in turns:
        out.append({"role": "user", "content": render.md_escape(t["question"])})
        out.append({"role": "assistant", "content": reply_html(t)})
    return out


def conversation_markdown(turns: list[dict]) -> str:
    """The conversation as Markdown: each question, its verdict and every citation verbatim."""
    parts = ["# Conversation", ""]
    for t in turns:
        ans: Answer = dataclasses.replace(t["answer"], question=t["question"])
        md = render.answer_markdown(ans).rstrip()
        if t.get("note"):
            heading, rest = md.split("\n", 1)
            md = f"{heading}\n\n*{render.md_escape(t['note'])}*\n{rest}"
        parts += [md, ""]
    return "\n".join(parts).rstrip() + "\n"


# -- documents -----------------------------------------------------------------------------------------

def documents_table_html(docs) -> str:
    """The document list: title (a link that opens the reader), source, paragraphs, when added."""
    rows = []
    for d in docs:
        added = d.added.replace("T", " ").replace("+00:00", " UTC") if d.added else ""
        rows.append(f'<tr><td><a class="qa-doc-link" href="{render.html_escape(OPEN_PREFIX + d.doc_id)}">'
                    f"{render.html_escape(d.title)}</a></td><td>{render.html_escape(d.source)}</td>"
                    f'<td class="qa-num-cell">{len(d.passages)}</td><td>{render.html_escape(added)}</td>'
                    f"<td><code>{render.html_escape(d.doc_id)}</code></td></tr>")
    return ('<table class="qa-docs"><thead><tr><th>Title</th><th>Source</th><th>Paragraphs</th>'
            "<th>Added</th><th>Id</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def reader_html(doc, focus=None, highlight=()) -> str:
    where = ""
    if focus is not None:
        para = next((b.paragraph for b in doc.blocks if b.start <= focus[0] < b.end and b.paragraph), None)
        where = f" — paragraph {para}" if para else ""
    head = (f'<div class="qa-reader-head"><b>{render.html_escape(doc.title)}</b>{where}<br>'
            f'<span class="qa-meta">{render.html_escape(doc.source)} · {len(doc.passages)} paragraphs</span></div>')
    return f'<div class="qa-reader" id="qa-reader-body">{head}{render.document_html(doc, focus, highlight)}</div>'


EMPTY_READER = '<div class="qa-reader qa-reader-empty">Choose a document, or open a citation from a reply.</div>'


# -- corpus overview -----------------------------------------------------------------------------------

#: One overview computation at a time (it writes the index's overview cache), and one set of plots
#: at a time (matplotlib's pyplot keeps global state).
_OVERVIEW_LOCK = threading.Lock()
_PLOT_LOCK = threading.Lock()
_EXPORT_LOCK = threading.Lock()
_export_dir: Path | None = None

OVERVIEW_HINT = ('<div class="qa-meta">The overview covers every document in the corpus. '
                 "Open this section to compute it.</div>")


def overview_key(eng: Engine) -> str:
    """What a shown overview depends on (the documents' content hashes, the model): when it changes,
    the overview is fetched again (``get_overview`` recomputes it only then)."""
    return json.dumps(cache_key(eng.manifest, None), sort_keys=True)


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
    return render.side_by_side_html(side_by_side(ov, a, b), ov.doc(a), ov.doc(b), ov.alignment.bar(a, b),
                                    link=span_href, show=show or "all")


def overview_topics_html(ov) -> str:
    from matplotlib.colors import to_hex

    from qa import plots

    spans = {(r.passage.doc_id, r.passage.paragraph): r.passage for r in ov.alignment.paragraphs}
    return render.topics_html(ov.topics.topics, ov.documents, spans, link=span_href,
                              color=lambda i: to_hex(plots.topic_color(i)))


def overview_exports(ov, key: str) -> tuple[str, str]:
    """overview.md and overview-csv.zip (alignment.csv, topics.csv, ledger.csv) in a temp folder of
    this process, one subfolder per corpus state; never in the corpus or index folders."""
    global _export_dir
    with _EXPORT_LOCK:
        if _export_dir is None:
            _export_dir = Path(tempfile.mkdtemp(prefix="qa-overview-"))
            atexit.register(shutil.rmtree, _export_dir, True)
        folder = _export_dir / hashlib.sha256(key.encode()).hexdigest()[:16]
        md, zpath = folder / "overview.md", folder / "overview-csv.zip"
        if not zpath.exists():
            folder.mkdir(parents=True, exist_ok=True)
            md.write_text(to_markdown(ov), encoding="utf-8")
            tables = write_csv(ov, folder / "csv")
            tmp = folder / "overview-csv.zip.tmp"
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                for path in tables:
                    z.write(path, path.name)
            os.replace(tmp, zpath)
    return str(md), str(zpath)


# -- browser-side glue ---------------------------------------------------------------------------------

#: Links in replies and lists carry OPEN_PREFIX; a click puts the target in a hidden box and presses
#: a hidden button, which renders the reader on the server. No document text goes through here.
OPEN_JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="%s"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector('#qa-open-target textarea, #qa-open-target input');
    const button = document.querySelector('#qa-open-button');
    if (!box || !button) return;
    box.value = decodeURIComponent(link.getAttribute('href').slice(%d));
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => button.click(), 0);
  }, true);
}
""" % (OPEN_PREFIX, len(OPEN_PREFIX))

SCROLL_JS = """
() => {
  const go = (tries) => {
    const body = document.querySelector('#qa-reader-body');
    const target = body && (body.querySelector('.qa-focus') || body);
    if (!target || target.offsetParent === null) { if (tries > 0) setTimeout(() => go(tries - 1), 100); return; }
    const para = body.querySelector('.qa-focus');
    if (para) { para.scrollIntoView({block: 'center'}); }
    else { body.scrollTop = 0; document.querySelector('#qa-reader-body')?.scrollIntoView({block: 'start'}); }
  };
  setTimeout(() => go(20), 50);
}
"""

#: After a reply: show the start of the newest question and its reply, not the end of the reply.
SHOW_LATEST_JS = """
() => {
  setTimeout(() => {
    const wrap = document.querySelector('#qa-chat .bubble-wrap');
    const rows = document.querySelectorAll('#qa-chat .message-row.user-row');
    const last = rows[rows.length - 1];
    if (!wrap || !last) return;
    wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
  }, 100);
}
"""

DOWNLOAD_JS = """
(text) => {
  if (!text) return;
  const url = URL.createObjectURL(new Blob([text], {type: 'text/markdown;charset=utf-8'}));
  const a = document.createElement('a');
  a.href = url; a.download = 'conversation.md';
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 2000);
}
"""

CONFIRM_REMOVE_JS = """
(docId, selected) => [
  (docId && confirm('Remove this document from the corpus and the index?')) ? docId : null, selected]
"""

CSS = """
.qa-answer { line-height: 1.5; }
.qa-note { font-size: 0.85em; opacity: 0.75; margin-bottom: 0.4em; }
.qa-verdict { font-weight: 600; margin-bottom: 0.4em; }
.qa-verdict-no { color: #b42318; }
.qa-closest { font-style: italic; opacity: 0.8; margin: 0.3em 0 0.4em; border-top: 1px dashed #999; padding-top: 0.4em; }
.qa-hit { margin: 0.5em 0 0.8em; }
.qa-not-answered .qa-hit { opacity: 0.85; }
.qa-hit-head { font-size: 0.92em; }
.qa-num a, .qa-num { font-weight: 700; text-decoration: none; }
.qa-cite, .qa-cite-title, .qa-doc-link { cursor: pointer; }
.qa-meta { opacity: 0.75; }
blockquote.qa-passage { margin: 0.25em 0 0 0 !important; padding: 0.3em 0.8em; border-left: 3px solid #9ca3af; }
.qa-not-answered blockquote.qa-passage { border-left-style: dashed; }
mark.qa-hl { background: #fde68a; color: #111; padding: 0 1px; border-radius: 2px; }
.qa-reader { max-height: 72vh; overflow-y: auto; padding: 0.5em 1em; border: 1px solid var(--border-color-primary, #ddd);
             border-radius: 8px; line-height: 1.6; }
.qa-reader-empty { opacity: 0.7; font-style: italic; }
.qa-reader-head { position: sticky; top: -0.5em; z-index: 1; background: var(--block-background-fill, #fff);
                  margin: -0.5em -1em 0.6em; padding: 0.6em 1em 0.4em; border-bottom: 1px solid var(--border-color-primary, #ddd); }
.qa-doc-title { font-size: 1.3em; margin: 0.4em 0; }
.qa-caption { font-size: 0.9em; opacity: 0.8; margin: 0.3em 0 0.8em 2.6em; }
.qa-para { display: flex; gap: 0.6em; margin: 0.5em 0; padding: 0.15em 0.3em; border-radius: 6px; scroll-margin: 80px; }
.qa-para p { margin: 0; }
.qa-pn { flex: 0 0 2em; text-align: right; font-size: 0.8em; opacity: 0.6; padding-top: 0.2em; user-select: none; }
.qa-focus { background: rgba(59, 130, 246, 0.12); outline: 2px solid rgba(59, 130, 246, 0.5); }
table.qa-docs { width: 100%; border-collapse: collapse; border: none !important; }
table.qa-docs tr, table.qa-docs thead, table.qa-docs tbody { border: none !important; }
a.qa-doc-link, a.qa-cite, a.qa-cite-title { padding: 0 !important; }
table.qa-docs th, table.qa-docs td { text-align: left; padding: 0.35em 0.5em; border: none !important;
  border-bottom: 1px solid var(--border-color-primary, #ddd) !important; vertical-align: top; }
.qa-num-cell { text-align: right !important; }
.qa-compare-summary { margin-bottom: 0.6em; }
.qa-columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 1em; }
.qa-column { border: 1px solid var(--border-color-primary, #ddd); border-radius: 8px; padding: 0.6em 0.9em; }
.qa-column-title { font-size: 1.05em; margin: 0 0 0.4em; }
.qa-column-label { font-size: 0.85em; opacity: 0.75; margin-top: 0.4em; }
.qa-badge { display: inline-block; padding: 0.1em 0.6em; border-radius: 999px; font-size: 0.85em; font-weight: 600; }
.qa-covered { background: #dcfce7; color: #14532d; }
.qa-not-covered { background: #fee2e2; color: #7f1d1d; }
ul.qa-ov-docs { list-style: none; padding: 0; margin: 0.2em 0 0.4em; }
ul.qa-ov-docs li { margin: 0.15em 0; }
.qa-ov-label { display: inline-block; min-width: 1.6em; text-align: center; font-weight: 700; border-radius: 4px;
               background: var(--neutral-200, #e5e7eb); color: #111; margin-right: 0.3em; }
.qa-ov-summary, .qa-ov-note { margin: 0.2em 0 0.6em; }
.qa-ov-scroll { max-height: 75vh; overflow-y: auto; }
.qa-ov-scroll, .qa-ov-box { border: 1px solid var(--border-color-primary, #ddd); border-radius: 8px; }
table.qa-ov-table { width: 100%; border-collapse: collapse; border: none !important; margin: 0 !important; }
table.qa-ov-table tr, table.qa-ov-table thead, table.qa-ov-table tbody { border: none !important; }
table.qa-ov-table th { position: sticky; top: 0; z-index: 1; background: var(--block-background-fill, #fff);
  text-align: left; font-size: 0.9em; }
table.qa-ov-table th, table.qa-ov-table td { padding: 0.4em 0.6em; border: none !important; vertical-align: top;
  border-bottom: 1px solid var(--border-color-primary, #ddd) !important; }
table.qa-ov-table .qa-ov-cell { width: 44%; }
.qa-ov-mid { width: 12%; text-align: center !important; white-space: nowrap; }
.qa-ov-score { font-size: 0.85em; opacity: 0.8; margin-top: 0.3em; }
tr.qa-ov-section td { font-weight: 600; font-size: 0.9em; background: var(--background-fill-secondary, #f6f6f6); }
.qa-ov-ref { font-size: 0.85em; margin-bottom: 0.15em; }
a.qa-ov-link { font-weight: 700; cursor: pointer; padding: 0 !important; }
.qa-ov-text { line-height: 1.45; }
.qa-ov-below .qa-ov-text { opacity: 0.55; }
.qa-ov-shared { background: #dcfce7; color: #14532d; }
.qa-ov-only { background: #fef3c7; color: #78350f; }
.qa-ov-kind { background: var(--neutral-200, #e5e7eb); color: #111; font-weight: 500; }
.qa-ov-share { white-space: nowrap; }
.qa-ov-paras { font-size: 0.85em; white-space: normal; }
.qa-ov-topic { white-space: nowrap; font-weight: 700; }
.qa-ov-swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 0.3em;
                vertical-align: -0.05em; }
details.qa-ov-source { margin: 0.3em 0; }
details.qa-ov-source summary { cursor: pointer; }
.qa-ov-mention { margin: 0.3em 0 0.5em 1em; }
"""


# -- the interface -------------------------------------------------------------------------------------

def build_demo(settings: Settings | None = None, engine: LazyEngine | None = None) -> gr.Blocks:
    """The whole app as a gr.Blocks. Nothing is opened or loaded until the first request."""
    holder = engine or LazyEngine(settings)

    def doc_views(eng: Engine, selected: list[str] | None = None):
        docs = eng.documents
        choices = [(d.title, d.doc_id) for d in docs]
        ids = [d.doc_id for d in docs]
        value = ids if selected is None else [i for i in selected if i in ids]
        return (gr.CheckboxGroup(choices=choices, value=value), documents_table_html(docs),
                gr.Dropdown(choices=choices, value=None))

    @_user_errors
    def on_load(progress=gr.Progress()):
        eng = holder.get(_progress_callback(progress))
        return doc_views(eng)

    @_user_errors
    def on_ask(question, turns, selected, top_k):
        question = (question or "").strip()
        if not question:
            return gr.update(), turns, chat_messages(turns)
        if not selected:
            raise gr.Error("Choose at least one document to search (the boxes above).")
        text, doc_ids, note = search_plan(question, turns, selected)
        ans = holder.get().ask(text, top_k=int(top_k), doc_ids=doc_ids)
        turn = {"question": question, "base": None if note else question, "answer": ans, "note": note}
        turns = turns + [turn]
        return "", turns, chat_messages(turns)

    def on_clear():
        return [], [], ""

    def on_export(turns):
        if not turns:
            raise gr.Error("Nothing to export yet: ask a question first.")
        return conversation_markdown(turns)

    @_user_errors
    def on_open(target):
        try:
            doc_id, focus, highlight = parse_open_target(target or "")
        except ValueError:
            raise gr.Error("That link does not point to a document.") from None
        doc = holder.get().document(doc_id)
        n = len(doc.text)
        if focus is not None and not (0 <= focus[0] < focus[1] <= n):
            focus = None
        highlight = [(s, e) for s, e in highlight if 0 <= s < e <= n]
        return reader_html(doc, focus, highlight), gr.Dropdown(value=doc_id), gr.Tabs(selected="documents")

    @_user_errors
    def on_pick(doc_id):
        if not doc_id:
            return EMPTY_READER
        return reader_html(holder.get().document(doc_id))

    @_user_errors
    def on_upload(files, selected, progress=gr.Progress()):
        if not files:
            raise gr.Error("Choose one or more .txt, .md or .html files first.")
        eng = holder.get()
        before = {d.doc_id for d in eng.documents}
        accepted, same, refused = [], [], []
        for i, f in enumerate(files):
            path = Path(f)
            name = path.name
            progress((i, len(files)), desc=f"adding {name}")
            skipped_before = set(eng.manifest.get("skipped", {}))
            try:
                report = eng.add([path], progress=_progress_callback(progress))
            except QAError as exc:
                refused.append((name, str(exc)))
                continue
            newly_skipped = [m for k, m in eng.manifest.get("skipped", {}).items() if k not in skipped_before]
            if newly_skipped:
                refused += [(name, m) for m in newly_skipped]
            elif report.added or report.changed:
                accepted += [(name, eng.document(d).title) for d in report.added + report.changed]
            else:
                same.append(name)
        lines = []
        lines += [f"- Added **{render.md_escape(n)}** as “{render.md_escape(t)}”." for n, t in accepted]
        lines += [f"- **{render.md_escape(n)}** is already in the corpus, unchanged." for n in same]
        lines += [f"- Refused **{render.md_escape(n)}**: {render.md_escape(_without_name(why, n))}"
                  for n, why in refused]
        new_ids = [d.doc_id for d in eng.documents if d.doc_id not in before]
        boxes, table, dropdown = doc_views(eng, list(selected or []) + new_ids)
        if refused:
            gr.Warning("Refused: " + "; ".join(f"{n} ({_without_name(why, n)})" for n, why in refused), duration=8)
        return "\n".join(lines), boxes, table, dropdown, None

    @_user_errors
    def on_remove(doc_id, selected, progress=gr.Progress()):
        if not doc_id:
            return gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
        eng = holder.get()
        title = eng.document(doc_id).title
        eng.remove(doc_id, progress=_progress_callback(progress))
        boxes, table, dropdown = doc_views(eng, list(selected or []))
        return f"- Removed “{render.md_escape(title)}”.", boxes, table, dropdown, EMPTY_READER

    @_user_errors
    def on_compare(topic, selected):
        topic = (topic or "").strip()
        if not topic:
            raise gr.Error("Type a topic to compare, for example: mobilisation.")
        if not selected:
            raise gr.Error("Choose at least one document to compare (the boxes above).")
        comp = holder.get().compare(topic, list(selected))
        return render.comparison_html(comp, href=open_href)

    # The overview: computed when its section is first opened, fetched again (cached by the library
    # with the index) whenever the corpus changed; its plots are drawn when the Plots tab is opened.
    def overview_views(eng: Engine, key: str, a, b, show):
        with _OVERVIEW_LOCK:
            ov = get_overview(eng)
        ids = [d.doc_id for d in ov.documents]
        a, b = pick_pair(ids, a, b)
        choices = [(f"{d.label} — {d.title}", d.doc_id) for d in ov.documents]
        show = show if show in ("all", "shared", "only-a", "only-b") else "all"
        md, zpath = overview_exports(ov, key)
        return ({"key": key}, render.overview_documents_html(ov.documents, link=span_href),
                gr.Dropdown(choices=choices, value=a), gr.Dropdown(choices=choices, value=b),
                gr.Radio(choices=show_choices(ov, a, b), value=show), overview_pair_html(ov, a, b, show),
                overview_topics_html(ov), render.ledger_html(ov.documents, ov.ledger, link=span_href),
                gr.DownloadButton(value=md, interactive=True), gr.DownloadButton(value=zpath, interactive=True))

    def overview_if_changed(state, a, b, show, progress=None):
        eng = holder.get(progress)
        key = overview_key(eng)
        if state and state.get("key") == key:  # on screen and unchanged
            return (gr.update(),) * 10
        return overview_views(eng, key, a, b, show)

    @_user_errors
    def on_overview(state, a, b, show, progress=gr.Progress()):
        return overview_if_changed(state, a, b, show, _progress_callback(progress))

    @_user_errors
    def on_overview_refresh(state, a, b, show):
        """After an upload or a removal: refresh the overview if it has been opened."""
        if not state:
            return (gr.update(),) * 10
        return overview_if_changed(state, a, b, show)

    @_user_errors
    def on_pair(state, a, b, show):
        if not state:
            return gr.update(), gr.update()
        with _OVERVIEW_LOCK:
            ov = get_overview(holder.get())
        return gr.Radio(choices=show_choices(ov, a, b), value=show), overview_pair_html(ov, a, b, show)

    def draw_plots(state, drawn, a, b, always: bool):
        """The heatmap and prominence strips (per corpus state) and the pair's alignment matrix."""
        keep = (gr.update(),) * 3
        if not state or (drawn is None and not always):
            return (*keep, drawn)
        with _OVERVIEW_LOCK:
            ov = get_overview(holder.get())
        ids = [d.doc_id for d in ov.documents]
        pair = [a, b] if a in ids and b in ids and a != b else None
        key = state["key"]
        from qa import plots

        with _PLOT_LOCK:
            fresh = not drawn or drawn.get("key") != key
            heat = plots.topic_heatmap(ov) if fresh else gr.update()
            strips = plots.prominence_strips(ov) if fresh else gr.update()
            if fresh or drawn.get("pair") != pair:
                align = plots.alignment_matrix(ov, *pair) if pair else None
            else:
                align = gr.update()
            for fig in (heat, align, strips):
                if hasattr(fig, "set_dpi"):
                    fig.set_dpi(110)
        return heat, align, strips, {"key": key, "pair": pair}

    @_user_errors
    def on_plots_tab(state, drawn, a, b):
        return draw_plots(state, drawn, a, b, always=True)

    @_user_errors
    def on_plots_follow(state, drawn, a, b):
        return draw_plots(state, drawn, a, b, always=False)

    @_user_errors
    def api_ask(question: str, top_k: int = DEFAULT_TOP_K, doc_ids: list[str] | None = None) -> dict:
        """Ask a question; returns the same object as `python -m qa ask QUESTION --json`."""
        return holder.get().ask(question, top_k=int(top_k), doc_ids=list(doc_ids) if doc_ids else None).to_json()

    @_user_errors
    def api_compare(topic: str, doc_ids: list[str] | None = None) -> dict:
        """Compare how the documents cover a topic; returns the object `python -m qa compare --json` prints."""
        return holder.get().compare(topic, list(doc_ids) if doc_ids else None).to_json()

    with gr.Blocks(title="Cited-passage Q&A", analytics_enabled=False) as demo:
        gr.Markdown("## Cited-passage Q&A\nAnswers are passages quoted verbatim from the documents, "
                    "each with its citation. When no passage answers, the app says so.")
        selected = gr.CheckboxGroup(label="Documents to search and compare", choices=[], value=[],
                                    elem_id="qa-docs-selected")
        with gr.Tabs(selected="ask") as tabs:
            with gr.Tab("Ask", id="ask"):
                chat = gr.Chatbot(label="Conversation", height=600, latex_delimiters=[], feedback_options=None,
                                  autoscroll=False, buttons=[],
                                  elem_id="qa-chat", placeholder="Ask a question about the documents.")
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="Ask a question, then press Enter",
                                          scale=5, min_width=240, elem_id="qa-question", max_length=MAX_QUESTION_CHARS)
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                with gr.Row():
                    top_k = gr.Slider(1, 10, value=DEFAULT_TOP_K, step=1, label="Passages per reply", scale=3)
                    clear_btn = gr.Button("Clear conversation", scale=1)
                    export_btn = gr.Button("Download as Markdown", scale=1, elem_id="qa-export")
            with gr.Tab("Documents", id="documents"):
                table = gr.HTML(documents_table_html([]), elem_id="qa-doc-table")
                with gr.Row():
                    pick = gr.Dropdown(label="Read a document", choices=[], value=None, scale=4,
                                       elem_id="qa-pick")
                    remove_btn = gr.Button("Remove this document", variant="stop", scale=1, elem_id="qa-remove")
                reader = gr.HTML(EMPTY_READER, elem_id="qa-reader")
                with gr.Accordion("Add documents", open=True):
                    files = gr.File(label="Upload .txt, .md or .html files (up to 10 MB each)",
                                    file_count="multiple", type="filepath",
                                    elem_id="qa-upload")
                    add_btn = gr.Button("Add to the corpus", elem_id="qa-add")
                status = gr.Markdown(elem_id="qa-status")
            with gr.Tab("Compare", id="compare"):
                with gr.Row():
                    topic = gr.Textbox(show_label=False, placeholder="A topic, e.g. mobilisation", scale=5,
                                       elem_id="qa-topic", max_length=MAX_QUESTION_CHARS)
                    compare_btn = gr.Button("Compare", variant="primary", scale=1, elem_id="qa-compare")
                comparison = gr.HTML(elem_id="qa-comparison")
                with gr.Accordion("Corpus overview: what the documents share, what only one covers, topics and "
                                  "quoted sources", open=False, elem_id="qa-overview") as ov_section:
                    ov_docs = gr.HTML(OVERVIEW_HINT, elem_id="qa-ov-docs")
                    with gr.Row(equal_height=True):
                        ov_a = gr.Dropdown(label="Left document", choices=[], value=None, scale=2,
                                           elem_id="qa-ov-a")
                        ov_b = gr.Dropdown(label="Right document", choices=[], value=None, scale=2,
                                           elem_id="qa-ov-b")
                        with gr.Column(scale=1, min_width=200):
                            ov_md = gr.DownloadButton("Download the overview (Markdown)", value=None,
                                                      interactive=False, size="sm", elem_id="qa-ov-md")
                            ov_csv = gr.DownloadButton("Download its tables (CSV, zip)", value=None,
                                                       interactive=False, size="sm", elem_id="qa-ov-csv")
                    with gr.Tabs(selected="ov-pair", elem_id="qa-ov-tabs"):
                        with gr.Tab("Side by side", id="ov-pair"):
                            ov_show = gr.Radio([("all rows", "all"), ("shared", "shared"), ("only in A", "only-a"),
                                                ("only in B", "only-b")], value="all", show_label=False,
                                               container=False, elem_id="qa-ov-show")
                            ov_pair = gr.HTML(elem_id="qa-ov-pair")
                        with gr.Tab("Topics", id="ov-topics"):
                            ov_topics = gr.HTML(elem_id="qa-ov-topics")
                        with gr.Tab("Quoted sources", id="ov-sources"):
                            ov_ledger = gr.HTML(elem_id="qa-ov-ledger")
                        with gr.Tab("Plots", id="ov-plots") as ov_plots_tab:
                            ov_heat = gr.Plot(show_label=False, format="png", elem_id="qa-ov-heatmap")
                            ov_align = gr.Plot(show_label=False, format="png", elem_id="qa-ov-alignment")
                            ov_strips = gr.Plot(show_label=False, format="png",
                                                elem_id="qa-ov-strips")

        turns = gr.State([])
        ov_state = gr.State(None)  # {"key": ...} of the overview on screen, None until it is opened
        ov_drawn = gr.State(None)  # {"key", "pair"} of the plots on screen, None until they are drawn
        open_target = gr.Textbox(visible="hidden", elem_id="qa-open-target")
        open_button = gr.Button(visible="hidden", elem_id="qa-open-button")
        export_text = gr.Textbox(visible="hidden", elem_id="qa-export-text")

        private = dict(api_visibility="private")
        demo.load(on_load, None, [selected, table, pick], **private)
        ask_args = dict(fn=on_ask, inputs=[question, turns, selected, top_k], outputs=[question, turns, chat],
                        concurrency_limit=CONCURRENCY, concurrency_id="ask", **private)
        question.submit(**ask_args).success(None, None, None, js=SHOW_LATEST_JS, **private)
        ask_btn.click(**ask_args).success(None, None, None, js=SHOW_LATEST_JS, **private)
        clear_btn.click(on_clear, None, [turns, chat, question], **private)
        chat.clear(on_clear, None, [turns, chat, question], **private)  # the chat's own trash button
        export_btn.click(on_export, turns, export_text, **private).success(None, export_text, None, js=DOWNLOAD_JS,
                                                                             **private)
        open_button.click(on_open, open_target, [reader, pick, tabs], **private).success(None, None, None,
                                                                                        js=SCROLL_JS, **private)
        pick.input(on_pick, pick, reader, **private)
        ov_outputs = [ov_state, ov_docs, ov_a, ov_b, ov_show, ov_pair, ov_topics, ov_ledger, ov_md, ov_csv]
        ov_args = dict(concurrency_limit=CONCURRENCY, concurrency_id="overview", **private)
        plot_io = dict(inputs=[ov_state, ov_drawn, ov_a, ov_b], outputs=[ov_heat, ov_align, ov_strips, ov_drawn])
        refresh_args = dict(fn=on_overview_refresh, inputs=[ov_state, ov_a, ov_b, ov_show], outputs=ov_outputs,
                            **ov_args)
        add_btn.click(on_upload, [files, selected], [status, selected, table, pick, files], **private).then(
            **refresh_args).then(on_plots_follow, **plot_io, **ov_args)
        remove_btn.click(on_remove, [pick, selected], [status, selected, table, pick, reader],
                         js=CONFIRM_REMOVE_JS, **private).then(**refresh_args).then(on_plots_follow, **plot_io,
                                                                                      **ov_args)
        ov_section.expand(on_overview, [ov_state, ov_a, ov_b, ov_show], ov_outputs, **ov_args).then(
            on_plots_follow, **plot_io, **ov_args)
        ov_plots_tab.select(on_plots_tab, **plot_io, **ov_args)
        for dd in (ov_a, ov_b):
            dd.input(on_pair, [ov_state, ov_a, ov_b, ov_show], [ov_show, ov_pair], **ov_args).then(
                on_plots_follow, **plot_io, **ov_args)
        ov_show.input(on_pair, [ov_state, ov_a, ov_b, ov_show], [ov_show, ov_pair], **ov_args)
        compare_args = dict(fn=on_compare, inputs=[topic, selected], outputs=comparison,
                            concurrency_limit=CONCURRENCY, concurrency_id="ask", **private)
        topic.submit(**compare_args)
        compare_btn.click(**compare_args)
        gr.api(api_ask, api_name="ask", concurrency_limit=CONCURRENCY, concurrency_id="ask")
        gr.api(api_compare, api_name="compare", concurrency_limit=CONCURRENCY, concurrency_id="ask")

    demo.qa_engine = holder
    return demo


#: Options every launch uses (also the tests'): styling and the citation-link handler.
#: System fonts only: the page fetches nothing from outside the server.
LAUNCH_OPTIONS = dict(css=CSS, js=OPEN_JS, max_file_size=SERVER_UPLOAD_CAP, footer_links=["api"],
                      theme=gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                                              font_mono=["ui-monospace", "monospace"]))

demo = build_demo()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("httpx", "faiss.loader", "bm25s", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    port = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    # Open the index and load the model while the server starts, so the first question is quick.
    threading.Thread(target=demo.qa_engine.warm_up, name="warm-up", daemon=True).start()
    demo.queue(default_concurrency_limit=1).launch(server_name="127.0.0.1", server_port=port, share=False,
                                                   show_error=True, **LAUNCH_OPTIONS)


if __name__ == "__main__":
    main()
