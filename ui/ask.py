"""The Ask tab: a conversation whose replies are cited passages, or plainly no answer."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from qa import DEFAULT_TOP_K, MAX_QUESTION_CHARS
from qa.present import conversation_markdown, md_escape, open_href
from qa.present.html import answer_html
from qa.search import Turn, search_plan
from qa.serving import LazyEngine

from .common import PRIVATE, refusal, script, user_errors

#: How many questions may be searched at once (the engine is thread-safe for reading).
CONCURRENCY = 4


@dataclass
class AskTab:
    chat: gr.Chatbot
    question: gr.Textbox
    ask_btn: gr.Button
    top_k: gr.Slider
    clear_btn: gr.Button
    export_btn: gr.Button


def layout() -> AskTab:
    chat = gr.Chatbot(label="Conversation", height=600, latex_delimiters=[], feedback_options=None,
                      autoscroll=False, buttons=[], elem_id="qa-chat",
                      placeholder="Ask a question about the documents.")
    with gr.Row():
        question = gr.Textbox(show_label=False, placeholder="Ask a question, then press Enter", scale=5,
                              min_width=240, elem_id="qa-question", max_length=MAX_QUESTION_CHARS)
        ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
    with gr.Row():
        top_k = gr.Slider(1, 10, value=DEFAULT_TOP_K, step=1, label="Passages per reply", scale=3)
        clear_btn = gr.Button("Clear conversation", scale=1)
        export_btn = gr.Button("Download as Markdown", scale=1, elem_id="qa-export")
    return AskTab(chat, question, ask_btn, top_k, clear_btn, export_btn)


def chat_messages(turns: list[Turn]) -> list[dict]:
    """The Chatbot's messages: each question (escaped, shown as typed) and its rendered reply."""
    out = []
    for t in turns:
        out.append({"role": "user", "content": md_escape(t.question)})
        out.append({"role": "assistant", "content": answer_html(t.answer, href=open_href, note=t.note)})
    return out


def wire(tab: AskTab, holder: LazyEngine, selected: gr.CheckboxGroup, turns: gr.State,
         export_text: gr.Textbox) -> None:
    @user_errors
    def on_ask(question, turns, selected, top_k):
        question = (question or "").strip()
        if not question:
            return gr.update(), turns, chat_messages(turns)
        if not selected:
            raise refusal("Choose at least one document to search (the boxes above).")
        plan = search_plan(question, turns, selected)
        ans = holder.get().ask(plan.text, top_k=int(top_k), doc_ids=plan.doc_ids)
        turns = turns + [Turn(question, ans, None if plan.note else question, plan.note)]
        return "", turns, chat_messages(turns)

    def on_clear():
        return [], [], ""

    def on_export(turns):
        if not turns:
            raise refusal("Nothing to export yet: ask a question first.")
        return conversation_markdown(turns)

    ask_args = dict(fn=on_ask, inputs=[tab.question, turns, selected, tab.top_k],
                    outputs=[tab.question, turns, tab.chat], concurrency_limit=CONCURRENCY,
                    concurrency_id="ask", **PRIVATE)
    show_latest = script("show_latest.js")
    tab.question.submit(**ask_args).success(None, None, None, js=show_latest, **PRIVATE)
    tab.ask_btn.click(**ask_args).success(None, None, None, js=show_latest, **PRIVATE)
    tab.clear_btn.click(on_clear, None, [turns, tab.chat, tab.question], **PRIVATE)
    tab.chat.clear(on_clear, None, [turns, tab.chat, tab.question], **PRIVATE)  # the chat's own trash button
    tab.export_btn.click(on_export, turns, export_text, **PRIVATE).success(
        None, export_text, None, js=script("download.js"), **PRIVATE)
