"""Answers, comparisons and the corpus overview as plain text for the terminal.

Everything shown is fixed interface wording, a number, or a verbatim slice of a document. A
document's control characters are shown, never obeyed: ESC and the other C0/C1 controls but
newline and tab print as ``\\x1b``-style escapes (see :func:`visible`).
"""
from __future__ import annotations

from ..types import Answer, Comparison, Hit

#: C0 controls but tab and newline, DEL and the C1 controls: written as escapes so that a document
#: cannot move the cursor, clear the screen or retitle the terminal ("\x1b]0;pwned\x07");
#: lone surrogates (no character; not writable as UTF-8) as U+FFFD; the bidirectional embedding,
#: override and isolate controls as \uXXXX, so text cannot show itself reordered ("Trojan Source").
_VISIBLE = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)] if c not in (0x09, 0x0A)}
_VISIBLE.update({c: f"\\u{c:04x}" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})
_VISIBLE.update({c: "\ufffd" for c in range(0xD800, 0xE000)})

NOT_ANSWERED = "The documents do not answer this question."
CLOSEST = "Closest passages, not an answer:"
ANSWERED = "Passages that answer it:"
RELATED = "Related passages; they may not answer this question:"
OTHERS = "Other passages; the reader judged that they do not answer it:"
ANSWER = "Answer:"


def visible(text: str) -> str:
    """``text`` safe to print on a terminal: control characters as escapes (a Windows line end
    "\\r\\n" as a plain newline), lone surrogates as U+FFFD."""
    return text.replace("\r\n", "\n").translate(_VISIBLE)


def verdict_head(ans: Answer) -> tuple[str, str, str]:
    """(headline, reason, heading of the passages) for the answer's verdict; any may be "".

    answered: the passages are the answer; related: the reason, then the passages set apart as
    related; not_found: "the documents do not answer", the reason, then the closest passages."""
    if ans.verdict == "answered":
        return "", "", ANSWERED
    if ans.verdict == "related":
        return "", ans.reason, RELATED
    return NOT_ANSWERED, ans.reason, CLOSEST if ans.passages else ""


def sections(ans: Answer) -> list[tuple[str, list[Hit]]]:
    """The passages under their headings: when the reader judged each passage, only those judged
    to answer go under ANSWERED and the rest under OTHERS; otherwise all under the verdict's heading."""
    heading = verdict_head(ans)[2]
    if ans.verdict == "answered" and any(h.answers is not None for h in ans.passages):
        yes = [h for h in ans.passages if h.answers is not False]
        no = [h for h in ans.passages if h.answers is False]
        return [(ANSWERED, yes)] + ([(OTHERS, no)] if no else [])
    return [(heading, list(ans.passages))] if ans.passages or heading else []


def answer_line(ans: Answer) -> str:
    """'Answer: <the span, verbatim> [rank]' when the reader found the answer, else ""."""
    if ans.answer_span is None:
        return ""
    rank = next((h.rank for h in ans.passages if h.doc_id == ans.answer_span.doc_id
                 and h.start <= ans.answer_span.start < h.end), 1)
    return f"{ANSWER} {ans.answer_span.text} [{rank}]"


def marked(hit: Hit, left: str, right: str, escape=lambda s: s) -> str:
    """The passage text with each highlight wrapped in left/right markers (text escaped first)."""
    out, pos = [], hit.start
    for hs, he in sorted(hit.highlight):
        out.append(escape(hit.text[pos - hit.start:hs - hit.start]))
        out.append(left + escape(hit.text[hs - hit.start:he - hit.start]) + right)
        pos = he
    out.append(escape(hit.text[pos - hit.start:]))
    return "".join(out)


def where(hit: Hit) -> str:
    """"page 2, paragraph 5" for a document with pages (PDF), else "paragraph 5"."""
    return f"page {hit.page}, paragraph {hit.paragraph}" if hit.page is not None else f"paragraph {hit.paragraph}"


def citation(hit: Hit) -> str:
    return f"{hit.title} — {hit.source}, {where(hit)} (chars {hit.start}–{hit.end})"


def answer_text(ans: Answer, color: bool = False) -> str:
    """Numbered passages with title and paragraph; the highlighted sentence between » «."""
    left, right = ("\033[1;33m", "\033[0m") if color else ("»", "«")
    headline, reason, _ = verdict_head(ans)
    lines = [f"Q: {ans.question}", ""] + [line for line in (answer_line(ans), headline, reason) if line]
    lines = [visible(line) for line in lines]
    for heading, hits in sections(ans):
        lines += [visible(heading), ""] if heading else [] if not lines[-1] else [""]
        for h in hits:  # the highlight's colour codes are ours: added after the text is made visible
            lines += [f"[{h.rank}] {visible(citation(h))}", "    " + marked(h, left, right, visible), ""]
    return "\n".join(lines).rstrip() + "\n"


def comparison_text(comp: Comparison) -> str:
    lines = [f"Topic: {comp.topic}", f"Summary: {comp.summary}", ""]
    for d in comp.documents:
        lines.append(f"== {d.title} [{d.doc_id}]: {'covered' if d.covered else 'not covered'} (score {d.score:.2f})")
        for h in d.passages:
            lines += [f"  [{h.rank}] {where(h)}", "      " + marked(h, "»", "«")]
        lines.append("")
    return visible("\n".join(lines))


def overview_text(ov) -> str:
    """A short plain-text summary for the terminal: fixed labels, numbers and verbatim words."""
    labels = {d.doc_id: d.label for d in ov.documents}
    lines = [f"{d.label}  {d.paragraphs:>3} paragraphs  {d.title}" for d in ov.documents]
    lines.append("")
    for bar in ov.alignment.bars:
        a, b = labels[bar.doc_id], labels[bar.other]
        rows_a = [r for r in ov.alignment.rows_for(bar.doc_id) if r.counterpart_in(bar.other)]
        rows_b = [r for r in ov.alignment.rows_for(bar.other) if r.counterpart_in(bar.doc_id)]
        na = sum(r.counterpart_in(bar.other).shared for r in rows_a)
        nb = sum(r.counterpart_in(bar.doc_id).shared for r in rows_b)
        lines.append(f"alignment {a}–{b}: {a} {na}/{len(rows_a)} paragraphs share claims with {b}, "
                     f"{b} {nb}/{len(rows_b)} with {a}")
    lines += ["", f"{len(ov.topics.topics)} topics:"]
    for t in ov.topics.topics:
        shares = "  ".join(f"{labels[x.doc_id]} {x.share:4.0%} {x.position:<6}" for x in t.documents)
        lines.append(f"  T{t.topic_id:<2} {t.coverage:<14} {shares}  {t.label}")
    lines += ["", "sources:"]
    for d in ov.documents:
        srcs = ov.ledger.of(d.doc_id)
        lines.append(f"  {d.label}: {len(srcs)} sources")
        for s in srcs:
            lines.append(f"     {s.kind:<11} ¶ {','.join(map(str, s.paragraphs)):<14} {s.name}")
    return visible("\n".join(lines)) + "\n"
