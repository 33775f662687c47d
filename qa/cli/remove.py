"""``python -m qa remove ID``: drop a document from the index, then delete its file from the corpus
folder (``Engine.remove``: the file only once the index is written, and only while it is the file
that was indexed); also a document kept after its file went missing. A file that cannot be read
(so not checked) is not deleted: the line says so."""
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
