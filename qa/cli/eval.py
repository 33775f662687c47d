"""``python -m qa eval``: retrieval quality on the project's dev sets, a BEIR folder or SQuAD v1.1.

    python -m qa eval --data DIR                        # dev sets: hit@1, hit@3, MRR@10, abstention, coverage
    python -m qa eval --beir DIR --split test --method bm25,dense,hybrid --json
    python -m qa eval --squad dev-v1.1.json --method bm25,dense,hybrid
    python -m qa eval --squad dev-v1.1.json --articles 39-48 --method hybrid,rerank   # held-out articles

With ``--json`` it prints one JSON list of objects ``{"method", "ndcg@10", "recall@100",
"mrr@10", "hit@1", "queries", ...}``, one per method, all run on the same index. Metrics
are ranx's. Embeddings of BEIR/SQuAD texts are cached in ``Settings.cache_dir`` (by model and
text hash), so a second run embeds nothing. Without ``--data`` the dev sets are those
``QA_EVAL_DATA`` names (the Makefile sets it). Only light imports at module level.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from ..errors import BadInput
from .common import Progress, settings_from

#: Columns of the printed table, in order (those a row lacks are left out).
COLUMNS = ("ndcg@10", "recall@100", "mrr@10", "hit@1", "hit@3", "hit@5", "highlight@1", "highlight|hit@1",
           "auroc", "answered_rate", "abstain_rate", "abstain_balanced", "coverage_acc", "queries", "ms_per_query")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "eval", help="retrieval quality: dev sets (default), --beir DIR or --squad FILE",
        description="Score retrieval with ranx. Default: the project's dev sets (questions, unanswerable, "
                    "coverage) through the index in use. --beir / --squad index the benchmark in memory.")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", metavar="DIR", help="dev-set folder (default: $QA_EVAL_DATA)")
    src.add_argument("--beir", metavar="DIR", help="a BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv")
    src.add_argument("--squad", metavar="FILE", help="SQuAD v1.1 json (each paragraph one passage)")
    p.add_argument("--split", default="test", help="BEIR qrels split: test, train or dev (default: test)")
    p.add_argument("--method", default="hybrid", help="comma list of bm25, dense, hybrid (default: hybrid)")
    p.add_argument("--articles", metavar="SPEC",
                   help="--squad only: these articles in file order, e.g. 39-48 (held out from the second stage's "
                        "training); adds answerability (AUROC, balanced accuracy) of v1 and the second stage")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N queries of --beir/--squad (quick checks)")
    p.add_argument("--sentences", choices=("auto", "on", "off"), default="auto",
                   help="split --beir/--squad passages into sentences (auto: SQuAD yes, BEIR no, as BEIR embeds whole documents)")
    p.add_argument("--cache", metavar="DIR", help="embedding cache folder (default: bench/cache, or $QA_CACHE_DIR)")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per method")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..eval.runner import parse_methods

    methods = parse_methods(args.method)
    settings = settings_from(args).with_(cache_dir=args.cache, eval_data=args.data)
    if args.articles and not args.squad:
        raise BadInput("--articles selects SQuAD articles; use it with --squad FILE")
    if args.limit is not None and args.limit < 1:
        raise BadInput(f"--limit must be at least 1, got {args.limit}")
    if args.beir or args.squad:
        rows = _benchmark(args, settings, methods, Progress().wrap)
    else:
        from ..engine import Engine
        from ..eval.devsets import evaluate_devsets

        if settings.eval_data is None:
            raise BadInput("no dev sets given; use --data DIR (e.g. ../shared/eval) or set QA_EVAL_DATA")
        engine = Engine.open(settings)
        rows = evaluate_devsets(engine.documents, engine.ask, engine.compare, settings.eval_data, methods,
                                Progress().wrap)
    if args.json:
        print(json.dumps([_rounded(r) for r in rows], ensure_ascii=False))
    else:
        print(format_table(rows))
    return 0


def _benchmark(args, settings, methods, progress) -> list[dict]:
    from ..eval.answerability import parse_articles, subset
    from ..eval.cache import CachedEmbedder
    from ..eval.datasets import SPLITS, load_beir, load_squad
    from ..eval.runner import build_searcher, evaluate_set
    from ..index.encoders import embedder_for
    from ..index.vectors import choose_kind

    if args.beir:
        if args.split not in SPLITS:
            raise BadInput(f"--split must be one of {', '.join(SPLITS)}, got {args.split!r}")
        evalset = load_beir(Path(args.beir), args.split, sentences=args.sentences == "on", progress=progress)
    else:
        evalset = load_squad(Path(args.squad), sentences=args.sentences != "off", progress=progress)
    if args.articles:
        evalset = subset(evalset, parse_articles(args.articles))
    if args.limit:
        keep = list(evalset.queries)[: args.limit]
        evalset.queries = {q: evalset.queries[q] for q in keep}
        evalset.qrels = {q: evalset.qrels[q] for q in keep}
        evalset.answers = {q: evalset.answers[q] for q in keep if q in evalset.answers}
    embedder = CachedEmbedder(embedder_for(settings), settings.cache_dir, progress)
    kind = choose_kind(settings.index_kind, evalset.passages)
    # answerability searches the same in-memory index as the ranking rows: built once
    searcher = build_searcher(evalset, embedder, kind) if args.articles else None
    rows = evaluate_set(evalset, embedder, methods, index_kind=kind, progress=progress, searcher=searcher)
    if searcher is not None:
        _add_answerability(rows, evalset, embedder, searcher)
    print(f"{evalset.name}: {len(evalset.queries)} queries, {evalset.passages} passages; embedded {embedder.encoded} "
          f"new texts (cache {embedder.folder}, {len(embedder)} vectors)", file=sys.stderr)
    return rows


def _add_answerability(rows: list[dict], evalset, embedder, searcher) -> None:
    """Answerability of v1 (on the hybrid row) and of the second stage (on the rerank row)."""
    from ..eval.answerability import held_out_report
    from ..search import second_stage

    model = second_stage.load()
    if model is None:
        return
    qids = sorted(evalset.queries)
    qvecs = dict(zip(qids, embedder.encode([evalset.queries[q] for q in qids])))
    report = held_out_report(searcher, evalset, qvecs, model)
    for row in rows:
        part = {"hybrid": "v1", "rerank": "second_stage"}.get(row["method"])
        if part:
            fig = report[part]
            row.update({"auroc": fig["auroc"], "answered_rate": fig["answered_rate"],
                        "abstain_rate": fig["abstain_rate"], "abstain_balanced": fig["balanced_accuracy"]})


def _rounded(row: dict) -> dict:
    """Floats to 4 places; NaN (a metric with nothing to measure, e.g. AUROC with one class) as
    null, since NaN is not JSON."""
    return {k: ((None if math.isnan(v) else round(v, 4)) if isinstance(v, float) else v) for k, v in row.items()}


def format_table(rows: list[dict]) -> str:
    """A plain-text table: one line per method, the columns any row has."""
    if not rows:
        return "(no results)"
    cols = [c for c in COLUMNS if any(c in r for r in rows)]
    head = ["method", *cols]
    lines = [head]
    for r in rows:
        cells = [r["method"]]
        for c in cols:
            v = r.get(c)
            cells.append("" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)))
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = [f"{rows[0].get('dataset', '')}"]
    for n, line in enumerate(lines):
        out.append("  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(line, widths))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
