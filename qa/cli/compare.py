"""``python -m qa compare TOPIC`` (or ``--batch FILE``): which documents cover a topic."""
from __future__ import annotations

from ..errors import BadInput
from .common import Row, check_docs, emit, open_engine, read_batch, row_line


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="which documents cover a topic, with their passages")
    p.add_argument("topic", nargs="?")
    p.add_argument("--batch", metavar="FILE", help="JSON lines {\"id\", \"topic\"} (- for stdin)")
    p.add_argument("--doc", action="append", metavar="ID", help="compare only these documents (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..present.text import comparison_text
    from ..search.retrieve import check_question

    if args.batch is None and args.topic is None:
        raise BadInput("give a topic, e.g. python -m qa compare \"partial mobilisation\", or --batch FILE")
    if args.batch is None:
        check_question(args.topic, "topic")  # a bad topic is refused before any index work
    rows = read_batch(args.batch, "topic") if args.batch is not None else None
    engine = open_engine(args)
    check_docs(engine, args.doc)
    if rows is None:
        comp = engine.compare(args.topic, args.doc)
        if args.json:
            emit(comp.to_json())
        else:
            print(comparison_text(comp))
        return 0
    for row in rows:
        out, comp = compare_row(engine, row, args.doc)
        if args.json:
            emit(out)
        else:
            print(row_line(out, "topic") if comp is None else comparison_text(comp))
    return 0


def compare_row(engine, row: Row, doc_ids):
    """(JSON object, Comparison or None) of one batch line: the comparison, or an error object of
    the same shape, like ``ask --batch`` (one bad line must not sink the others)."""
    head = {"id": row.id} if row.has_id else {}
    error = row.error
    if error is None:
        try:
            comp = engine.compare(row.text, doc_ids)
            return {**head, **comp.to_json()}, comp
        except BadInput as exc:
            error = f"line {row.line}: {exc}"
    return {**head, "topic": row.text, "documents": [], "error": " ".join(error.split())}, None
