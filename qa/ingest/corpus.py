"""The corpus folder: which files it holds, their ids and metadata, reading one into a
Document, and copying new files in. No model here."""
from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from ..errors import BadInput
from ..types import Document
from .clean import classify
from .readers import SUPPORTED, read_file

METADATA_FILE = "metadata.json"
#: Bump when cleaning, splitting or tokenizing (qa.text) changes what a file gives: old indexes rebuild.
INGEST_VERSION = 5


def doc_id_for(path: Path) -> str:
    """A stable id from the file name: its stem, restricted to safe characters."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem).strip("._") or "document"


def read_metadata(folder: Path) -> dict:
    """Optional ``metadata.json`` in a corpus folder: {file name: {"title", "source", ...}}."""
    f = folder / METADATA_FILE
    if not f.exists():
        return {}
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"{f}: not valid JSON ({exc}); fix or delete it") from None
    return data if isinstance(data, dict) else {}


def corpus_files(folder: Path) -> list[Path]:
    """The supported files directly inside ``folder``, sorted by name."""
    if not folder.is_dir():
        raise BadInput(f"{folder}: no such folder; create it and put .txt, .md or .html files in it")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED)


def load_document(path: Path, meta: dict | None = None, doc_id: str | None = None) -> Document:
    """Read, clean and split one file into a Document."""
    meta = meta or {}
    raw = read_file(path)
    did = doc_id or doc_id_for(path)
    blocks, found_title = classify(raw.text, did, markdown=raw.markdown)
    if not any(b.kind == "body" for b in blocks):
        raise BadInput(f"{path.name}: no paragraph of text found after cleaning; is this an article?")
    title = meta.get("title") or raw.title or found_title or path.stem
    source = meta.get("source") or raw.source or path.name
    return Document(
        doc_id=did, title=title, source=source, path=str(path), sha256=raw.sha256, text=raw.text,
        blocks=blocks, added=meta.get("added") or datetime.now(UTC).isoformat(timespec="seconds"),
        notes=tuple(raw.notes),
    )


def add_files(corpus_dir: Path, paths: list[Path]) -> list[Path]:
    """Copy files into the corpus folder under safe names; never overwrite a different file.

    Returns the paths inside the corpus folder. Raises BadInput naming the first bad file.
    """
    corpus_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for src in paths:
        src = Path(src)
        if not src.is_file():
            raise BadInput(f"{src}: no such file")
        load_document(src)  # refuse unreadable, binary, oversized or text-less files before copying
        safe = doc_id_for(src) + src.suffix.lower()
        if src.suffix.lower() not in SUPPORTED:
            raise BadInput(f"{src.name}: unsupported file type; use one of {', '.join(SUPPORTED)}")
        dest = corpus_dir / safe
        if dest.exists() and dest.resolve() != src.resolve():
            if dest.read_bytes() != src.read_bytes():
                raise BadInput(f"{src.name}: a different document named {safe} is already in the corpus; "
                               "rename the file or remove the old document first")
        elif not dest.exists():
            shutil.copyfile(src, dest)
        out.append(dest)
    return out
