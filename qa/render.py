"""Rendering answers for people: plain text for the terminal, Markdown, escaped HTML.

Everything shown is fixed interface wording or a verbatim slice of a document.
"""
from __future__ import annotations

import html

from .types import Answer, Comparison, Hit

NOT_ANSWERED = "The documents do not answer this question."
CLOSEST = "Closest passages, not an answer:"
ANSWERED = "Passages that answer it:"


def marked(hit: Hit, left: str, right: str, escape=lambda s: s) -> str:
    """The passage text with each highlight wrapped in left/right markers (text escaped first)."""
    out, pos = [], hit.start
    for hs, he in sorted(hit.highlight):
        out.append(escape(hit.text[pos - hit.start:hs - hit.start]))
        out.append(left + escape(hit.text[hs - hit.start:he - hit.start]) + right)
        pos = he
    out.append(escape(hit.text[pos - hit.start:]))
    return "".join(out)


def citation(hit: Hit) -> str:
    return f"{hit.title} — {hit.source}, paragraph {hit.paragraph} (chars {hit.start}–{hit.end})"


def answer_text(ans: Answer, color: bool = False) -> str:
    """Numbered passages with title and paragraph; the highlighted sentence between » «."""
    left, right = ("\033[1;33m", "\033[0m") if color else ("»", "«")
    lines = [f"Q: {ans.question}", "", ANSWERED if ans.answered else f"{NOT_ANSWERED}\n{CLOSEST}", ""]
    for h in ans.passages:
        lines += [f"[{h.rank}] {citation(h)}", "    " + marked(h, left, right), ""]
    return "\n".join(lines).rstrip() + "\n"


def answer_markdown(ans: Answer) -> str:
    head = ANSWERED if ans.answered else f"**{NOT_ANSWERED}**\n\n{CLOSEST}"
    parts = [f"### {md_escape(ans.question)}", "", head, ""]
    for h in ans.passages:
        parts.append(f"{h.rank}. *{md_escape(h.title)}*, {md_escape(h.source)}, paragraph {h.paragraph} "
                     f"(chars {h.start}–{h.end})")
        parts.append("")
        parts.append("   > " + marked(h, "**", "**", md_escape).replace("\n", "\n   > "))
        parts.append("")
    return "\n".join(parts)


def comparison_text(comp: Comparison) -> str:
    lines = [f"Topic: {comp.topic}", f"Summary: {comp.summary}", ""]
    for d in comp.documents:
        lines.append(f"== {d.title} [{d.doc_id}]: {'covered' if d.covered else 'not covered'} (score {d.score:.2f})")
        for h in d.passages:
            lines += [f"  [{h.rank}] paragraph {h.paragraph}", "      " + marked(h, "»", "«")]
        lines.append("")
    return "\n".join(lines)


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-.!|~"})


def md_escape(text: str) -> str:
    """Escape Markdown and HTML so document text shows as typed (``<script>`` stays text)."""
    return html.escape(text, quote=False).translate(_MD_SPECIAL)


def html_escape(text: str) -> str:
    return html.escape(text, quote=True)
