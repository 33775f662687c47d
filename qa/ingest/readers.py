"""Readers: one per format, each turning a file into text plus what it knows of the metadata.

For .txt and .md the text is the file's own (decoded); citations point straight into the file.
For .html the text is the page's main text as extracted by trafilatura: the index stores that
text beside the original, and citations point into it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import MAX_FILE_BYTES
from ..errors import BadInput
from ..text import bytes_sha256

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm")


@dataclass
class RawText:
    text: str
    sha256: str
    markdown: bool = False
    title: str = ""
    source: str = ""
    notes: list[str] = field(default_factory=list)


def decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM); else cp1252, else latin-1, saying so in the notes."""
    if b"\x00" in data[:8192]:
        raise BadInput(f"{name}: looks like a binary file, not text; give a .txt, .md or .html file")
    try:
        text = data.decode("utf-8-sig")
        return text, []
    except UnicodeDecodeError:
        pass
    for enc in ("cp1252", "latin-1"):
        try:
            return data.decode(enc), [f"{name}: not valid UTF-8, decoded as {enc}"]
        except UnicodeDecodeError:
            continue
    raise BadInput(f"{name}: cannot be decoded as text")  # unreachable: latin-1 decodes all bytes


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


def read_file(path: Path) -> RawText:
    """Read one document file; raises BadInput with a one-line reason if it cannot be used."""
    name = path.name
    if path.suffix.lower() not in SUPPORTED:
        raise BadInput(f"{name}: unsupported file type {path.suffix or '(none)'}; use one of {', '.join(SUPPORTED)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{name}: cannot be read ({exc.strerror or exc}); check the path and its permissions") from None
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(f"{name}: {len(data) / 1e6:.1f} MB is over the {MAX_FILE_BYTES // 2**20} MB limit")
    sha = bytes_sha256(data)
    text, notes = decode(data, name)
    if path.suffix.lower() in (".html", ".htm"):
        text, title, source = _html_main_text(text, name)
        raw = RawText(text, sha, title=title, source=source, notes=notes)
    else:
        raw = RawText(text, sha, markdown=path.suffix.lower() in (".md", ".markdown"), notes=notes)
    if not raw.text.strip():
        raise BadInput(f"{name}: the file holds no text")
    return raw
