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


# -- HTML for the browser app ------------------------------------------------------------------------
# Pure functions: every piece of document text goes through html_escape; the only markup is ours.
# No newline is emitted (a blank line would end an HTML block inside Markdown-rendering widgets):
# line breaks inside a passage become <br>.


def spans_html(text: str, base: int, spans, tag: str = "mark", cls: str = "qa-hl") -> str:
    """``text`` (found at offset ``base`` of its document) escaped, with the absolute ``spans``
    that fall inside it wrapped in ``<tag class=cls>``; spans are clipped to the text."""
    out, pos, end = [], base, base + len(text)
    for s, e in sorted(spans):
        s, e = max(s, pos), min(e, end)
        if s >= e:
            continue
        out.append(_html_lines(text[pos - base:s - base]))
        out.append(f'<{tag} class="{cls}">{_html_lines(text[s - base:e - base])}</{tag}>')
        pos = e
    out.append(_html_lines(text[pos - base:]))
    return "".join(out)


def _html_lines(text: str) -> str:
    return html_escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def hit_html(hit: Hit, href: str | None = None, with_title: bool = True) -> str:
    """One numbered citation: [n], title, source, paragraph, then the passage verbatim with its
    best sentence(s) in ``<mark>``. ``href`` (if given) makes [n] and the title a link to the reader.
    ``with_title=False`` gives only [n] and the paragraph (for a column that names its document)."""
    num = f"[{hit.rank}]"
    label = html_escape(hit.title) if with_title else f"paragraph {hit.paragraph}"
    if href is not None:
        link = html_escape(href)
        num = f'<a class="qa-cite" href="{link}" title="Open in the reader">{num}</a>'
        label = f'<a class="qa-cite-title" href="{link}" title="Open in the reader">{label}</a>'
    if with_title:
        head = (f'<span class="qa-title">{label}</span> <span class="qa-meta">— {html_escape(hit.source)}, '
                f'paragraph {hit.paragraph}</span>')
    else:
        head = f'<span class="qa-meta">{label}</span>'
    return (f'<div class="qa-hit"><div class="qa-hit-head"><span class="qa-num">{num}</span> {head}</div>'
            f'<blockquote class="qa-passage">{spans_html(hit.text, hit.start, hit.highlight)}</blockquote></div>')


def answer_html(ans: Answer, href=None, note: str = "") -> str:
    """An answer as HTML: the ANSWERED heading and the cited passages, or NOT_ANSWERED and the
    closest passages under CLOSEST, visibly set apart. ``href(hit)`` gives each citation's link;
    ``note`` is interface text shown above (escaped)."""
    parts = [f'<div class="qa-answer {"qa-answered" if ans.answered else "qa-not-answered"}">']
    if note:
        parts.append(f'<div class="qa-note">{html_escape(note)}</div>')
    if ans.answered:
        parts.append(f'<div class="qa-verdict">{html_escape(ANSWERED)}</div>')
    else:
        parts.append(f'<div class="qa-verdict qa-verdict-no">{html_escape(NOT_ANSWERED)}</div>')
        if ans.passages:
            parts.append(f'<div class="qa-closest">{html_escape(CLOSEST)}</div>')
    parts += [hit_html(h, href(h) if href else None) for h in ans.passages]
    parts.append("</div>")
    return "".join(parts)


def document_html(doc, focus: tuple[int, int] | None = None, highlight=(), link=None) -> str:
    """A document for reading: title, captions (as captions), headings and numbered paragraphs,
    each paragraph with ``id="qa-p-<n>"``. The block overlapping ``focus`` (a [start, end) span) gets
    class ``qa-focus``; ``highlight`` spans are wrapped in ``<mark>``. Text the cleaner dropped
    (web leftovers, repeated captions) is not shown."""
    parts = ['<article class="qa-doc">']
    for b in doc.blocks:
        inner = spans_html(b.text, b.start, highlight)
        hit = focus is not None and b.start < focus[1] and focus[0] < b.end
        cls = " qa-focus" if hit else ""
        if b.kind == "title":
            parts.append(f'<h2 class="qa-doc-title{cls}">{inner}</h2>')
        elif b.kind == "caption":
            parts.append(f'<p class="qa-caption{cls}"><em>{inner}</em></p>')
        elif b.kind == "heading":
            parts.append(f'<h3 class="qa-heading{cls}">{inner}</h3>')
        else:
            n = b.paragraph
            anchor = f' id="qa-p-{n}"' if n else ""
            num = f'<span class="qa-pn" title="paragraph {n}">{n}</span>' if n else ""
            parts.append(f'<div class="qa-para{cls}"{anchor}>{num}<p>{inner}</p></div>')
    parts.append("</article>")
    return "".join(parts)


def comparison_html(comp: Comparison, href=None) -> str:
    """A topic's coverage side by side: one column per document, with a covered / not covered
    badge and that document's best passages (numbered within the column)."""
    parts = [f'<div class="qa-compare"><div class="qa-compare-summary">Topic: <b>{html_escape(comp.topic)}</b>'
             f' — {html_escape(comp.summary)}</div><div class="qa-columns">']
    for d in comp.documents:
        badge = ('<span class="qa-badge qa-covered">covered</span>' if d.covered
                 else '<span class="qa-badge qa-not-covered">not covered</span>')
        label = "Passages on the topic:" if d.covered else "Closest passages, not coverage:"
        parts.append(f'<section class="qa-column"><h3 class="qa-column-title">{html_escape(d.title)}</h3>'
                     f'<div class="qa-column-verdict">{badge}</div>'
                     f'<div class="qa-column-label">{html_escape(label)}</div>')
        parts += [hit_html(h, href(h) if href else None, with_title=False) for h in d.passages]
        parts.append("</section>")
    parts.append("</div></div>")
    return "".join(parts)
