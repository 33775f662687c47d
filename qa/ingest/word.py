"""DOCX reader: the body's paragraphs and tables, in document order, as the document text.

python-docx (MIT, maintained, pure Python over lxml, which trafilatura already brings) reads the
Office Open XML package. Each non-empty paragraph becomes a block of the text; a table becomes
one block with a line per row (cells joined by " | "). Page headers, footers and footnotes live
in other parts of the package and are not body text, so they never become passages. The text
built here is what the index stores and the reader shows: citations are slices of it.

Refused with one line: not a .docx (an old binary .doc, or an encrypted document, which Office
stores as an OLE container), a damaged package, or one that would unpack to more than
``MAX_UNPACKED_BYTES`` (a zip bomb).
"""
from __future__ import annotations

import io
import unicodedata
import zipfile

from ..config import MAX_FILE_BYTES
from ..errors import BadInput

#: Largest total size the package's parts may unpack to.
MAX_UNPACKED_BYTES = 20 * MAX_FILE_BYTES
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _clean(text: str) -> str:
    """A paragraph's text: controls other than line breaks and tabs as spaces, lines trimmed."""
    text = "".join(c if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Zl", "Zp") else " " for c in text)
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def _check_package(data: bytes, name: str) -> None:
    if data.startswith(_OLE):
        raise BadInput(f"{name}: an encrypted (password-protected) or old-format .doc Word file; "
                       "save it as a .docx without a password")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, ValueError, OSError):
        raise BadInput(f"{name}: not a readable .docx file (not a Word package, or damaged)") from None
    if "word/document.xml" not in names:
        raise BadInput(f"{name}: not a Word document (the package has no word/document.xml)")
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise BadInput(f"{name}: unpacks to over {MAX_UNPACKED_BYTES // 2**20} MB; refused")


def read_docx(data: bytes, name: str) -> tuple[str, str]:
    """(document text, title from the document's properties or "") of a .docx file's bytes."""
    _check_package(data, name)
    import docx
    from docx.table import Table

    try:
        doc = docx.Document(io.BytesIO(data))
        blocks = []
        for item in doc.iter_inner_content():
            if isinstance(item, Table):
                rows = []
                for row in item.rows:
                    cells: list[str] = []
                    for cell in row.cells:  # a merged cell is listed once per grid column it spans
                        t = " ".join(_clean(cell.text).split())
                        if t and (not cells or cells[-1] != t):
                            cells.append(t)
                    if cells:
                        rows.append(" | ".join(cells))
                block = "\n".join(rows)
            else:
                block = _clean(item.text)
            if block:
                blocks.append(block)
        title = " ".join((doc.core_properties.title or "").split())[:300]
    except BadInput:
        raise
    except Exception as exc:  # lxml, KeyError on a missing part, ...: a damaged package
        raise BadInput(f"{name}: not a readable .docx file, it looks damaged ({type(exc).__name__})") from None
    return "\n\n".join(blocks), title
