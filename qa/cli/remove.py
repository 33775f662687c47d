"""``python -m qa remove ID``: delete a document's file from the corpus folder and drop it from the
index (also a document kept after its file went missing or became unreadable)."""
from __future__ import annotations

from ..present.text import visible
from .common import open_engine


def add_parser(sub) -> None:
    p = sub.add_parser("remove", help="remove a document: its corpus file is deleted and it leaves the index")
    p.add_argument("doc_id", help="the document's id, as `python -m qa docs` lists it")
    p.set_defaults(func=run)


def run(args) -> int:
    engine = open_engine(args)
    title = engine.document(args.doc_id).title
    report = engine.remove(args.doc_id)
    print(visible(f"removed {args.doc_id} ({title}): {report.documents} documents, {report.passages} passages left"))
    return 0
