"""Command line: python -m qa {index,ask,compare,docs,eval} ... (JSON contracts in the README)."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .config import Settings
from .errors import BadInput, QAError


def _settings(args) -> Settings:
    return Settings().with_(corpus_dir=args.corpus, index_dir=args.index, model=args.model)


def _progress():
    """A tqdm bar per stage on stderr (silent when stderr is not a terminal and CI is quiet)."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None and total == 0:
            return
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"{stage:>16}", unit="item", file=sys.stderr, leave=True)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _open(args, build: bool = True):
    from .engine import Engine

    return Engine.open(_settings(args), build=build, progress=_progress())


def _check_docs(engine, doc_ids) -> None:
    """Refuse unknown --doc ids before any question is embedded (no model load for a typo)."""
    for doc_id in doc_ids or []:
        engine.document(doc_id)


def _read_batch(path: str, key: str) -> list[dict]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the batch file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: the batch file is not UTF-8 text") from None
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise BadInput(f"{path}:{n}: not a JSON object; each line must be like {{\"id\": 1, \"{key}\": \"...\"}}") from None
        if not isinstance(row, dict) or key not in row:
            raise BadInput(f"{path}:{n}: missing \"{key}\"; each line must be like {{\"id\": 1, \"{key}\": \"...\"}}")
        rows.append(row)
    return rows


def _emit(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def cmd_index(args) -> int:
    from .embed import Embedder
    from .indexer import add_files, update_index

    settings = _settings(args)
    files = []
    for p in args.paths:
        p = Path(p)
        if p.is_dir():
            settings = settings.with_(corpus_dir=p)
        elif p.exists():
            files.append(p)
        else:
            raise BadInput(f"{p}: no such file or folder")
    if files:
        add_files(settings, files)
    report = update_index(settings, Embedder(settings.model, settings.batch_size), _progress())
    for line in report.skipped:
        print(f"skipped: {line}", file=sys.stderr)
    for line in report.notes:
        print(f"note: {line}", file=sys.stderr)
    state = "unchanged" if report.unchanged else "updated"
    print(f"index {state}: {report.documents} documents, {report.passages} passages in {settings.index_dir} "
          f"(embedded {report.embedded_passages} passages, {report.embedded_sentences} sentences; "
          f"added {len(report.added)}, changed {len(report.changed)}, removed {len(report.removed)})")
    return 0


def cmd_ask(args) -> int:
    from . import render

    if args.batch is None and args.question is None:
        raise BadInput("give a question, e.g. python -m qa ask \"Who confronted Putin?\", or --batch FILE")
    if args.batch is None:
        from .search import check_question

        check_question(args.question)  # a bad question is refused before any index work
    engine = _open(args)
    _check_docs(engine, args.doc)
    if args.batch is None:
        ans = engine.ask(args.question, args.top_k, args.doc, args.method)
        if args.json:
            _emit(ans.to_json())
        else:
            sys.stdout.write(render.answer_text(ans, color=sys.stdout.isatty()))
        return 0
    for row in _read_batch(args.batch, "question"):
        try:
            out = engine.ask(str(row["question"]), args.top_k, args.doc, args.method).to_json()
        except BadInput as exc:  # one bad line must not sink the others
            out = {"question": row["question"], "answered": False, "passages": [], "error": str(exc)}
        if args.json:
            _emit({"id": row.get("id"), **out})
        else:
            print(f"[{row.get('id')}] {out['question']}: {'answered' if out['answered'] else 'not answered'}")
    return 0


def cmd_compare(args) -> int:
    from . import render

    if args.batch is None and args.topic is None:
        raise BadInput("give a topic, e.g. python -m qa compare \"partial mobilisation\", or --batch FILE")
    engine = _open(args)
    _check_docs(engine, args.doc)
    rows = _read_batch(args.batch, "topic") if args.batch else [{"topic": args.topic}]
    for row in rows:
        comp = engine.compare(str(row["topic"]), args.doc)
        if args.json:
            out = comp.to_json()
            _emit({"id": row["id"], **out} if "id" in row else out)
        else:
            print(render.comparison_text(comp))
    return 0


def cmd_docs(args) -> int:
    engine = _open(args)
    rows = [{"doc_id": d.doc_id, "title": d.title, "source": d.source, "path": d.path, "sha256": d.sha256,
             "paragraphs": len(d.passages), "added": d.added} for d in engine.documents]
    if args.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    else:
        for r in rows:
            print(f"{r['doc_id']}  {r['paragraphs']:>3} paragraphs  {r['title']}  ({r['source']})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m qa", description="Cited-passage Q&A over a folder of documents.")
    ap.add_argument("--corpus", help="corpus folder (default: corpus/, or $QA_CORPUS_DIR)")
    ap.add_argument("--index", help="index folder (default: index/, or $QA_INDEX_DIR)")
    ap.add_argument("--model", help="sentence-transformers model folder (default: the bundled all-MiniLM-L6-v2)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index (files given are copied into the corpus)")
    p.add_argument("paths", nargs="*", help="files to add, or a folder to index as the corpus")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer a question with cited passages")
    p.add_argument("question", nargs="?")
    p.add_argument("--batch", metavar="FILE", help="JSON lines {\"id\", \"question\"} (- for stdin)")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--doc", action="append", metavar="ID", help="search only this document (repeatable)")
    p.add_argument("--method", default="hybrid", choices=["hybrid", "dense", "bm25"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("compare", help="which documents cover a topic, with their passages")
    p.add_argument("topic", nargs="?")
    p.add_argument("--batch", metavar="FILE", help="JSON lines {\"id\", \"topic\"} (- for stdin)")
    p.add_argument("--doc", action="append", metavar="ID", help="compare only these documents (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("docs", help="list the indexed documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)

    # Subcommands that live in their own modules; each module's add_parser() must import nothing heavy.
    for module in ("overview", "evaluate"):
        try:
            mod = __import__(f"qa.{module}", fromlist=["add_parser"])
        except ImportError:
            continue
        mod.add_parser(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # bm25s sets its own logger to DEBUG on import
        handler.setLevel(logging.INFO if args.verbose else logging.WARNING)
    try:
        return args.func(args)
    except QAError as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)  # one line, whatever the message holds
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
