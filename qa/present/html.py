"""HTML for the browser app: answers, comparisons, the reader, the document list and the
corpus overview. Pure functions: every piece of document text goes through ``html_escape``;
the only markup is ours, styled by ``style.css`` beside this file (``CSS``).

No newline is emitted (a blank line would end an HTML block inside Markdown-rendering widgets):
line breaks inside a passage become <br>.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from ..types import Answer, Comparison, Hit
from .links import original_href, span_href
from .text import ANSWERED, answer_line, sections, verdict_head, where

#: The stylesheet of every class this module emits.
CSS = (Path(__file__).with_name("style.css")).read_text(encoding="utf-8")


def html_escape(text: str) -> str:
    return html.escape(text, quote=True)


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


#: Inline Markdown the reader renders (a Markdown document's text stays as written: offsets and
#: citations are of the raw text). Each pattern: the markers hidden, the text between them styled.
_MD_INLINE = [
    (re.compile(r"`([^`\n]+)`"), "code"),
    (re.compile(r"\[([^\]\n]+)\]\([^)\s]+\)"), "u"),  # a link: its text only, never followed
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), "strong"),
    (re.compile(r"(?<![\w*])([*_])(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])"), "em"),
]


def markdown_marks(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]]]:
    """(markers to hide, (start, end, tag) to style) of ``text``'s inline Markdown, offsets in it.
    A match that overlaps one taken earlier (code before links before emphasis) is left as text."""
    hidden: list[tuple[int, int]] = []
    styled: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, tag in _MD_INLINE:
        for m in pattern.finditer(text):
            inner = m.span(m.lastindex)
            if any(m.start() < e and s < m.end() and not (s >= inner[0] and e <= inner[1]) for s, e in taken):
                continue
            hidden += [(m.start(), inner[0]), (inner[1], m.end())]
            styled.append((inner[0], inner[1], tag))
            taken.append(m.span())
    return [h for h in hidden if h[0] < h[1]], styled


def markdown_html(text: str, base: int, spans, cls: str = "qa-hl") -> str:
    """``spans_html`` for Markdown text: inline markup rendered (bold, italics, code, a link's text),
    its markers not shown, the absolute ``spans`` still marked exactly over the characters shown.
    Each piece between two boundaries is wrapped on its own, so the tags always nest."""
    hidden, styled = markdown_marks(text)
    marks = [(max(s - base, 0), min(e - base, len(text))) for s, e in spans if s - base < len(text) and e > base]
    cuts = sorted({0, len(text), *(x for r in hidden + marks for x in r), *(x for s, e, _ in styled for x in (s, e))})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        if a >= b or any(s <= a and b <= e for s, e in hidden):
            continue
        piece = _html_lines(text[a:b])
        if any(s <= a and b <= e for s, e in marks):
            piece = f'<mark class="{cls}">{piece}</mark>'
        for s, e, tag in styled:
            if s <= a and b <= e:
                piece = f"<{tag}>{piece}</{tag}>"
        out.append(piece)
    return "".join(out)


def _html_lines(text: str) -> str:
    return html_escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def hit_html(hit: Hit, href: str | None = None, with_title: bool = True) -> str:
    """One numbered citation: [n], title, source, paragraph, then the passage verbatim with its
    best sentence(s) in ``<mark>``. ``href`` (if given) makes "[n] title" one link to the reader,
    named for a screen reader ("source 1: <title>, paragraph 13"), not two links read twice.
    ``with_title=False`` gives only [n] and the paragraph (for a column that names its document)."""
    num = f"[{hit.rank}]"
    label = html_escape(hit.title) if with_title else where(hit)
    if with_title:
        meta = f' <span class="qa-meta">— {html_escape(hit.source)}, {where(hit)}</span>'
        inner = f'<span class="qa-num">{num}</span> <span class="qa-title">{label}</span>'
    else:
        meta, inner = "", f'<span class="qa-num">{num}</span> <span class="qa-meta">{label}</span>'
    if href is not None:
        name = html_escape(f"source {hit.rank}: {short_title(hit.title)}, {where(hit)}")
        # the title carries the name too: the chat's sanitizer drops aria-label, page.js puts it back
        inner = f'<a class="qa-cite" href="{html_escape(href)}" aria-label="{name}" title="{name}">{inner}</a>'
    return (f'<div class="qa-hit"><div class="qa-hit-head">{inner}{meta}</div>'
            f'<blockquote class="qa-passage">{spans_html(hit.text, hit.start, hit.highlight)}</blockquote></div>')


def short_title(title: str, words: int = 8) -> str:
    """A title cut to its first ``words`` words (with "…"), for names read aloud and labels."""
    parts = title.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def answer_html(ans: Answer, href=None, note: str = "") -> str:
    """An answer as HTML: the ANSWERED heading and the cited passages; or (related) the reason and
    the passages under RELATED; or (not_found) NOT_ANSWERED, the reason and the closest passages
    under CLOSEST; the last two visibly set apart. ``href(hit)`` gives each citation's link;
    ``note`` is interface text shown above (escaped)."""
    kind = {"answered": "qa-answered", "related": "qa-not-answered qa-related"}.get(ans.verdict, "qa-not-answered")
    parts = [f'<div class="qa-answer {kind}">']
    if note:
        parts.append(f'<div class="qa-note">{html_escape(note)}</div>')
    headline, reason, _ = verdict_head(ans)
    line = answer_line(ans)
    if line:
        parts.append(f'<div class="qa-answer-span">{html_escape(line)}</div>')
    if headline:
        parts.append(f'<div class="qa-verdict qa-verdict-no">{html_escape(headline)}</div>')
    if reason:
        parts.append(f'<div class="qa-reason">{html_escape(reason)}</div>')
    for heading, hits in sections(ans):
        if heading:
            cls = "qa-verdict" if heading == ANSWERED else "qa-closest"
            parts.append(f'<div class="{cls}">{html_escape(heading)}</div>')
        parts += [hit_html(h, href(h) if href else None) for h in hits]
    parts.append("</div>")
    return "".join(parts)


def document_html(doc, focus: tuple[int, int] | None = None, highlight=(), link=None, prefix: str = "qa") -> str:
    """A document for reading: title, captions (as captions), headings and numbered paragraphs,
    each paragraph with ``id="qa-p-<n>"``. The block overlapping ``focus`` (a [start, end) span) gets
    class ``qa-focus``; ``highlight`` spans are wrapped in ``<mark>``. Text the cleaner dropped
    (web leftovers, repeated captions) is not shown. A document with pages (PDF) shows a
    "page N" marker (``id="qa-page-<n>"``) before the first block that starts on each page.
    ``prefix`` starts every id (two readers on one page keep their ids apart)."""
    render = markdown_html if Path(doc.path).suffix.lower() in (".md", ".markdown") else spans_html
    parts = ['<article class="qa-doc">']
    page = None
    for b in doc.blocks:
        if b.page is not None and b.page != page:
            page = b.page
            parts.append(f'<div class="qa-page" id="{prefix}-page-{page}">page {page}</div>')
        inner = render(b.text, b.start, highlight)
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
            anchor = f' id="{prefix}-p-{n}"' if n else ""
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


# -- the corpus overview (qa.analysis.overview) ----------------------------------------------------------------
# ``link(doc_id, start, end, highlight=())`` gives the href that opens a span in the reader.
# Only verbatim document text (escaped), numbers and fixed labels are shown.


def _span_link(link, span, label: str, highlight=(), cls: str = "qa-ov-link") -> str:
    text = html_escape(label)
    if link is None or span is None:
        return f'<span class="{cls}">{text}</span>'
    href = html_escape(link(span.doc_id, span.start, span.end, tuple(highlight)))
    return f'<a class="{cls}" href="{href}" title="Open in the reader">{text}</a>'


def overview_documents_html(documents, link=None) -> str:
    """The overview's legend: each document's label, title (a link to the reader), source, paragraphs."""
    items = []
    for d in documents:
        title = html_escape(d.title)
        if link is not None:
            title = (f'<a class="qa-doc-link" href="{html_escape(link(d.doc_id, None, None, ()))}" '
                     f'title="Open in the reader">{title}</a>')
        items.append(f'<li><span class="qa-ov-label">{html_escape(d.label)}</span> {title} '
                     f'<span class="qa-meta">— {html_escape(d.source)} · {d.paragraphs} paragraphs</span></li>')
    return f'<ul class="qa-ov-docs">{"".join(items)}</ul>'


#: Side-by-side statuses that mean the two documents cover a claim in common.
SHARED_STATUSES = ("shared", "partly shared")


def _status_badge(status: str) -> str:
    cls = {"shared": "qa-ov-shared", "partly shared": "qa-ov-partly"}.get(status, "qa-ov-only")
    return f'<span class="qa-badge {cls}">{html_escape(status)}</span>'


def _marked_lines(span, marks) -> str:
    """The span's text with the (absolute) ``marks`` spans inside it in ``<mark>``, escaped."""
    out, pos = [], span.start
    for s, e in sorted(marks):
        if s < pos or e > span.end:
            continue
        out.append(_html_lines(span.text[pos - span.start:s - span.start]))
        out.append(f"<mark>{_html_lines(span.text[s - span.start:e - span.start])}</mark>")
        pos = e
    out.append(_html_lines(span.text[pos - span.start:]))
    return "".join(out)


def side_by_side_html(rows, doc_a, doc_b, bar=None, link=None, show: str = "all") -> str:
    """Two documents side by side (``qa.analysis.PairRow`` rows of ``side_by_side``): each paragraph verbatim
    with its best match in the other document, the match's cosine and a status badge.

    ``doc_a``/``doc_b`` carry ``label``, ``title`` and ``paragraphs``; ``show`` is ``"all"``,
    ``"shared"`` (shared or partly shared), ``"only-a"`` or ``"only-b"``. In a shared row the
    sentences that make the same claim are marked in both paragraphs, and each paragraph's link
    opens the reader with them highlighted; an unshared match is dimmed, as the closest passage.
    ``bar`` is accepted for callers of the paragraph-cosine version and no longer shown.
    """
    la, lb = doc_a.label, doc_b.label
    by_model = any(p.same_claim is not None for r in rows for p in r.sentences)
    how = ("the claim model reads them as the same claim, probability shown" if by_model
           else "close in meaning and in the rarer words they use")
    shared_a = {r.a.paragraph for r in rows if r.status in SHARED_STATUSES and r.a is not None}
    shared_b = {r.b.paragraph for r in rows if r.status in SHARED_STATUSES and r.b is not None}
    summary = (f'<div class="qa-ov-summary"><b>{html_escape(la)}</b>: {len(shared_a)} of {doc_a.paragraphs} '
               f'paragraphs share claims with {html_escape(lb)} · <b>{html_escape(lb)}</b>: {len(shared_b)} of '
               f'{doc_b.paragraphs} paragraphs share claims with {html_escape(la)}. '
               f'<span class="qa-meta">Shared = a sentence of one and a sentence of the other make the same claim '
               f'({how}, no numbers or names at odds); both cover it, which does not mean they agree.</span></div>')
    wanted = {"all": None, "only-a": f"only in {la}", "only-b": f"only in {lb}"}.get(show)

    def cell(span, label, own: bool, r) -> str:
        if span is None:
            return '<td class="qa-ov-cell qa-ov-none">–</td>'
        marks = [(p.sentence if p.sentence.doc_id == span.doc_id else p.other) for p in r.sentences]
        marks = [(m.start, m.end) for m in marks if span.start <= m.start and m.end <= span.end]
        ref = _span_link(link, span, f"{label} ¶{span.paragraph}", marks)
        if own:
            note = ""
            cls = "qa-ov-cell"
        elif r.status in SHARED_STATUSES:
            note = f' <span class="qa-meta">the same claim in {html_escape(label)}</span>'
            cls = "qa-ov-cell"
        else:
            note = f' <span class="qa-meta">closest in {html_escape(label)}, no claim in common</span>'
            cls = "qa-ov-cell qa-ov-below"
        return (f'<td class="{cls}"><div class="qa-ov-ref">{ref}{note}</div>'
                f'<div class="qa-ov-text">{_marked_lines(span, marks)}</div></td>')

    head = (f'<thead><tr><th>{html_escape(la)} — {html_escape(doc_a.title)}</th><th class="qa-ov-mid">status, '
            f'cosine</th><th>{html_escape(lb)} — {html_escape(doc_b.title)}</th></tr></thead>')
    body, section = [], None
    for r in rows:
        if show == "shared" and r.status not in SHARED_STATUSES or wanted is not None and r.status != wanted:
            continue
        if r.direction != section:
            section = r.direction
            text = (f"Paragraphs of {la} in reading order, each with its best match in {lb}" if section == "a->b"
                    else f"Paragraphs of {lb} not shown above, each with its best match in {la}" if body
                    else f"Paragraphs of {lb} in reading order, each with its best match in {la}")
            body.append(f'<tr class="qa-ov-section"><td colspan="3">{html_escape(text)}</td></tr>')
        own_a = r.direction == "a->b"
        score = "" if r.score is None else f'<div class="qa-ov-score">{r.score:.2f}</div>'
        probs = [p.same_claim for p in r.sentences if p.same_claim is not None]
        if probs:
            score += (f'<div class="qa-ov-score" title="the claim model\'s probability that the two sentences state '
                      f'the same claim">same claim {max(probs):.2f}</div>')
        body.append(f'<tr class="qa-ov-row">{cell(r.a, la, own_a, r)}'
                    f'<td class="qa-ov-mid">{_status_badge(r.status)}{score}</td>'
                    f'{cell(r.b, lb, not own_a, r)}</tr>')
    if not body:
        body.append('<tr><td colspan="3" class="qa-meta">No paragraph has this status.</td></tr>')
    return (f'<div class="qa-ov-pair">{summary}<div class="qa-ov-scroll"><table class="qa-ov-table">{head}'
            f'<tbody>{"".join(body)}</tbody></table></div></div>')


def topics_html(topics, documents, spans=None, link=None, color=None) -> str:
    """The topic map as a table: per topic its key phrases and distinctive words, which documents cover it, each
    document's share of its text in the topic (lead or later, paragraph links) and the representative
    sentence verbatim. ``spans`` maps (doc_id, paragraph) to the paragraph's span, for the links;
    ``color(topic_id)`` gives the topic's CSS colour (as on the plots)."""
    spans = spans or {}
    labels = {d.doc_id: d.label for d in documents}
    head = ("<thead><tr><th>topic</th><th>key phrases (distinctive words)</th><th>covered by</th>"
            + "".join(f'<th class="qa-ov-share-col" title="{html_escape(d.title)}">{html_escape(d.label)}</th>'
                      for d in documents)
            + "<th>representative sentence (verbatim)</th></tr></thead>")
    body = []
    for t in topics:
        swatch = (f'<span class="qa-ov-swatch" style="background:{html_escape(color(t.topic_id))}"></span>'
                  if color else "")
        cells = []
        for d in documents:
            x = t.in_doc(d.doc_id)
            if not x.paragraphs:
                cells.append('<td class="qa-ov-share qa-meta">–</td>')
                continue
            paras = ", ".join(_span_link(link, spans.get((d.doc_id, p)), str(p)) for p in x.paragraphs)
            cells.append(f'<td class="qa-ov-share"><b>{x.share:.0%}</b> {html_escape(x.position)}'
                         f'<div class="qa-ov-paras">¶ {paras}</div></td>')
        s = t.sentence
        para = spans.get((s.doc_id, s.paragraph))
        ref = _span_link(link, para or s, f"{labels.get(s.doc_id, s.doc_id)} ¶{s.paragraph}",
                         highlight=[(s.start, s.end)])
        body.append(f'<tr><td class="qa-ov-topic">{swatch}T{t.topic_id}</td>'
                    f'<td><b>{html_escape(t.label)}</b><div class="qa-meta">{html_escape(", ".join(t.words))}</div></td>'
                    f'<td>{html_escape(t.coverage)}</td>{"".join(cells)}'
                    f'<td><div class="qa-ov-ref">{ref}</div>'
                    f'<div class="qa-ov-text">{_html_lines(s.text)}</div></td></tr>')
    note = ('<div class="qa-meta qa-ov-note">Share = part of the document’s text in the topic’s paragraphs; '
            'lead = the topic starts in the document’s first paragraphs; '
            '¶ = paragraphs (open them in the reader).</div>')
    return (f'<div class="qa-ov-topics">{note}<div class="qa-ov-box"><table class="qa-ov-table">{head}'
            f'<tbody>{"".join(body)}</tbody></table></div></div>')


def ledger_html(documents, ledger, link=None) -> str:
    """Who each document quotes or cites: one column per document, each source with its kind,
    its paragraphs and every quotation verbatim (or the attributing sentence when it has none)."""
    cols = []
    for d in documents:
        sources = ledger.of(d.doc_id)
        items = []
        for s in sources:
            mentions = []
            for m in s.mentions:
                shown = m.quotes or (m.sentence,)
                ref = _span_link(link, m.sentence, f"¶{m.paragraph}", highlight=[(q.start, q.end) for q in shown])
                quotes = "".join(f'<blockquote class="qa-passage">{_html_lines(q.text)}</blockquote>' for q in shown)
                mentions.append(f'<div class="qa-ov-mention"><div class="qa-ov-ref">{ref} '
                                f'<span class="qa-meta">{html_escape(m.cue)}</span></div>{quotes}</div>')
            items.append(f'<details class="qa-ov-source" open><summary><b>{html_escape(s.name)}</b> '
                         f'<span class="qa-badge qa-ov-kind">{html_escape(s.kind)}</span> '
                         f'<span class="qa-meta">¶ {", ".join(map(str, s.paragraphs))}</span></summary>'
                         f'{"".join(mentions)}</details>')
        if not items:
            items.append('<div class="qa-meta">No quoted or cited source found.</div>')
        cols.append(f'<section class="qa-column"><h3 class="qa-column-title">{html_escape(d.label)} — '
                    f'{html_escape(d.title)}</h3><div class="qa-column-label">{len(sources)} sources</div>'
                    f'{"".join(items)}</section>')
    note = ('<div class="qa-meta qa-ov-note">Each source as the document names it, with its quotations verbatim '
            '(or the sentence that cites it); ¶ opens the paragraph in the reader; click a name to fold it.</div>')
    return f'<div class="qa-ov-ledger">{note}<div class="qa-columns">{"".join(cols)}</div></div>'


# -- documents and the reader ---------------------------------------------------------------------

def documents_table_html(docs) -> str:
    """The document list: title (a link that opens the reader), source, paragraphs, when added."""
    rows = []
    for d in docs:
        added = d.added.replace("T", " ").replace("+00:00", " UTC") if d.added else ""
        rows.append(f'<tr><td><a class="qa-doc-link" href="{html_escape(span_href(d.doc_id))}">'
                    f"{html_escape(d.title)}</a></td><td>{html_escape(d.source)}</td>"
                    f'<td class="qa-num-cell">{len(d.passages)}</td><td>{html_escape(added)}</td>'
                    f"<td><code>{html_escape(d.doc_id)}</code></td></tr>")
    return ('<table class="qa-docs"><thead><tr><th>Title</th><th>Source</th><th>Paragraphs</th>'
            "<th>Added</th><th>Id</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def reader_html(doc, focus=None, highlight=(), original: bool = False, prefix: str = "qa") -> str:
    """The reader: a head (title, the focused paragraph and its page, source, size) and the
    document. ``original``: link "open the original" to the file (a PDF at the focused page), for
    formats whose original is not the text shown (``links.original_href``). ``prefix`` starts its
    ids: ``qa-reader-body`` in the Documents tab, ``qa-src-reader-body`` in the source panel."""
    at, block = "", None
    if focus is not None:
        block = next((b for b in doc.blocks if b.start <= focus[0] < b.end and b.paragraph), None)
        if block is not None:
            at = f" — page {block.page}, paragraph {block.paragraph}" if block.page else f" — paragraph {block.paragraph}"
    pages = max((b.page or 0 for b in doc.blocks), default=0)
    size = f"{pages} pages · " if pages else ""
    href = original_href(doc, block.page if block is not None else None) if original else None
    link = (f' · <a class="qa-original" href="{html_escape(href)}" target="_blank" rel="noopener">'
            "open the original</a>") if href else ""
    head = (f'<div class="qa-reader-head"><b>{html_escape(doc.title)}</b>{at}<br>'
            f'<span class="qa-meta">{html_escape(doc.source)} · {size}{len(doc.passages)} paragraphs</span>'
            f"{link}</div>")
    label = html_escape(f"{doc.title}{at}")
    return (f'<div class="qa-reader" id="{prefix}-reader-body" tabindex="0" role="region" aria-label="{label}">'
            f"{head}{document_html(doc, focus, highlight, prefix=prefix)}</div>")


#: The source panel beside the conversation, before a citation is opened.
EMPTY_SOURCE = ('<div class="qa-reader qa-reader-empty" id="qa-src-reader-body" tabindex="-1">'
                "Open a citation ([1], [2], …) of a reply to read its passage here, in its document.</div>")
EMPTY_READER = '<div class="qa-reader qa-reader-empty">Choose a document, or open a citation from a reply.</div>'
