"""Ingestion: files -> Documents with classified, offset-exact blocks. No model here."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from ..errors import BadInput
from ..types import Document
from .clean import classify
from .readers import SUPPORTED, read_file

__all__ = ["INGEST_VERSION", "SUPPORTED", "load_document", "corpus_files", "doc_id_for", "read_metadata"]

METADATA_FILE = "metadata.json"
#: Bump when cleaning, splitting or tokenizing (qa.lexical) changes what a file gives: old indexes rebuild.
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
        blocks=blocks, added=meta.get("added") or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        notes=tuple(raw.notes),
    )
