"""The corpus folder: which files it holds, their ids and metadata, reading one into a
Document, and copying new files in. No model here."""
from __future__ import annotations

import bisect
import contextlib
import errno
import json
import logging
import os
import re
import secrets
import shutil
import stat
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ..errors import BadInput, CorpusNotWritable
from ..text import bytes_sha256
from ..types import Document
from .budget import Meter
from .clean import classify
from .readers import SUPPORTED, RawText, check_suffix, read_bytes_checked, read_data

log = logging.getLogger(__name__)

METADATA_FILE = "metadata.json"
#: Bump when cleaning, splitting or tokenizing (qa.text) changes what a file gives: old indexes rebuild.
#: 7: PDF and DOCX readers; blocks of a PDF carry their page. 8: a generic heading ("Introduction")
#: is a heading, never the title.
INGEST_VERSION = 8
#: metadata.json fields read, each a string
METADATA_FIELDS = ("title", "source", "added")


def doc_id_for(path: Path) -> str:
    """A stable id from the file name: its stem, restricted to letters (of any script), digits
    and ``_.-``; a name with none of them ("?.txt") gets "document"."""
    stem = unicodedata.normalize("NFC", readable_name(path.stem))
    return re.sub(r"[^\w.-]+", "_", stem).strip("._") or "document"


def readable_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as lone surrogates) become
    U+FFFD, so the name can be printed, stored as JSON and compared."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def file_key(folder: Path, path: Path) -> str:
    """How the index names a corpus file: the corpus folder resolved, then the file's own name.
    The file itself is not resolved: a link must not stand for what it points to."""
    return str(folder.resolve() / readable_name(path.name))


