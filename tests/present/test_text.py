"""Plain-text and Markdown renderings of answers and comparisons, checked line by line."""
from __future__ import annotations

from qa import Answer, Comparison, DocCoverage, Hit
from qa.present.markdown import answer_markdown, md_escape
from qa.present.text import (
    ANSWERED,
    CLOSEST,
    NOT_ANSWERED,
    RELATED,
    answer_text,
    citation,
    comparison_text,
    marked,
    visible,
)

HIT = Hit(1, "a", "Title", "Src", 3, 100, 124, "One two. Three *four*.", ((109, 124),), 0.9)


def test_marked_wraps_each_highlight():
    assert marked(HIT, "[", "]") == "One two. [Three *four*.]"
    assert marked(HIT, "**", "**", md_escape) == "One two. **Three \\*four\\*.**"


def test_answer_text_answered_and_not():
    assert citation(HIT) == "Title — Src, paragraph 3 (chars 100–124)"
    out = answer_text(Answer("Q?", True, (HIT,)))
    assert out == ("Q: Q?\n\nPassages that answer it:\n\n[1] Title — Src, paragraph 3 (chars 100–124)\n"
                   "    One two. »Three *four*.«\n")
    no = answer_text(Answer("Q?", False, (HIT,), verdict="not_found", reason="No searched document mentions “X”."))
    assert f"{NOT_ANSWERED}\nNo searched document mentions “X”.\n{CLOSEST}" in no
    related = answer_text(Answer("Q?", False, (HIT,), verdict="related", reason="The closest passages mention “two”."))
    assert f"The closest passages mention “two”.\n{RELATED}" in related
    assert NOT_ANSWERED not in related and ANSWERED not in related


def test_answer_markdown_escapes_and_quotes():
    md = answer_markdown(Answer("Why <b>?", False, (HIT,), verdict="not_found", reason="No <b>."))
    assert md.startswith("### Why &lt;b&gt;?\n\n**The documents do not answer this question.**\n\n*No &lt;b&gt;.*\n\n"
                         + CLOSEST)
    related = answer_markdown(Answer("Why?", False, (HIT,), reason="Some reason."))
    assert related.startswith("### Why?\n\n*Some reason.*\n\n" + RELATED)
    assert "1. *Title*, Src, paragraph 3 (chars 100–124)" in md
    assert "   > One two. **Three \\*four\\*.**" in md


def test_comparison_text():
    comp = Comparison("t", (DocCoverage("a", "Title", True, 0.812, (HIT,)), DocCoverage("b", "Other", False, 0.1, ())))
    out = comparison_text(comp)
    assert out.startswith("Topic: t\nSummary: only by Title\n\n== Title [a]: covered (score 0.81)\n")
    assert "  [1] paragraph 3\n      One two. »Three *four*.«" in out and "== Other [b]: not covered (score 0.10)" in out


def test_visible_shows_controls_and_bidirectional_overrides_as_escapes():
    assert visible("a\x1b]0;pwned\x07b\r\nc\td") == "a\\x1b]0;pwned\\x07b\nc\td"
    # "Trojan Source": an override would show "evil" text in another order than it is stored
    assert visible("x\u202egnp.exe\u2066y\u2069") == "x\\u202egnp.exe\\u2066y\\u2069"
    assert visible("caf\u00e9 \u0432\u043e\u0439\u043d\u0430 \ud800") == "caf\u00e9 \u0432\u043e\u0439\u043d\u0430 \ufffd"


def test_md_escape_keeps_prose_as_written_and_markup_out():
    """Backslashes only where a character would make markup: an exported conversation reads as
    prose ("U.S. (1991)"), while a "*", a "1." or "#" opening a line, and HTML stay text."""
    assert md_escape("U.S. troops (1991) cost $5-6 bn - so far!") == "U.S. troops (1991) cost $5-6 bn - so far!"
    assert md_escape("1. one\n2) two\n- three\n  # four\n+ five") == "1\\. one\n2\\) two\n\\- three\n  \\# four\n\\+ five"
    assert md_escape("a_b *c* [d](e) `f` |g| ~h~ <script>") == \
        "a\\_b \\*c\\* \\[d\\](e) \\`f\\` \\|g\\| \\~h\\~ &lt;script&gt;"


def test_md_link_shows_the_address_as_typed():
    from qa.present.markdown import md_link

    assert md_link("http://127.0.0.1:8765/page.html") == "[http://127.0.0.1:8765/page.html](<http://127.0.0.1:8765/page.html>)"
    assert md_link("https://x.org/a b<c>") == "[https://x.org/a b&lt;c&gt;](<https://x.org/a%20b%3Cc%3E>)"
