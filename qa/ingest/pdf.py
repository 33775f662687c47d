"""PDF reader: the text layer, page by page, rebuilt into a clean text whose offsets are exact.

The document text of a PDF is not in the file: it is built here from the lines pypdf extracts
(pypdf: pure Python, BSD-3-Clause, maintained by the py-pdf organisation, no native code to
install; it also tells encrypted files apart and reports the page count before any text is read).
What is built is what the index stores and the reader shows, so every citation is a slice of it:

- running headers and footers are left out: a line at the top or bottom of a page (first or last
  three lines in reading order, or the two highest or lowest on the page) whose text, digits
  aside, repeats at the edge of at least half the pages (and two), and page numbers there;
- lines of one paragraph are joined with a space; a word hyphenated at a line end is joined
  without its hyphen ("replace-" + "ment" -> "replacement") unless the document also writes it
  with the hyphen inside a line ("long-term" stays "long-term");
- paragraphs end where the gap to the next line is larger than the page's usual line spacing,
  where the font size changes, or (no positions known) after a short line ending a sentence;
  a paragraph that runs on to the next page (no final punctuation, next page starts in lower
  case) is one paragraph, cited at the page where it starts;
- paragraphs are separated by a blank line; ``page_starts[i]`` is where the first paragraph that
  starts on page ``i + 1`` begins, so a block's page is the last page starting at or before it.

Refused with one line (``BadInput``): not a PDF, damaged, encrypted with a password, or no text
layer at all (a scanned PDF: OCR is out of scope); and over a budget (``budget.Meter``, checked as
pages are read): more pages than QA_MAX_PDF_PAGES, page content streams unpacking to more than
QA_MAX_UNPACKED_MB in all (counted before each page is parsed: a stream that every page draws
counts for every page, as pypdf parses it again for each), more characters than
QA_MAX_DOCUMENT_CHARS, or longer than QA_MAX_READ_SECONDS (the child process that reads a PDF,
``sandbox``, is killed at that limit, even inside one page).
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import math
import re
import unicodedata
from dataclasses import dataclass

from ..errors import BadInput
from .budget import Meter

#: Lines at each end of a page (in reading order) that may be running headers or footers.
EDGE_LINES = 3
_TERMINAL = tuple(".!?…:;\"'”’)]")
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_PAGE_NUMBER = re.compile(
    r"(?:(?:page|p\.|pg\.?|seite|página|pagina)\s*)?[-–—(\[]?\s*(?:\d{1,4}|[ivxlc]{1,7})\s*[-–—)\]]?"
    r"(?:\s*(?:of|/|von|de)\s*\d{1,4})?", re.I)
_HYPHENATED = re.compile(r"\b(\w+-\w+)\b")


@dataclass(frozen=True)
class Line:
    """One line of a page as extracted: its text and, when pypdf gave them, its position and size."""

    text: str
    x: float | None = None
    y: float | None = None
    size: float = 0.0


@dataclass
class PdfText:
    text: str
    page_starts: tuple[int, ...]
    title: str = ""
    notes: tuple[str, ...] = ()


# -- reading the file -------------------------------------------------------------------------------

@contextlib.contextmanager
def _quiet_pypdf(meter: Meter):
    """pypdf logs a warning for every oddity of a damaged file; the refusal (or nothing) is what the
    user needs, so its logger is raised to ERROR while reading. pypdf's own limits on what one
    stream may inflate to are lowered to the unpacked budget (they are 75 MB by default)."""
    import pypdf

    logger = logging.getLogger("pypdf")
    old = logger.level
    logger.setLevel(logging.ERROR)
    cap = meter.budget.unpacked_bytes + 1
    config = pypdf.get_configuration()
    limits = {f.name: min(getattr(config, f.name), cap) for f in dataclasses.fields(config)
              if f.name.endswith("_output_length") or f.name == "maximum_declared_stream_length"}
    try:
        with pypdf.apply_configuration(**limits):
            yield
    finally:
        logger.setLevel(old)


def _content_bytes(page) -> int:
    """How many bytes of content stream pypdf will parse to read ``page`` (after inflating); 0 when
    they cannot be had (the page's own reading then fails and says so)."""
    import pypdf.errors

    try:
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        if contents is None:
            return 0
        streams = contents if isinstance(contents, list) else [contents]
        return sum(len(s.get_object().get_data()) for s in streams)
    except (pypdf.errors.LimitReachedError, MemoryError):
        raise
    except Exception:  # damaged: left to page_lines, which marks the page unreadable
        return 0


def _open(data: bytes, name: str, meter: Meter):
    import pypdf

    if b"%PDF-" not in data[:1024]:
        raise BadInput(f"{name}: not a PDF file (no %PDF- header); give a PDF, .docx, .txt, .md or .html file")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except MemoryError:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged input
        raise BadInput(f"{name}: not a readable PDF, the file looks damaged ({type(exc).__name__})") from None
    if encrypted:
        try:
            opened = bool(reader.decrypt(""))  # encrypted only against changes: readable as is
        except Exception:
            opened = False
        if not opened:
            raise BadInput(f"{name}: the PDF is encrypted (password-protected); save a copy without a password "
                           "and add that")
    try:
        pages = len(reader.pages)
    except Exception as exc:
        raise BadInput(f"{name}: not a readable PDF, its page list is damaged ({type(exc).__name__})") from None
    meter.check_pages(pages)
    return reader


def _position(cm, tm) -> tuple[float, float, float]:
    """x, y and effective font scale of a text chunk: the text matrix times the current matrix."""
    x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
    y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
    scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
    return x, y, scale


def page_lines(page) -> list[Line]:
    """The non-blank lines of one page in pypdf's reading order, each with the position of its first
    piece of text (pypdf's visitor sees the same text it returns, piece by piece)."""
    chunks: list[tuple[str, tuple | None]] = []

    def visit(text, cm, tm, font_dict, font_size):
        pos = None
        if text.strip() and cm is not None and tm is not None:
            x, y, scale = _position(cm, tm)
            pos = (x, y, (font_size or 0) * (scale or 1))
        chunks.append((text, pos))

    out = page.extract_text(visitor_text=visit)
    if "".join(t for t, _ in chunks) != out:  # positions cannot be matched to lines: text only
        chunks = [(out, None)]
    lines: list[Line] = []
    buf: list[str] = []
    pos = None
    for text, p in chunks:
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            if i > 0:
                _flush(lines, buf, pos)
                buf, pos = [], None
            buf.append(piece)
            if pos is None and piece.strip() and p is not None:
                pos = p
    _flush(lines, buf, pos)
    return lines


def _clean_line(text: str) -> str:
    text = text.translate(_LIGATURES)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(text.split())


def _flush(lines: list[Line], buf: list[str], pos) -> None:
    text = _clean_line("".join(buf))
    if text:
        x, y, size = pos if pos else (None, None, 0.0)
        lines.append(Line(text, x, y, size))


def read_pdf(data: bytes, name: str, meter: Meter | None = None) -> PdfText:
    """The document text of a PDF (see the module's docstring); BadInput if it cannot give one."""
    import pypdf.errors

    meter = meter or Meter(name)
    with _quiet_pypdf(meter):
        reader = _open(data, name, meter)
        pages: list[list[Line]] = []
        unreadable: list[int] = []
        for i, page in enumerate(reader.pages, 1):
            meter.check_time()
            try:
                meter.add_unpacked(_content_bytes(page), "its pages' content unpacks")
            except pypdf.errors.LimitReachedError:
                raise meter.over_unpacked("a page's content unpacks") from None
            try:
                lines = page_lines(page)
            except MemoryError:
                raise
            except Exception:
                lines = []
                unreadable.append(i)
            meter.add_chars(sum(len(ln.text) + 1 for ln in lines))
            pages.append(lines)
        title = _metadata_title(reader)
    if not any(pages):
        if unreadable:
            raise BadInput(f"{name}: not a readable PDF, no page's text could be read; the file looks damaged")
        raise BadInput(f"{name}: the PDF has no text layer (a scanned document?); OCR is not supported, "
                       "give a PDF with selectable text")
    text, starts = build_text(pages)
    notes = []
    if unreadable:
        notes.append(f"{name}: page(s) {_ranges(unreadable)} could not be read and are left out")
    empty = [i for i, lines in enumerate(pages, 1) if not lines and i not in unreadable]
    if empty and len(empty) * 2 >= len(pages):
        notes.append(f"{name}: page(s) {_ranges(empty)} have no text layer (scanned?) and are left out")
    return PdfText(text, starts, title, tuple(notes))


def _metadata_title(reader) -> str:
    try:
        title = (reader.metadata or {}).get("/Title") or ""
    except Exception:
        return ""
    title = _clean_line(str(title))
    bad = not title or title.lower() in ("untitled", "title", "document") or \
        re.search(r"\.(docx?|pdf|tex|dvi|odt|rtf|indd|pages)$", title, re.I) or title.startswith("Microsoft ")
    return "" if bad else title[:300]


def _ranges(numbers: list[int]) -> str:
    out, i = [], 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        out.append(str(numbers[i]) if i == j else f"{numbers[i]}-{numbers[j]}")
        i = j + 1
    return ", ".join(out)


# -- building the text: pure functions of the pages' lines --------------------------------------------

def _shape(text: str) -> str:
    """A line's text with digits folded, for spotting running headers that carry a page number."""
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _edges(lines: list[Line]) -> set[int]:
    n = len(lines)
    edge = set(range(min(EDGE_LINES, n))) | set(range(max(0, n - EDGE_LINES), n))
    with_y = [i for i, ln in enumerate(lines) if ln.y is not None]
    by_y = sorted(with_y, key=lambda i: lines[i].y)
    edge |= set(by_y[:2]) | set(by_y[-2:])
    return edge


def furniture(pages: list[list[Line]]) -> list[set[int]]:
    """For each page, the indexes of its lines that are running headers, footers or page numbers."""
    edges = [_edges(lines) for lines in pages]
    counts: dict[str, int] = {}
    for lines, edge in zip(pages, edges):
        for shape in {_shape(lines[i].text) for i in edge}:
            counts[shape] = counts.get(shape, 0) + 1
    with_text = sum(1 for lines in pages if lines)
    need = max(2, math.ceil(with_text / 2))
    out = []
    for lines, edge in zip(pages, edges):
        out.append({i for i in edge if (with_text >= 2 and counts[_shape(lines[i].text)] >= need)
                    or _PAGE_NUMBER.fullmatch(lines[i].text)})
    return out


def _line_gap(lines: list[Line]) -> float | None:
    """The page's usual distance between consecutive lines of a paragraph: the lower quartile of
    the downward steps (paragraph gaps are the larger ones; steps under 0.6 of the font size are
    sub- or superscripts, not lines)."""
    steps = sorted(a.y - b.y for a, b in zip(lines, lines[1:])
                   if a.y is not None and b.y is not None
                   and 0.6 * max(a.size, b.size, 1.0) < a.y - b.y < 3 * max(a.size, b.size, 1.0))
    return steps[len(steps) // 4] if steps else None


def _breaks(a: Line, b: Line, gap: float | None, longest: int) -> bool:
    """True if a paragraph ends between lines ``a`` and ``b`` of one page."""
    if a.size and b.size and abs(a.size - b.size) > 0.5:
        return True  # a heading, a caption or a footnote in another size
    ends = a.text.endswith(_TERMINAL)
    if gap is not None and a.y is not None and b.y is not None:
        step = a.y - b.y
        if step > gap * 1.3 + 0.5:
            return True
        if step < -gap:  # moved up: the next column or a new frame; a sentence may run on
            return ends
        if ends and b.x is not None and a.x is not None and b.x > a.x + max(b.size, 4.0):
            return True  # the next line is indented: a new paragraph
        return False
    return ends and len(a.text) < 0.75 * longest


def paragraphs(pages: list[list[Line]]) -> list[tuple[int, list[str]]]:
    """(page number where it starts, its lines) for every paragraph of the body text, in order;
    headers, footers and page numbers left out, paragraphs running on across a page joined."""
    drop = furniture(pages)
    out: list[tuple[int, list[str]]] = []
    for number, (lines, skip) in enumerate(zip(pages, drop), 1):
        body = [ln for i, ln in enumerate(lines) if i not in skip]
        if not body:
            continue
        gap = _line_gap(body)
        longest = max(len(ln.text) for ln in body)
        first = True
        for i, ln in enumerate(body):
            if first and out and _runs_on(out[-1][1][-1], ln.text):
                out[-1][1].append(ln.text)
            elif i == 0 or _breaks(body[i - 1], ln, gap, longest):
                out.append((number, [ln.text]))
            else:
                out[-1][1].append(ln.text)
            first = False
    return out


def _runs_on(last: str, first: str) -> bool:
    """A page's last line continues on the next page's first line: no sentence end, lower case next."""
    return not last.endswith(_TERMINAL) and first[:1].islower()


def _join(lines: list[str], compounds: set[str], out: list[str]) -> None:
    for i, line in enumerate(lines):
        if i > 0:
            prev = lines[i - 1]
            hyphen = prev.endswith(("-", "\u00ad")) and len(prev) > 1 and prev[-2].isalpha() and line[:1].islower()
            if hyphen:
                out[-1] = out[-1][:-1]
                word = re.search(r"(\w+)$", out[-1])
                nxt = re.match(r"\w+", line)
                if prev.endswith("-") and word and nxt and f"{word.group(1)}-{nxt.group(0)}".lower() in compounds:
                    out[-1] += "-"
            else:
                out.append(" ")
        out.append(line)


def build_text(pages: list[list[Line]]) -> tuple[str, tuple[int, ...]]:
    """The document text of the pages' lines and where each page's text starts in it.

    Paragraphs are separated by a blank line; a page with no body text starts where the next
    page's text does (or at the end)."""
    compounds = {m.group(1).lower() for lines in pages for ln in lines for m in _HYPHENATED.finditer(ln.text)}
    parts: list[str] = []
    starts: list[int | None] = [None] * len(pages)
    length = 0
    for page, lines in paragraphs(pages):
        if parts:
            parts.append("\n\n")
            length += 2
        if starts[page - 1] is None:
            starts[page - 1] = length
        piece: list[str] = []
        _join(lines, compounds, piece)
        para = "".join(piece)
        parts.append(para)
        length += len(para)
    text = "".join(parts)
    # a page where no paragraph starts (empty, or all of it continuing the previous page's last
    # paragraph) starts where the next paragraph does: blocks are cited at the page they start on
    fixed: list[int] = []
    nxt = len(text)
    for s in reversed(starts):
        nxt = nxt if s is None else s
        fixed.append(nxt)
    fixed.reverse()
    return text, tuple(fixed)
