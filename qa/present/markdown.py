"""Answers, conversations and the corpus overview as Markdown (for downloads and reports).

Document text is escaped (``md_escape``) so it shows as typed; the only markup is ours.
"""
from __future__ import annotations

import dataclasses
import html
import re

from ..types import Answer
from .text import answer_line, marked, sections, verdict_head, where

#: Characters that make markup wherever they stand (emphasis, code, links, tables, strikethrough).
_MD_ANYWHERE = str.maketrans({c: "\\" + c for c in "\\`*_[]|~"})
#: What makes markup only at the start of a line: a heading, a list item ("-", "+", "1."), a rule.
_MD_LINE_START = re.compile(r"^([ \t]*)(#|[-+=]|\d+(?=[.)]))", re.MULTILINE)


def md_escape(text: str) -> str:
    """Escape Markdown and HTML so document text shows as typed (``<script>`` stays text), with a
    backslash only where a character would make markup: "U.S. (1991)" stays as written in an
    exported file, "*" and a "1." opening a line do not."""
    escaped = html.escape(text, quote=False).translate(_MD_ANYWHERE)
    return _MD_LINE_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if not m.group(2)[0].isdigit()
                                                      else m.group(2) + "\\"), escaped)


def md_link(url: str) -> str:
    """A web address as a Markdown link that shows it as typed (no backslashes) and opens it."""
    target = url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    return f"[{md_escape(url)}](<{target}>)"


def answer_markdown(ans: Answer) -> str:
    headline, reason, _ = verdict_head(ans)
    line = answer_line(ans)
    parts = [f"### {md_escape(ans.question)}", ""]
    parts += [x for text in (f"**{md_escape(line)}**" if line else "", f"**{headline}**" if headline else "",
                             f"*{md_escape(reason)}*" if reason else "") if text for x in (text, "")]
    for heading, hits in sections(ans):
        if heading:
            parts += [heading, ""]
        for h in hits:
            parts.append(f"{h.rank}. *{md_escape(h.title)}*, {md_escape(h.source)}, {where(h)} "
                         f"(chars {h.start}–{h.end})")
            parts.append("")
            parts.append("   > " + marked(h, "**", "**", md_escape).replace("\n", "\n   > "))
            parts.append("")
    return "\n".join(parts)


def conversation_markdown(turns) -> str:
    """A conversation (``qa.search.Turn`` list) as Markdown: each question as the reader typed it,
    its verdict and every citation verbatim, with the note when a follow-up was expanded."""
    parts = ["# Conversation", ""]
    for t in turns:
        ans: Answer = dataclasses.replace(t.answer, question=t.question)
        md = answer_markdown(ans).rstrip()
        if t.note:
            heading, rest = md.split("\n", 1)
            md = f"{heading}\n\n*{md_escape(t.note)}*\n{rest}"
        parts += [md, ""]
    return "\n".join(parts).rstrip() + "\n"


def _md(text: str) -> str:
    return md_escape(" ".join(text.split()))


def overview_markdown(ov) -> str:
    """The overview as Markdown: documents, topics, alignment per document pair, ledger."""
    lines = ["# Corpus overview", "", "| label | document | source | paragraphs |", "|---|---|---|---|"]
    for d in ov.documents:
        lines.append(f"| {d.label} | {_md(d.title)} | {_md(d.source)} | {d.paragraphs} |")
    labels = {d.doc_id: d.label for d in ov.documents}
    lines += ["", "## Topics", "", "Share = part of the document's body text in the topic's paragraphs; "
              "lead = the topic starts in the document's first paragraphs.", ""]
    head = "| topic | key phrases (words) | coverage | " + " | ".join(d.label for d in ov.documents) + " | representative sentence |"
    lines += [head, "|" + "---|" * (4 + len(ov.documents))]
    for t in ov.topics.topics:
        cells = []
        for d in ov.documents:
            x = t.in_doc(d.doc_id)
            cells.append("–" if not x.paragraphs else
                         f"{x.share:.0%} ({x.position}; ¶ {', '.join(map(str, x.paragraphs))})")
        s = t.sentence
        lines.append(f"| T{t.topic_id} | {_md(t.label)} ({_md(', '.join(t.words))}) | {t.coverage} | " + " | ".join(cells)
                     + f" | {_md(s.text)} ({labels[s.doc_id]} ¶{s.paragraph}, chars {s.start}–{s.end}) |")
    lines += ["", "## Paragraph alignment", ""]
    for bar in ov.alignment.bars:
        a, b = labels[bar.doc_id], labels[bar.other]
        lines += [f"### {a} and {b}", "",
                  "A paragraph is shared when its sentences make claims the other document also makes "
                  "(close in meaning and in the rarer words used, no numbers or names at odds); the "
                  "sentence pairs are listed under it. Both cover a claim; that does not mean they agree.", "",
                  f"| {a} ¶ | {a} passage | status | {b} ¶ | best counterpart in {b} | cosine |",
                  "|---|---|---|---|---|---|"]
        for row in ov.alignment.rows_for(bar.doc_id) + ov.alignment.rows_for(bar.other):
            other = bar.other if row.passage.doc_id == bar.doc_id else bar.doc_id
            c = row.counterpart_in(other)
            if c is None:
                continue
            p = row.passage
            status = c.status if c.shared else "only in " + labels[p.doc_id]
            lines.append(f"| {labels[p.doc_id]} {p.paragraph} | {_md(p.text)} ({p.start}–{p.end}) | {status} | "
                         f"{labels[other]} {c.passage.paragraph} | {_md(c.passage.text)} "
                         f"({c.passage.start}–{c.passage.end}) | {c.score:.3f} |")
            for pair in c.shared_sentences:
                x, y = pair.sentence, pair.other
                lines.append(f"| | ↳ {_md(x.text)} ({x.start}–{x.end}) | same claim | {labels[y.doc_id]} {y.paragraph} | "
                             f"{_md(y.text)} ({y.start}–{y.end}) | {pair.cosine:.3f}"
                             + ("" if pair.same_claim is None else f", same claim {pair.same_claim:.2f}") + " |")
        lines.append("")
    lines += ["## Quoted and cited sources", ""]
    for d in ov.documents:
        lines += [f"### {d.label}: {_md(d.title)}", "", "| source | kind | ¶ | cue | passage (verbatim) |",
                  "|---|---|---|---|---|"]
        for s in ov.ledger.of(d.doc_id):
            for m in s.mentions:
                quoted = m.quotes[0] if m.quotes else m.sentence
                lines.append(f"| {_md(s.name)} | {s.kind} | {m.paragraph} | {_md(m.cue)} | "
                             f"{_md(quoted.text)} ({quoted.start}–{quoted.end}) |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
