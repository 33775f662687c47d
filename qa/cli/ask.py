"""``python -m qa ask QUESTION`` (or ``--batch FILE``): cited passages, or why none answers."""
from __future__ import annotations

import sys

from ..config import DEFAULT_TOP_K, MAX_TOP_K
from ..errors import BadInput
from ..search.fusion import METHODS
from .common import Row, check_docs, emit, open_engine, read_batch, row_line


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
    if not 1 <= args.top_k <= MAX_TOP_K:  # refused once, not on every line of a batch
        raise BadInput(f"--top-k must be a whole number from 1 to {MAX_TOP_K}, got {args.top_k}")
    if args.batch is None:
        check_question(args.question)  # a bad question is refused before any index work
    rows = read_batch(args.batch, "question") if args.batch is not None else None
    engine = open_engine(args)
    check_docs(engine, args.doc)
    if rows is None:
        ans = engine.ask(args.question, args.top_k, args.doc, args.method)
        if args.json:
            emit(ans.to_json())
        else:
            sys.stdout.write(answer_text(ans, color=sys.stdout.isatty()))
        return 0
    for row in rows:
        out = answer_row(engine, row, args)
        if args.json:
            emit(out)
        else:
            print(row_line(out, "question"))
    return 0


def answer_row(engine, row: Row, args) -> dict:
    """The JSON object of one batch line: the answer, or an error object of the same shape (one
    bad line must not sink the others)."""
    error = row.error
    if error is None:
        try:
            return {"id": row.id, **engine.ask(row.text, args.top_k, args.doc, args.method).to_json()}
        except BadInput as exc:
            error = f"line {row.line}: {exc}"
    return {"id": row.id, "question": row.text, "answered": False, "passages": [], "error": " ".join(error.split())}

