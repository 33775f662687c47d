"""``python -m qa docs``: the indexed documents."""
from __future__ import annotations

import json
import sys

from .common import open_engine


def add_parser(sub) -> None:
    p = sub.add_parser("docs", help="list the indexed documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    engine = open_engine(args)
    rows = [{"doc_id": d.doc_id, "title": d.title, "source": d.source, "path": d.path, "sha256": d.sha256,
             "paragraphs": len(d.passages), "added": d.added} for d in engine.documents]
    if args.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    else:
        for r in rows:
            print(f"{r['doc_id']}  {r['paragraphs']:>3} paragraphs  {r['title']}  ({r['source']})")
    return 0
