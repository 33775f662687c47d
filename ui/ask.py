"""The Ask tab: a conversation whose replies are cited passages, or plainly no answer, with the
cited passage opened beside it (the source panel) and a few starting points drawn from the corpus.

The conversation survives a reload: the browser keeps the questions asked (``gr.BrowserState``:
each question with the documents and passage count it was asked with) and the page asks them
again when it opens. Only questions are kept, never passages: every passage shown comes from the
index as it is, verbatim, so a document removed or changed since is never quoted from memory.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr

from qa import DEFAULT_TOP_K, MAX_QUESTION_CHARS, QAError
from qa.present import conversation_markdown, md_escape, open_href
from qa.present.html import EMPTY_SOURCE, answer_html
from qa.search import Turn, search_plan
from qa.serving import LazyEngine

from .common import PRIVATE, refusal, script, user_errors

log = logging.getLogger("app")
#: How many questions may be searched at once (the engine is thread-safe for reading).
CONCURRENCY = 4
#: Starting points offered on an empty conversation.
N_STARTERS = 4
#: The most questions a conversation kept in the browser holds (the oldest are dropped).
MAX_KEPT = 40
#: Where the browser keeps the conversation. The secret only lets Gradio read back what it wrote
#: (it is sent to the page); it is fixed so that a conversation survives a restart of the server.
STORAGE_KEY, STORAGE_SECRET = "qa-conversation", "cited-passage-qa-conversation"


@dataclass
class AskTab:
    chat: gr.Chatbot
    question: gr.Textbox
    ask_btn: gr.Button
    top_k: gr.Slider
    new_btn: gr.Button
    export_btn: gr.Button
    source: gr.HTML
    close_btn: gr.Button


def layout() -> AskTab:
    with gr.Row(equal_height=False, elem_id="qa-ask-row"):
        with gr.Column(scale=3, min_width=300, elem_id="qa-chat-col"):
            chat = gr.Chatbot(label="Conversation", show_label=False, latex_delimiters=[], feedback_options=None,
                              autoscroll=False, buttons=[], elem_id="qa-chat", height="var(--qa-chat-height)",
                              placeholder="Ask a question about the documents: the answer is the passages "
                                          "that say it, quoted with their citations.")
            with gr.Row(elem_id="qa-ask-bar"):
                question = gr.Textbox(label="Your question", show_label=False, lines=1, max_lines=4,
                                      placeholder="Ask a question", scale=5, min_width=200,
                                      elem_id="qa-question", max_length=MAX_QUESTION_CHARS)
                ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="qa-ask")
            with gr.Row():
                top_k = gr.Slider(1, 10, value=DEFAULT_TOP_K, step=1, label="Passages per reply", scale=3,
                                  elem_id="qa-top-k")
                new_btn = gr.Button("New conversation", scale=1, elem_id="qa-new")
                export_btn = gr.Button("Download as Markdown", scale=1, elem_id="qa-export")
        with gr.Column(scale=2, min_width=280, elem_id="qa-source-col"):
            close_btn = gr.Button("Close the source (Esc)", size="sm", elem_id="qa-source-close")
            source = gr.HTML(EMPTY_SOURCE, elem_id="qa-source")
    return AskTab(chat, question, ask_btn, top_k, new_btn, export_btn, source, close_btn)


def chat_messages(turns: list[Turn]) -> list[dict]:
    """The Chatbot's messages: each question (escaped, shown as typed) and its rendered reply."""
    out = []
    for t in turns:
        out.append({"role": "user", "content": md_escape(t.question)})
        out.append({"role": "assistant", "content": answer_html(t.answer, href=open_href, note=t.note)})
    return out


def starter_questions(eng, n: int = N_STARTERS) -> list[str]:
    """Questions to start with, one per largest topic of the corpus, each naming the topic by a key
    phrase of the documents' own text: never a claim the documents do not make."""
    ov = eng.overview()
    topics = sorted(ov.topics.topics, key=lambda t: -sum(len(d.paragraphs) for d in t.documents))
    out: list[str] = []
    for t in topics:
        if t.phrases and len(out) < n:
            phrase = t.phrases[0].text
            if phrase.lower() not in (q.lower() for q in out):
                out.append(phrase)
    return [f"What do the documents say about {p}?" for p in out]


def replay(eng, kept, known_ids: set[str]) -> list[Turn]:
    """The conversation the browser kept, asked again: the questions in order, each on the
    documents it was asked with that are still in the corpus. What is not a kept question (a
    stored value from another version, or tampered with) is skipped."""
    turns: list[Turn] = []
    for item in (kept if isinstance(kept, list) else [])[-MAX_KEPT:]:
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            continue
        ids = [d for d in item.get("docs") or [] if isinstance(d, str) and d in known_ids] or sorted(known_ids)
        k = item.get("k") if isinstance(item.get("k"), int) else DEFAULT_TOP_K
        try:
            turns.append(ask_turn(eng, item["q"], turns, ids, k))
        except QAError:
            continue
    return turns


