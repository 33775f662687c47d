"""Classify a document's blocks: body paragraphs, the title, photo captions and web leftovers.

Nothing is removed from the text itself (citations point into it); leftovers are simply not
turned into blocks, captions become ``caption`` blocks that are shown but never answered with,
and only body blocks are numbered and searched.
"""
from __future__ import annotations

import re

from ..types import Block, Offsets
from .budget import Meter
from .split import block_spans, capped_spans, line_spans, sentence_spans

# Lines that are page furniture rather than article text (ads, sign-up and "trending" prompts).
_LEFTOVER = re.compile(
    r"^(advertisement|advert|sponsored( content)?|promoted( stories)?|ad|"
    r"join the conversation.*|trending on .*|trending now|sign up.*|subscribe.*|"
    r"share( this)?( article| story)?|read more.*|click here.*|related( articles| stories)?|"
    r"recommended( for you)?|continue reading.*|comments?|newsletter.*|follow us.*|"
    r"skip to (main )?content|cookie.*|accept( all)?( cookies)?)[.:!]?$",
    re.I,
)
# Photo credits: agencies and the words credit lines use.
_CREDIT = re.compile(
    r"\b(photo|photograph|pool|via AP|AP|AFP|Reuters|REUTERS|Getty( Images)?|EPA(-EFE)?|"
    r"Shutterstock|Sputnik|Bloomberg|Alamy|TASS|Xinhua|credit|image)\b"
)
_CREDIT_DASH = re.compile(r"\s[-–—]\s*[A-Z][\w .,/&'-]*$")
_TERMINAL = tuple(".!?…\"'”’:;)")
_SHORT_WORDS = 3


def _is_leftover(line: str) -> bool:
    return bool(_LEFTOVER.match(line.strip()))


def _looks_like_caption(line: str, repeated: bool) -> bool:
    words = line.split()
    if line.endswith(_TERMINAL) or len(words) > 30:
        return False
    return repeated or bool(_CREDIT.search(line)) or bool(_CREDIT_DASH.search(line))


def _heading_span(text: str, s: int, e: int) -> Offsets:
    """For a Markdown heading ``# Title`` the span of ``Title``."""
    m = re.match(r"#{1,6}[ \t]+", text[s:e])
    return (s + m.end(), e) if m else (s, e)


#: Section headings that name no document ("Introduction", "1. Background", "Chapter 2"): never its
#: title. A PDF without a title in its metadata would otherwise be titled "Introduction".
_GENERIC_HEADING = re.compile(
    r"(?:(?:\d+|[ivx]+)[.)]?\s+)?(?:(?:executive\s+)?summary|abstract|introduction|(?:table\s+of\s+)?contents|"
    r"overview|background|preface|foreword|acknowledge?ments?|references|bibliography|appendix(?:\s+\w+)?|"
    r"conclusions?|methods?|results|discussion|notes|index|untitled|draft|"
    r"(?:chapter|section|part|page)\s+[\divx]+)[.:]?",
    re.IGNORECASE)


def is_generic_heading(line: str) -> bool:
    """A line that is only a section's generic name, such as "Introduction" or "2. Methods"."""
    return bool(_GENERIC_HEADING.fullmatch(" ".join(line.split()).strip("#*_ ")))


def classify(text: str, doc_id: str, markdown: bool = False, meter: Meter | None = None) -> tuple[list[Block], str]:
    """Blocks of ``text`` in reading order, and the title found in it ("" if none).

    Rules, in order, per blank-line block:
    - lines that are web leftovers are dropped; a block of only leftovers is dropped;
    - a line repeated right after itself is kept once (B prints captions twice);
    - before the first body paragraph, the first remaining block that is one short line without
      final punctuation, and not a generic section heading ("Introduction": kept as a heading), is
      the title (a heading after the text has begun, "Budget", is not);
    - a one-line block without final punctuation that repeats or reads as a photo credit
      is a caption; one of three words or fewer is dropped as a leftover;
    - a body block whose text already appeared as a body block is dropped (duplicates);
    - everything else is a body paragraph, numbered from 1, with its sentences.

    With a ``meter``, each passage is counted and the clock checked per block, so a document over
    its passage or time budget is refused as soon as it gets there.
    """
    blocks: list[Block] = []
    seen_bodies: set[str] = set()
    title = ""
    number = 0
    for bs, be in block_spans(text):
        if meter is not None:
            meter.check_time()
        lines = [(s, e) for s, e in line_spans(text, bs, be) if not _is_leftover(text[s:e])]
        if not lines:
            continue
        deduped: list[Offsets] = []
        repeated = False
        for s, e in lines:
            if deduped and text[deduped[-1][0]:deduped[-1][1]] == text[s:e]:
                repeated = True
                continue
            deduped.append((s, e))
        s, e = deduped[0][0], deduped[-1][1]
        one_line = len(deduped) == 1
        line = text[s:e]
        if markdown and one_line and line.startswith("#"):
            hs, he = _heading_span(text, s, e)
            if not title and not number and not is_generic_heading(text[hs:he]):
                title = text[hs:he]
                blocks.append(Block(doc_id, "title", hs, he, text[hs:he]))
                continue
            # later headings are read as captions-like labels: shown, not answered with
            blocks.append(Block(doc_id, "heading", hs, he, text[hs:he]))
            continue
        if one_line and not title and not number and not line.endswith(_TERMINAL) and len(line.split()) <= 30 \
                and not repeated:
            if is_generic_heading(line):
                blocks.append(Block(doc_id, "heading", s, e, line))
                continue
            title = line
            blocks.append(Block(doc_id, "title", s, e, line))
            continue
        if one_line and _looks_like_caption(line, repeated):
            blocks.append(Block(doc_id, "caption", s, e, line))
            continue
        if one_line and len(line.split()) <= _SHORT_WORDS and not line.endswith(_TERMINAL):
            continue
        key = " ".join(text[s:e].split())
        if key in seen_bodies:
            continue
        seen_bodies.add(key)
        for ps, pe in capped_spans(text, s, e):  # an over-long paragraph becomes several passages
            if meter is not None:
                meter.add_passage()
            number += 1
            blocks.append(Block(doc_id, "body", ps, pe, text[ps:pe], number, tuple(sentence_spans(text, ps, pe))))
    return blocks, title
