"""``python -m qa overview``: paragraph alignment, topic map and quoted sources of the corpus,
printed, or written as JSON, Markdown, CSV and PNG plots."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import BadInput
from .common import check_path, dumps, open_engine


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("overview", help="paragraph alignment, topic map and quoted sources of the corpus")
    p.add_argument("--json", action="store_true", help="print the whole overview as JSON")
    p.add_argument("--markdown", metavar="FILE", help="write the overview as Markdown (- for stdout)")
    p.add_argument("--csv", metavar="DIR", help="write alignment.csv, topics.csv and ledger.csv into DIR")
    p.add_argument("--plot", metavar="FILE", help="write a PNG: topic heatmap, alignment matrix, prominence strips")
    p.add_argument("--plot-dir", metavar="DIR", help="write each plot as its own PNG into DIR")
    p.add_argument("--pair", nargs=2, metavar=("DOC_A", "DOC_B"),
                   help="the two documents of the alignment matrix (ids or labels; default the first two)")
    p.add_argument("--topics", type=int, metavar="K", help="number of topics (default round(1.25*sqrt(paragraphs)))")
    p.add_argument("--refresh", action="store_true", help="recompute even if a cached overview matches")
    p.set_defaults(func=run)


def _pair(ov, pair) -> tuple[str, str] | None:
    if len(ov.documents) < 2:
        return None
    if not pair:
        return ov.documents[0].doc_id, ov.documents[1].doc_id
    ids = []
    for x in pair:
        hit = next((d.doc_id for d in ov.documents if x in (d.doc_id, d.label)), None)
        if hit is None:
            raise BadInput(f"unknown document {x!r}; use an id or a label: "
                           + ", ".join(f"{d.label}={d.doc_id}" for d in ov.documents))
        ids.append(hit)
    if ids[0] == ids[1]:
        raise BadInput("--pair needs two different documents")
    return ids[0], ids[1]


def _write_files(args, ov, pair) -> None:
    from ..present.exports import write_csv
    from ..present.markdown import overview_markdown

    if args.plot or args.plot_dir:
        from ..present import plots

        if args.plot:
            plots.save(plots.overview_figure(ov, pair), Path(args.plot))
            print(f"wrote {args.plot}", file=sys.stderr)
        if args.plot_dir:
            for path in plots.save_all(ov, Path(args.plot_dir), pair):
                print(f"wrote {path}", file=sys.stderr)
    if args.csv:
        for path in write_csv(ov, Path(args.csv)):
            print(f"wrote {path}", file=sys.stderr)
    if args.markdown:
        md = overview_markdown(ov)
        if args.markdown == "-":
            sys.stdout.write(md)
        else:
            Path(args.markdown).write_text(md, encoding="utf-8")
            print(f"wrote {args.markdown}", file=sys.stderr)


def run(args) -> int:
    from ..present.text import overview_text

    for flag in ("markdown", "csv", "plot", "plot_dir"):
        check_path("--" + flag.replace("_", "-"), getattr(args, flag))
    if args.topics is not None and args.topics < 1:
        raise BadInput(f"--topics must be at least 1, got {args.topics}")
    engine = open_engine(args)
    ov = engine.overview(args.topics, args.refresh)
    _write_files(args, ov, _pair(ov, args.pair))
    if args.json:
        sys.stdout.write(dumps(ov.to_json()) + "\n")
    elif not (args.plot or args.plot_dir or args.csv or args.markdown):
        sys.stdout.write(overview_text(ov))
    return 0