def read_metadata(folder: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Optional ``metadata.json`` in a corpus folder: {file name: {"title", "source", "added"}},
    and one warning per entry or field ignored because it is not what it should be."""
    f = folder / METADATA_FILE
    if not os.path.lexists(f):
        return {}, []
    try:
        data = json.loads(read_bytes_checked(f).decode("utf-8-sig"))
    except (BadInput, UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = str(exc) if isinstance(exc, BadInput) else f"not valid JSON ({type(exc).__name__})"
        raise BadInput(f"{f}: {reason}; fix or delete it") from None
    if not isinstance(data, dict):
        return {}, [f"{METADATA_FILE}: ignored, it must be an object of file name: {{\"title\": ...}}"]
    meta, warnings = {}, []
    for name, entry in data.items():
        if not isinstance(entry, dict):
            warnings.append(f"{METADATA_FILE}: entry {name!r} ignored, it is not an object")
            continue
        meta[name] = {}
        for key, value in entry.items():
            if key in METADATA_FIELDS and isinstance(value, str):
                meta[name][key] = value
            elif key in METADATA_FIELDS:
                warnings.append(f"{METADATA_FILE}: {name!r} field {key!r} ignored, it is not a string")
    return meta, warnings


def corpus_files(folder: Path) -> list[Path]:
    """The entries directly inside ``folder`` with a supported extension, sorted by name, folders
    left out. Links and special files are listed so that reading them can refuse them aloud."""
    if not folder.is_dir():
        raise BadInput(f"{folder}: no such folder; create it and put .txt, .md, .html, .pdf or .docx files in it")
    out = []
    for p in folder.iterdir():
        try:
            is_dir = stat.S_ISDIR(p.lstat().st_mode)
        except OSError:
            continue  # gone since listed
        if not is_dir and p.suffix.lower() in SUPPORTED:
            out.append(p)
    return sorted(out)


def load_document(path: Path, meta: dict | None = None, doc_id: str | None = None,
                  follow_links: bool = False, data: bytes | None = None) -> Document:
    """Read, clean and split one file into a Document, within one ``ReadBudget`` (QA_* settings)
    for all of it. ``data``: the file's bytes when the caller has read them already (indexing
    reads once, hashes what it read and parses the same bytes)."""
    meter = Meter(path.name)
    if data is None:
        check_suffix(path.name, path.suffix)
        data = read_bytes_checked(path, follow_links)
    doc = document_from(read_data(data, path.name, path.suffix, meter), path.name, meta, doc_id, meter)
    doc.path = str(path)
    return doc


def document_from(raw: RawText, name: str, meta: dict | None = None, doc_id: str | None = None,
                  meter: Meter | None = None) -> Document:
    """Clean and split a read file (named ``name``) into a Document; a PDF's blocks get their page.
    Passages and time are counted against ``meter`` (a new one from the QA_* settings when None)."""
    meta = meta or {}
    did = doc_id or doc_id_for(Path(name))
    blocks, found_title = classify(raw.text, did, markdown=raw.markdown, meter=meter or Meter(name))
    if not any(b.kind == "body" for b in blocks):
        raise BadInput(f"{name}: no paragraph of text found after cleaning; is this an article?")
    if raw.page_starts:
        blocks = [replace(b, page=max(1, bisect.bisect_right(raw.page_starts, b.start))) for b in blocks]
    title = meta.get("title") or raw.title or found_title or readable_name(Path(name).stem)
    source = meta.get("source") or raw.source or readable_name(name)
    return Document(
        doc_id=did, title=title, source=source, path=name, sha256=raw.sha256, text=raw.text,
        blocks=blocks, added=meta.get("added") or datetime.now(UTC).isoformat(timespec="seconds"),
        notes=tuple(raw.notes),
    )


@dataclass(frozen=True)
class Indexed:
    """A document already in the corpus, as the check for copies sees it."""

    doc_id: str
    title: str


def indexed_by_sha(entries) -> dict[str, Indexed]:
    """sha256 -> the document of that content, from Documents or manifest FileEntries."""
    return {e.sha256: Indexed(e.doc_id, e.title) for e in entries}


def refuse_copy(name: str, sha256: str, doc_id: str, known: dict[str, Indexed]) -> None:
    """BadInput when the content ``sha256`` (to become ``doc_id``) is already another document:
    the same article added as a file and as a link would be searched, and cited, twice."""
    found = known.get(sha256)
    if found is not None and found.doc_id != doc_id:
        raise BadInput(f"{readable_name(name)}: the same content is already in the corpus as {found.doc_id} "
                       f"({found.title}); not added again")


def add_files(corpus_dir: Path, paths: list[Path], known: dict[str, Indexed] | None = None) -> list[Path]:
    """Copy files into the corpus folder under safe names; never overwrite a different file, and
    never add a second copy of a document in ``known`` (sha256 -> document; see ``refuse_copy``).

    Returns the paths inside the corpus folder. Raises BadInput naming the first bad file.
    """
    corpus_dir.mkdir(parents=True, exist_ok=True)
    known = dict(known or {})
    out = []
    for src in paths:
        src = Path(src)
        if not src.is_file():
            raise BadInput(f"{readable_name(str(src))}: no such file")
        # refuse unreadable, binary, oversized or text-less files before copying; the user named
        # this file, so a link to it is fine: its content is copied, never linked
        doc = load_document(src, follow_links=True)
        refuse_copy(src.name, doc.sha256, doc_id_for(src), known)
        known.setdefault(doc.sha256, Indexed(doc_id_for(src), doc.title))  # two copies in one batch
        safe = doc_id_for(src) + src.suffix.lower()
        dest = corpus_dir / safe
        if os.path.lexists(dest):
            if not stat.S_ISREG(dest.lstat().st_mode):
                raise BadInput(f"{safe}: the corpus holds a link or special file of that name; remove it first")
            if dest.resolve() != src.resolve() and read_bytes_checked(dest) != read_bytes_checked(src, True):
                raise BadInput(f"{readable_name(src.name)}: a different document named {safe} is already in the "
                               "corpus; rename the file or remove the old document first")
        else:
            _copy_new(src, dest)
        out.append(dest)
    return out


def _copy_new(src: Path, dest: Path) -> None:
    """Copy ``src`` to a new file ``dest`` in the corpus (see ``_create_new``)."""
    with open(src, "rb") as fin:
        _create_new(dest, lambda fout: shutil.copyfileobj(fin, fout))


def not_written(dest: Path, exc: OSError, partial: Path | None = None) -> CorpusNotWritable:
    """The one line for a failed write of ``dest``, naming the file and why; ``partial``, the
    temporary file it was being written to, is removed here (or the line says it could not be)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "free some disk space and try again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = f"check that {readable_name(str(dest.parent))} can be written"
    else:
        hint = f"check {readable_name(str(dest.parent))} and try again"
    why = (exc.strerror or str(exc) or type(exc).__name__).lower()
    left = ""
    if partial is not None:
        gone = discard(partial)
        left = f"; the partial file {readable_name(partial.name)} " + (
            "was removed" if gone else f"could not be removed, delete {readable_name(str(partial))}")
    return CorpusNotWritable(f"{readable_name(str(dest))}: not written ({why}){left}; {hint}")


