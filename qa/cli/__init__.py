"""Command line: python -m qa {index,ask,compare,docs,overview,eval} ... (JSON contracts in the README).

Each subcommand is a module with ``add_parser(subparsers)`` and ``run(args)``; this module
parses, sets up logging, and turns the library's errors into one ``error:`` line and exit 2.
"""
from __future__ import annotations

import argparse
import logging
import sys

from ..errors import QAError
from . import ask, compare, docs, index, overview
from . import eval as evaluate

SUBCOMMANDS = (index, ask, compare, docs, overview, evaluate)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m qa", description="Cited-passage Q&A over a folder of documents.")
    ap.add_argument("--corpus", help="corpus folder (default: corpus/, or $QA_CORPUS_DIR)")
    ap.add_argument("--index", help="index folder (default: index/, or $QA_INDEX_DIR)")
    ap.add_argument("--model", help="sentence-transformers model folder (default: the bundled all-MiniLM-L6-v2)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = ap.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # bm25s sets its own logger to DEBUG on import
        handler.setLevel(level)
    try:
        return args.func(args)
    except QAError as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)  # one line, whatever the message holds
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
