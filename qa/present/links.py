"""The citation link format: how a passage, a span or a document is named in a link that opens
the reader, and how such a link is read back (the app's browser glue passes it to the server).

    #qa-open:<doc_id>                              the document's top
    #qa-open:<doc_id>/<start>-<end>/<s>-<e>,...    a span in context, with highlighted spans
"""
from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import quote

from ..types import Hit, Offsets

#: Prefix of the links that open a document in the reader.
OPEN_PREFIX = "#qa-open:"
_DOC_ID = re.compile(r"[A-Za-z0-9_.-]+")
#: Where the app serves a document's original file (``ui.rest``; ``Engine.original``).
ORIGINAL_ROUTE = "/api/documents/{doc_id}/original"
#: Formats whose original is not the text the reader shows, and so worth opening.
ORIGINAL_FORMATS = (".pdf", ".docx", ".html", ".htm")


def span_href(doc_id: str, start: int | None = None, end: int | None = None, highlight=()) -> str:
    """The link that opens a document in the reader at [start, end) with ``highlight`` marked
    (the document's top when start is None); see ``parse_open_target``."""
    if start is None or end is None:
        return f"{OPEN_PREFIX}{doc_id}"
    spans = ",".join(f"{s}-{e}" for s, e in highlight)
    return f"{OPEN_PREFIX}{doc_id}/{start}-{end}/{spans}"


def open_href(hit: Hit) -> str:
    """The link that opens a hit in the reader, its highlighted sentences marked."""
    return span_href(hit.doc_id, hit.start, hit.end, hit.highlight)


def parse_open_target(target: str) -> tuple[str, Offsets | None, list[Offsets]]:
    """The inverse of ``span_href`` (without the prefix): (doc_id, focus span or None, highlights).

    Raises ValueError for anything else: the target comes from the browser and is not trusted.
    """
    parts = target.strip().split("/")
    if not parts[0] or len(parts) > 3 or not _DOC_ID.fullmatch(parts[0]):
        raise ValueError(f"not a document link: {target!r}")

    def span(s: str) -> Offsets:
        a, b = s.split("-")
        return int(a), int(b)

    focus = span(parts[1]) if len(parts) > 1 and parts[1] else None
    highlight = [span(s) for s in parts[2].split(",") if s] if len(parts) > 2 else []
    return parts[0], focus, highlight


def original_href(doc, page: int | None = None) -> str | None:
    """The link to a document's original file, at ``page`` for a PDF (PDF viewers read a
    ``#page=N`` fragment); None for plain-text formats, whose original is the text shown."""
    suffix = PurePath(doc.path).suffix.lower()
    if suffix not in ORIGINAL_FORMATS:
        return None
    href = ORIGINAL_ROUTE.format(doc_id=quote(doc.doc_id, safe=""))
    return f"{href}#page={int(page)}" if page and suffix == ".pdf" else href
