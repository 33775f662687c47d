"""Split text into blocks, lines and sentences as [start, end) spans into the original text.

Every function here returns spans, never new strings, so ``text[start:end]`` is always the
piece it names: that is what keeps every citation verbatim.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..types import Offsets

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
# A block longer than this with line breaks but no blank lines is most likely a text whose
# paragraphs are separated by single newlines; it is split at its line breaks.
LONG_BLOCK_CHARS = 2500
#: Longest passage, in characters. A longer paragraph (a one-line file, a page with no breaks) is
#: cut at the last sentence end before the limit, else at a space, else anywhere: the model reads
#: only the first 256 tokens of a passage, and a reader cannot check a citation of megabytes.
MAX_PASSAGE_CHARS = 3000
_SENTENCE_END = re.compile(r"[.!?…][”’\"')\]]*\s")


def trim(text: str, start: int, end: int) -> Offsets:
    """Shrink [start, end) so that it neither starts nor ends with white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def line_spans(text: str, start: int = 0, end: int | None = None) -> list[Offsets]:
    """Non-blank lines of ``text[start:end]``, trimmed."""
    end = len(text) if end is None else end
    spans, pos = [], start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        s, e = trim(text, pos, stop)
        if s < e:
            spans.append((s, e))
        pos = stop + 1
    return spans


def block_spans(text: str) -> list[Offsets]:
    """Blocks separated by blank lines, trimmed; over-long blocks are split at line breaks."""
    spans, pos = [], 0
    for m in _BLANK_LINE.finditer(text):
        spans.append(trim(text, pos, m.start()))
        pos = m.end()
    spans.append(trim(text, pos, len(text)))
    out: list[Offsets] = []
    for s, e in spans:
        if s >= e:
            continue
        if e - s > LONG_BLOCK_CHARS and "\n" in text[s:e]:
            out.extend(line_spans(text, s, e))
        else:
            out.append((s, e))
    return out


def capped_spans(text: str, start: int, end: int, limit: int = MAX_PASSAGE_CHARS) -> list[Offsets]:
    """[start, end) cut into trimmed spans of at most ``limit`` characters (one span if it fits)."""
    out: list[Offsets] = []
    pos = start
    while end - pos > limit:
        stop = pos + limit
        half = pos + limit // 2  # never cut in the first half: pieces stay long enough to mean something
        ends = [m.end() for m in _SENTENCE_END.finditer(text, half, stop)]
        if ends:
            cut = ends[-1]
        else:
            space = max(text.rfind(c, half, stop) for c in " \n\t")
            cut = space + 1 if space != -1 else stop
        out.append(trim(text, pos, cut))
        pos = cut
    out.append(trim(text, pos, end))
    return [x for x in out if x[0] < x[1]]


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd  # light, but only needed when splitting

    return pysbd.Segmenter(language="en", clean=False)


# A boundary inside one pysbd sentence: terminal punctuation, optional closing quotes, space,
# then a capital or an opening quote. pysbd keeps whole quotations together; this splits them.
_INNER_BOUNDARY = re.compile(r"[.!?…]+[”’\"')\]]*\s+(?=[“‘\"'(\[]?[A-Z])")
_WORD_BEFORE = re.compile(r"(\w+)\W*$")


def _refine(text: str, start: int, end: int) -> list[Offsets]:
    """Split [start, end) at inner boundaries whose preceding word is lower-case (not "Mr", "V", "U.S")."""
    out, s = [], start
    for m in _INNER_BOUNDARY.finditer(text, start, end):
        before = _WORD_BEFORE.search(text, s, m.start())
        word = before.group(1) if before else ""
        if not (len(word) >= 2 and (word.islower() or word.isdigit())):
            continue
        cut = m.start() + len(m.group(0).rstrip())
        out.append(trim(text, s, cut))
        s = m.end()
    out.append(trim(text, s, end))
    return [x for x in out if x[0] < x[1]]


_FALLBACK_SENTENCE = re.compile(r".+?(?:[.!?…]+[\"'”’)\]]*(?=\s)|$)", re.S)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Offsets]:
    """Sentences of ``text[start:end]`` as absolute spans, by pysbd.

    pysbd returns strings; each is located in the original text from a moving cursor, so the
    spans are exact even where pysbd normalises white space. A piece that cannot be located
    falls back to a simple punctuation rule for the rest of the range.
    """
    end = len(text) if end is None else end
    chunk = text[start:end]
    if not chunk.strip():
        return []
    # pysbd ends a sentence at every line break; inside a block a single line break is wrapping
    # (hard-wrapped text), so pysbd sees spaces instead: same length, so offsets are unchanged.
    flat = chunk.replace("\r", " ").replace("\n", " ")
    try:
        pieces = _segmenter().segment(flat)
    except Exception:  # pysbd raises on a few odd inputs; the fallback still gives exact spans
        pieces = []
    spans: list[Offsets] = []
    cursor = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        at = flat.find(piece, cursor)
        if at == -1:
            break
        s_, e_ = trim(text, start + at, start + at + len(piece))
        spans.extend(_refine(text, s_, e_))
        cursor = at + len(piece)
    rest_s, rest_e = trim(text, start + cursor, end)
    if rest_s < rest_e:
        for m in _FALLBACK_SENTENCE.finditer(text, rest_s, rest_e):
            s, e = trim(text, m.start(), m.end())
            if s < e:
                spans.append((s, e))
    return [s for s in spans if s[0] < s[1]]
