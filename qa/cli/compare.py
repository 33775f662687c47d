"""``python -m qa compare TOPIC`` (or ``--batch FILE``): which documents cover a topic."""
from __future__ import annotations

from ..errors import BadInput
from .common import check_docs, emit, open_engine, read_batch


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="which documents cover a topic, with their passages")
    p.add_argument("topic", nargs="?")
    p.add_argument("--batch", metavar="FILE", help="JSON lines {\"id\", \"topic\"} (- for stdin)")
    p.add_argument("--doc", action="append", metavar="ID", help="compare only these documents (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..present.text import comparison_text

    if args.batch is None and args.topic is None:
        raise BadInput("give a topic, e.g. python -m qa compare \"partial mobilisation\", or --batch FILE")
    engine = open_engine(args)
    check_docs(engine, args.doc)
    rows = read_batch(args.batch, "topic") if args.batch else [{"topic": args.topic}]
    for row in rows:
        comp = engine.compare(str(row["topic"]), args.doc)
        if args.json:
            out = comp.to_json()
            emit({"id": row["id"], **out} if "id" in row else out)
        else:
            print(comparison_text(comp))
    return 0
