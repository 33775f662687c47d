"""Follow-up questions in a conversation: what to search when a question leans on the last one.

The engine answers one question at a time; a chat adds only this (see :func:`search_plan`).
Earlier answers are never fed back into the search.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import Answer

_CONNECTIVE = re.compile(r"^\s*(and|but|also|so|then|what about|how about|what else|anything else)\b", re.I)
_OTHER_DOC = re.compile(r"\b(the\s+)?other\s+(article|document|one|source|text|piece|report|story)\b", re.I)
_PRONOUN = re.compile(r"\b(he|she|it|they|him|her|them|his|its|their|this|that|these|those|there)\b", re.I)
_WORDS = re.compile(r"[A-Za-z0-9’']+")
_STOP = set("a an the of to in on at by for with about from and or but is are was were be been do does did "
            "what who whom whose which when where why how it its this that these those he she they him her "
            "them his their there say says said tell me us you your other article document one also else".split())


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and its answer. ``base`` is the question itself when it was
    searched as typed (self-contained), None for a follow-up; ``note`` says how it was searched."""

    question: str
    answer: Answer
    base: str | None = None
    note: str = ""


@dataclass(frozen=True)
class SearchPlan:
    """What to search for a chat question: the text, the documents, and a note for the reader
    ("" when the question is searched as typed)."""

    text: str
    doc_ids: list[str]
    note: str = ""


def is_follow_up(question: str) -> bool:
    """Whether a chat question leans on the previous one (see :func:`search_plan`)."""
    words = _WORDS.findall(question)
    if not words:  # "?": nothing to lean with; searched as typed, it gets the one-line refusal
        return False
    if _CONNECTIVE.search(question) or _OTHER_DOC.search(question):
        return True
    content = [w for w in words if w.lower() not in _STOP]
    names = [w for w in words[1:] if w[:1].isupper()]
    if any(w[:1].isupper() for w in content):  # "Lukashenko", "Who is Kozak?": it names its subject
        return bool(_PRONOUN.search(question) and not names and len(content) < 2)
    return bool(len(content) < 2 or (_PRONOUN.search(question) and not names))


def search_plan(question: str, turns: list[Turn], selected: list[str]) -> SearchPlan:
    """What the chat searches for a question, given the conversation so far.

    - A question is a *follow-up* when it opens with a connective ("and ...", "but ...",
      "what about ...", "how about ..."), mentions "the other article / document / one",
      has fewer than two content words and names nothing ("why?"; but "Lukashenko" and "Who
      is Kozak?" are questions of their own), or uses a pronoun such as he / she / it / they /
      this / that and names no one (no capitalised word after the first).
    - A follow-up is searched as the conversation's last self-contained question followed by
      the follow-up itself, minus any "the other article/document/one": "Who confronted Putin?"
      then "and what about Swat?" searches "Who confronted Putin? and what about Swat?". When the
      follow-up adds no content word ("and why?", "and what does the other article say?"), the
      earlier question is searched alone, and the note says that nothing new was searched.
    - If it mentions the other article/document/one, it searches the selected documents except
      the one that gave the previous reply's first passage (when that leaves any).
    - Otherwise the question is searched as typed, in the selected documents. The plan's note
      says when a follow-up was expanded.
    """
    base = next((t.base for t in reversed(turns) if t.base), None)
    if not turns or base is None or not is_follow_up(question):
        return SearchPlan(question, list(selected))
    rest = _OTHER_DOC.sub(" ", question)
    rest = re.sub(r"\s+", " ", rest).strip(" ,;:")
    has_content = any(w.lower() not in _STOP for w in _WORDS.findall(rest))
    text = f"{base} {rest}" if has_content else base
    doc_ids = list(selected)
    note = f"Follow-up: searched “{text}”"
    if not has_content and not _OTHER_DOC.search(question):
        # nothing new to search: say so, rather than give the same passages as if they answered it
        note = f"Follow-up: “{question.strip()}” adds nothing to search; these are the passages for “{base}” again"
    if _OTHER_DOC.search(question):
        prev = turns[-1].answer
        first = prev.passages[0].doc_id if prev.passages else None
        others = [d for d in doc_ids if d != first]
        if first is not None and others:
            doc_ids = others
            note += " in the documents other than the one cited first before"
    return SearchPlan(text, doc_ids, note + ".")
