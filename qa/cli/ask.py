"""``python -m qa ask QUESTION`` (or ``--batch FILE``): cited passages, or why none answers."""
from __future__ import annotations

import sys

from ..config import DEFAULT_TOP_K
from ..errors import BadInput
from ..search.fusion import METHODS
from .common import check_docs, emit, open_engine, read_batch


def add_parser(sub) -> None:
    p = sub.add_parser("ask", help="answer a question with cited passages")
    p.add_argument("question", nargs="?")
    p.add_argument("--batch", metavar="FILE", help="JSON lines {\"id\", \"question\"} (- for stdin)")
    p.add_argument("--top-k", type=int, default=DEFAULT_TOP_K)
    p.add_argument("--doc", action="append", metavar="ID", help="search only this document (repeatable)")
    p.add_argument("--method", default="hybrid", choices=list(METHODS))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..present.text import answer_text
    from ..search.retrieve import check_question

    if args.batch is None and args.question is None:
        raise BadInput("give a question, e.g. python -m qa ask \"Who confronted Putin?\", or --batch FILE")
    if args.batch is None:
        check_question(args.question)  # a bad question is refused before any index work
    engine = open_engine(args)
    check_docs(engine, args.doc)
    if args.batch is None:
        ans = engine.ask(args.question, args.top_k, args.doc, args.method)
        if args.json:
            emit(ans.to_json())
        else:
            sys.stdout.write(answer_text(ans, color=sys.stdout.isatty()))
        return 0
    for row in read_batch(args.batch, "question"):
        try:
            out = engine.ask(str(row["question"]), args.top_k, args.doc, args.method).to_json()
        except BadInput as exc:  # one bad line must not sink the others
            out = {"question": row["question"], "answered": False, "passages": [], "error": str(exc)}
        if args.json:
            emit({"id": row.get("id"), **out})
        else:
            print(f"[{row.get('id')}] {out['question']}: {'answered' if out['answered'] else 'not answered'}")
    return 0