def discard(path: Path) -> bool:
    """Remove a temporary file if it is there; True when it is gone."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
    return not os.path.lexists(path)


def partial_name(dest: Path, kind: str = "part") -> Path:
    """A temporary name beside ``dest`` that no other process or thread uses (the app adds from
    several threads; a name of the process id alone collided with what a failed attempt left):
    hidden, and never listed as a document (its suffix is not one)."""
    return dest.with_name(f".{dest.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}")


def _create_new(dest: Path, write) -> None:
    """Create ``dest`` in the corpus with what ``write(file)`` writes: exclusively (never through a
    link or over a file that appeared meanwhile), under a temporary name and then linked or
    renamed, so a crash never leaves half a document in the corpus. On any failure (a full disk
    included) the temporary file is removed and the line names the file and why."""
    tmp = partial_name(dest)
    made = False
    try:
        with open(tmp, "xb") as fout:
            made = True
            write(fout)
        try:
            os.link(tmp, dest)  # fails if dest exists, whatever it is
        except FileExistsError:
            raise BadInput(f"{dest.name}: appeared in the corpus while adding; try again") from None
        except OSError:  # a file system without hard links: check, then rename
            if os.path.lexists(dest):
                raise BadInput(f"{dest.name}: appeared in the corpus while adding; try again") from None
            os.rename(tmp, dest)
    except OSError as exc:
        raise not_written(dest, exc, tmp if made else None) from None
    finally:
        if made:  # only ours: the name is unique, but a file of it not made here is not touched
            discard(tmp)


#: What an original file is served as, by suffix; anything else is plain bytes.
MEDIA_TYPES = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html",
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               ".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8"}


@dataclass(frozen=True)
class Original:
    """A document's original file as it is in the corpus folder, checked to be the one indexed."""

    name: str
    media_type: str
    data: bytes


def corpus_entry(corpus_dir: Path, doc: Document) -> Path | None:
    """The entry of the corpus folder a document was indexed from, matched by name (never a
    resolved link), or None when it is gone. BadInput when the index names a file elsewhere."""
    corpus = Path(corpus_dir)
    if Path(doc.path).parent != corpus.resolve():
        raise BadInput(f"{doc.doc_id}: its file is outside the corpus folder {corpus}")
    return next((p for p in corpus_files(corpus) if file_key(corpus, p) == doc.path), None)


def indexed_file(corpus_dir: Path, doc: Document, refusing: str = "") -> tuple[Path, bytes] | None:
    """The corpus entry a document was indexed from and its bytes, only while its sha256 is still
    the indexed one; None when the entry is gone. BadInput (one line) when it is no regular file,
    cannot be read or holds other bytes: edited since, or another file took its name. Reading
    the original and deleting it (``Engine.remove``) both go through here, so neither acts on a
    file the index does not hold. ``refusing`` ("not deleting it") is said before the fix."""
    path = corpus_entry(corpus_dir, doc)
    if path is None:
        return None
    then = f"{refusing}; " if refusing else ""
    try:
        data = read_bytes_checked(path)  # never through a link
    except BadInput as exc:
        if not refusing:
            raise
        raise BadInput(f"{doc.doc_id}: {exc}; {refusing}") from None
    if bytes_sha256(data) != doc.sha256:
        raise BadInput(f"{doc.doc_id}: {readable_name(path.name)} changed since it was indexed (or is another file); "
                       f"{then}run `qa index` to update")
    return path, data


def original_file(corpus_dir: Path, doc: Document) -> Original:
    """The bytes of the corpus file a document was indexed from (``indexed_file``), so that what a
    reader opens is what the citations point into."""
    found = indexed_file(corpus_dir, doc)
    if found is None:
        raise BadInput(f"{doc.doc_id}: its file is no longer in the corpus folder; run `qa index` to update")
    path, data = found
    return Original(readable_name(path.name), MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"), data)
