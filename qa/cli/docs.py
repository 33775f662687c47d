"""``python -m qa docs``: the indexed documents."""
from __future__ import annotations

import sys

from ..present.text import visible
from .common import dumps, open_engine


def add_parser(sub) -> None:
    p = sub.add_parser("docs", help="list the indexed documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    engine = open_engine(args)
    rows = [{"doc_id": d.doc_id, "title": d.title, "source": d.source, "path": d.path, "sha256": d.sha256,
             "paragraphs": len(d.passages), "added": d.added} for d in engine.documents]
    if args.json:
        sys.stdout.write(dumps(rows, indent=1) + "\n")
    else:  # titles and sources come from the documents: their control characters are shown, not obeyed
        for r in rows:
            print(visible(f"{r['doc_id']}  {r['paragraphs']:>3} paragraphs  {r['title']}  ({r['source']})"))
    return 0
