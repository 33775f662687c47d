"""DOCX reader: the body's paragraphs and tables, in document order, as the document text.

python-docx (MIT, maintained, pure Python over lxml, which trafilatura already brings) reads the
Office Open XML package. Each non-empty paragraph becomes a block of the text; a table becomes
one block with a line per row (cells joined by " | "). Page headers, footers and footnotes live
in other parts of the package and are not body text, so they never become passages. The text
built here is what the index stores and the reader shows: citations are slices of it.

Refused with one line: not a .docx (an old binary .doc, or an encrypted document, which Office
stores as an OLE container), a damaged package, or one over a budget (``budget.Meter``): parts that
unpack to more than QA_MAX_UNPACKED_MB (a zip bomb: counted as the parts are inflated, chunk by
chunk, never trusting the sizes the zip directory declares), text of more than
QA_MAX_DOCUMENT_CHARS characters (counted block by block), or reading longer than
QA_MAX_READ_SECONDS.

python-docx is given a copy of the package rebuilt from the parts inflated here (stored, not
compressed): ``zipfile``'s own read of a whole member inflates everything its compressed data
holds in one call, and only then cuts it to the declared size, so a part that understates its
size would cost gigabytes before being found damaged.
"""
from __future__ import annotations

import io
import unicodedata
import zipfile
import zlib

from ..errors import BadInput
from .budget import Meter

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _clean(text: str) -> str:
    """A paragraph's text: controls other than line breaks and tabs as spaces, lines trimmed."""
    text = "".join(c if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Zl", "Zp") else " " for c in text)
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


#: Bytes inflated per read: what one step may allocate beyond the budget.
_CHUNK = 1 << 16


def _unpacked(data: bytes, name: str, meter: Meter) -> bytes:
    """The package re-written with its parts stored uncompressed, each part inflated here in chunks
    and counted against the unpacked budget as it comes (see the module's docstring)."""
    if data.startswith(_OLE):
        raise BadInput(f"{name}: an encrypted (password-protected) or old-format .doc Word file; "
                       "save it as a .docx without a password")
    damaged = BadInput(f"{name}: not a readable .docx file (not a Word package, or damaged)")
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
            infos = [i for i in z.infolist() if not i.is_dir()]
            if "word/document.xml" not in {i.filename for i in infos}:
                raise BadInput(f"{name}: not a Word document (the package has no word/document.xml)")
            if sum(i.file_size for i in infos) > meter.budget.unpacked_bytes:  # says so before inflating
                raise meter.over_unpacked()
            for info in infos:
                meter.check_time()
                part = bytearray()
                with z.open(info) as f:
                    while chunk := f.read(_CHUNK):
                        meter.add_unpacked(len(chunk))
                        part += chunk
                copy.writestr(info.filename, bytes(part))
    except BadInput:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError, EOFError,
            zlib.error, RuntimeError):  # damaged, encrypted members, unknown compression
        raise damaged from None
    return out.getvalue()


def read_docx(data: bytes, name: str, meter: Meter | None = None) -> tuple[str, str]:
    """(document text, title from the document's properties or "") of a .docx file's bytes."""
    meter = meter or Meter(name)
    package = _unpacked(data, name, meter)
    del data
    import docx
    from docx.table import Table

    try:
        doc = docx.Document(io.BytesIO(package))
        del package
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
                meter.add_chars(len(block) + 2)
                blocks.append(block)
            meter.check_time()
        title = " ".join((doc.core_properties.title or "").split())[:300]
    except (BadInput, MemoryError):
        raise
    except Exception as exc:  # lxml, KeyError on a missing part, ...: a damaged package
        raise BadInput(f"{name}: not a readable .docx file, it looks damaged ({type(exc).__name__})") from None
    return "\n\n".join(blocks), title