def ask_turn(eng, question: str, turns: list[Turn], doc_ids: list[str], top_k: int) -> Turn:
    plan = search_plan(question, turns, doc_ids)
    ans = eng.ask(plan.text, top_k=int(top_k), doc_ids=plan.doc_ids)
    return Turn(question, ans, None if plan.note else question, plan.note)


def kept_entry(question: str, doc_ids: list[str], top_k: int) -> dict:
    return {"q": question, "docs": list(doc_ids), "k": int(top_k)}


#: (index version, its starting points): worked out once per version, not at every page load (the
#: overview they come from is computed once and stored beside the version; reading it back is not free)
_starters: tuple[str, list[str]] = ("", [])


def starter_examples(eng) -> list[dict]:
    """The empty conversation's starting points as the Chatbot's examples (shown until a question
    is asked); none when the corpus gives none."""
    global _starters
    version = str(eng.version.folder)
    if _starters[0] != version:
        try:
            _starters = (version, starter_questions(eng))
        except (QAError, OSError) as exc:  # a convenience: the page works without them
            log.warning("no starting points: %s", exc)
            return []
    return [{"text": q} for q in _starters[1]]


def wire(tab: AskTab, holder: LazyEngine, demo: gr.Blocks, chosen: gr.State, turns: gr.State,
         export_text: gr.Textbox) -> None:
    kept = gr.BrowserState([], storage_key=STORAGE_KEY, secret=STORAGE_SECRET)

    @user_errors
    def on_ask(question, turns, kept, selected, top_k):
        question = (question or "").strip()
        if not question:
            return gr.update(), turns, chat_messages(turns), kept
        eng = holder.get()
        if selected is None:  # the boxes are not filled yet: every document
            selected = [d.doc_id for d in eng.documents]
        if not selected:
            raise refusal("Choose at least one document to search (the boxes above).")
        turns = turns + [ask_turn(eng, question, turns, list(selected), top_k)]
        kept = (list(kept or []) + [kept_entry(question, selected, top_k)])[-MAX_KEPT:]
        return "", turns, chat_messages(turns), kept

    @user_errors
    def on_load(kept):
        if not kept:  # nothing to restore: leave alone what the reader may have asked meanwhile
            return gr.update(), gr.update()
        eng = holder.get()
        turns = replay(eng, kept, {d.doc_id for d in eng.documents})
        return turns, chat_messages(turns)

    def on_starters():
        # the examples alone (the overview behind them may take seconds the first time)
        return gr.Chatbot(examples=starter_examples(holder.get()))

    def on_new():
        return [], gr.Chatbot(value=[], examples=starter_examples(holder.get())), "", []

    def on_example(evt: gr.SelectData):
        return evt.value.get("text", "") if isinstance(evt.value, dict) else str(evt.value or "")

    def on_export(turns):
        if not turns:
            raise refusal("Nothing to export yet: ask a question first.")
        return conversation_markdown(turns)

    demo.load(on_load, kept, [turns, tab.chat], show_progress="hidden", **PRIVATE).then(on_starters, None, tab.chat, show_progress="hidden",
                                                                **PRIVATE)
    ask_args = dict(fn=on_ask, inputs=[tab.question, turns, kept, chosen, tab.top_k],
                    outputs=[tab.question, turns, tab.chat, kept], concurrency_limit=CONCURRENCY,
                    concurrency_id="ask", show_progress_on=tab.chat, **PRIVATE)
    show_latest = script("show_latest.js")
    tab.question.submit(**ask_args).success(None, None, None, js=show_latest, **PRIVATE)
    tab.ask_btn.click(**ask_args).success(None, None, None, js=show_latest, **PRIVATE)
    # a starting point is asked as if typed
    tab.chat.example_select(on_example, None, tab.question, **PRIVATE).then(**ask_args).success(
        None, None, None, js=show_latest, **PRIVATE)
    new_out = [turns, tab.chat, tab.question, kept]
    tab.new_btn.click(on_new, None, new_out, **PRIVATE)
    tab.chat.clear(on_new, None, new_out, **PRIVATE)  # the chat's own trash button
    tab.close_btn.click(None, None, None, js=script("close_source.js"), **PRIVATE)
    tab.export_btn.click(on_export, turns, export_text, **PRIVATE).success(
        None, export_text, None, js=script("download.js"), **PRIVATE)
