"""Markdown renderings: a conversation keeps every citation verbatim and says when a follow-up was expanded."""
from __future__ import annotations

from qa import Answer
from qa.present.markdown import conversation_markdown
from qa.present.text import CLOSEST, NOT_ANSWERED
from qa.search import Turn
from tests.conftest import make_hit


def test_conversation_markdown_holds_every_citation():
    hit = make_hit(text="Putin lives in a bubble.", highlight=((100, 124),))
    turns = [Turn("Is Putin isolated?", Answer("x", True, (hit,)), "Is Putin isolated?", ""),
             Turn("and why?", Answer("y", False, (hit,), verdict="not_found"), None, "Follow-up: searched “Is Putin isolated? and why?”.")]
    md = conversation_markdown(turns)
    assert md.startswith("# Conversation")
    assert "### Is Putin isolated?" in md and "### and why?" in md
    assert md.count("Putin lives in a bubble") == 2 and "paragraph 3" in md
    assert NOT_ANSWERED in md and CLOSEST in md
    assert "### and why?\n\n*Follow-up: searched “Is Putin isolated? and why?”.*" in md  # no backslash in prose
