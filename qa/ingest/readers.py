"""Readers: one per format, each turning a file into text plus what it knows of the metadata.

For .txt and .md the text is the file's own (decoded); citations point straight into the file.
For .html the text is the page's main text as extracted by trafilatura; for .pdf the text layer
rebuilt page by page (``pdf.py``); for .docx the body's paragraphs and tables (``word.py``). The
index stores that text beside the original, and citations point into it.
"""
from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..config import MAX_FILE_BYTES
from ..errors import BadInput
from ..text import bytes_sha256
from .budget import Meter

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
#: Above this share of control characters (other than line breaks and tabs) decoded "text" is
#: binary: random bytes decoded as latin-1 hold about a quarter; real text next to none.
MAX_CONTROL_SHARE = 0.10
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")


@dataclass
class RawText:
    text: str
    sha256: str
    markdown: bool = False
    title: str = ""
    source: str = ""
    notes: list[str] = field(default_factory=list)
    #: PDF only: where the first paragraph starting on each page begins in ``text`` (page 1 first)
    page_starts: tuple[int, ...] = ()


def decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM); else cp1252, else latin-1, saying so in the notes.
    Refuses binary data: NUL bytes, or many control characters once decoded."""
    binary = BadInput(f"{name}: looks like a binary file, not text; give a .txt, .md, .html, .pdf or .docx file")
    if b"\x00" in data[:8192]:
        raise binary
    text, notes = None, []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        for enc in ("cp1252", "latin-1"):  # latin-1 decodes any bytes: the loop always ends with text
            try:
                text, notes = data.decode(enc), [f"{name}: not valid UTF-8, decoded as {enc}"]
                break
            except UnicodeDecodeError:
                continue
    sample = text[:65536]
    controls = sum(1 for ch in sample if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc")
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        raise binary
    return text, notes


def read_bytes_checked(path: Path, follow_links: bool = False) -> bytes:
    """The bytes of a regular file no larger than MAX_FILE_BYTES, checked before reading
    (``read_checked`` without the stat)."""
    return read_checked(path, follow_links)[0]


def read_checked(path: Path, follow_links: bool = False) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file no larger than MAX_FILE_BYTES, checked before reading, and the
    stat of the open file taken before its bytes were read (``fstat`` of the same descriptor).

    That stat is what an index records beside the bytes' hash: a file edited while it is read has a
    newer size or mtime than recorded, so the next update reads it again (issue 19), where a stat
    taken after reading would match the edited file and hide the edit.

    Without ``follow_links`` a symbolic link is refused (opened with O_NOFOLLOW, so it cannot be
    swapped in between check and read): a corpus file must be the corpus's own, never a way to
    read or delete something elsewhere. Special files (FIFOs, devices) are refused, not read.
    """
    name = path.name
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_links:
        if path.is_symlink():
            raise BadInput(f"{name}: is a symbolic link; copy the file itself into the corpus folder")
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise BadInput(f"{name}: cannot be read ({exc.strerror or exc}); check the path and its permissions") from None
    st = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(st.st_mode):
        problem = f"{name}: is not a regular file (a folder, device or pipe); give a text file"
    elif st.st_size > MAX_FILE_BYTES:
        problem = f"{name}: {st.st_size / 1e6:.1f} MB is over the {MAX_FILE_BYTES // 2**20} MB limit"
    if problem:
        os.close(fd)
        raise BadInput(problem)
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(MAX_FILE_BYTES + 1)  # the file may have grown since fstat
        except OSError as exc:
            raise BadInput(f"{name}: cannot be read ({exc.strerror or exc}); check the file") from None
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(f"{name}: over the {MAX_FILE_BYTES // 2**20} MB limit")
    return data, st


def _html_main_text(html: str, name: str) -> tuple[str, str, str]:
    import trafilatura

    doc = trafilatura.bare_extraction(html, include_comments=False, include_tables=True,
                                      with_metadata=True, favor_recall=True)
    if doc is None:
        raise BadInput(f"{name}: no readable text found in this HTML page")
    get = doc.get if isinstance(doc, dict) else (lambda k, d=None: getattr(doc, k, d))
    body = get("text") or ""
    # trafilatura separates paragraphs with single newlines; blank lines make them blocks here
    body = "\n\n".join(line.strip() for line in body.splitlines() if line.strip())
    title = (get("title") or "").strip()
    source = (get("sitename") or get("author") or get("hostname") or "").strip()
    text = f"{title}\n\n{body}" if title and not body.startswith(title) else body
    return text, title, source


def read_file(path: Path, follow_links: bool = False, meter: Meter | None = None) -> RawText:
    """Read one document file; raises BadInput with a one-line reason if it cannot be used.
    Symbolic links are refused unless ``follow_links`` (a file the user names outside the corpus)."""
    check_suffix(path.name, path.suffix)
    return read_data(read_bytes_checked(path, follow_links), path.name, path.suffix, meter)


def check_suffix(name: str, suffix: str) -> None:
    if suffix.lower() not in SUPPORTED:
        raise BadInput(f"{name}: unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED)}")


#: Formats read in a child process killed at the time budget (``sandbox``): their readers are
#: CPU-bound Python or native code over a format that unpacks (PDF, DOCX) or nests (HTML).
ISOLATED = (".pdf", ".docx", ".html", ".htm")


def read_data(data: bytes, name: str, suffix: str, meter: Meter | None = None) -> RawText:
    """A document's text from its bytes, read as the format ``suffix`` names, within the budgets of
    ``meter`` (a new one, from the QA_* settings, when None)."""
    suffix = suffix.lower()
    check_suffix(name, suffix)
    meter = meter or Meter(name)
    sha = bytes_sha256(data)
    if suffix in ISOLATED:
        from .sandbox import read_isolated

        fields = read_isolated(data, name, suffix, meter, read_format)
    else:
        fields = read_format(data, name, suffix, meter)
    raw = RawText(fields["text"], sha, markdown=fields.get("markdown", False), title=fields.get("title", ""),
                  source=fields.get("source", ""), notes=list(fields.get("notes", ())),
                  page_starts=tuple(fields.get("page_starts", ())))
    if not raw.text.strip():
        raise BadInput(f"{name}: the file holds no text")
    return raw


def read_format(data: bytes, name: str, suffix: str, meter: Meter) -> dict:
    """The text of ``data`` as format ``suffix`` and what the format tells of it, as plain fields
    (text, title, source, notes, page_starts, markdown): what the child process sends back."""
    if suffix == ".pdf":
        from .pdf import read_pdf

        pdf = read_pdf(data, name, meter)
        return {"text": pdf.text, "title": pdf.title, "notes": list(pdf.notes), "page_starts": list(pdf.page_starts)}
    if suffix == ".docx":
        from .word import read_docx

        text, title = read_docx(data, name, meter)
        return {"text": text, "title": title}
    text, notes = decode(data, name)
    if suffix in (".html", ".htm"):
        text, title, source = _html_main_text(text, name)
        meter.add_chars(len(text))
        return {"text": text, "title": title, "source": source, "notes": notes}
    meter.add_chars(len(text))
    return {"text": text, "notes": notes, "markdown": suffix in (".md", ".markdown")}
