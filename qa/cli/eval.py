"""``python -m qa eval``: retrieval quality on the project's dev sets, a BEIR folder or SQuAD v1.1.

    python -m qa eval --data DIR                        # dev sets: hit@1, hit@3, MRR@10, abstention, coverage
    python -m qa eval --beir DIR --split test --method bm25,dense,hybrid --json
    python -m qa eval --squad dev-v1.1.json --method bm25,dense,hybrid
    python -m qa eval --squad dev-v1.1.json --articles 39-48 --method hybrid,rerank   # held-out articles
    python -m qa eval --reworded squad-reworded/dev.jsonl --method hybrid,rerank   # the rewording test
    python -m qa eval --claims squad-reworded/dev.jsonl   # the claim model on the claim triples

With ``--json`` it prints one JSON list of objects ``{"method", "ndcg@10", "recall@100",
"mrr@10", "hit@1", "queries", ...}``, one per method, all run on the same index. Metrics
are ranx's. Embeddings of BEIR/SQuAD texts are cached in ``Settings.cache_dir`` (by model and
text hash), so a second run embeds nothing. ``--reworded`` adds to each method's object the
original questions' ranking (``original``), answerability against near misses (``auroc``,
``abstain_balanced``, ``answered_rate``, ``abstain_rate``, ``reliability``) and ``by_kind``.
``--claims`` prints one object: ``auroc``, ``accuracy``, ``balanced_accuracy``, ``same_found``,
``different_kept_apart`` at the shipped ``threshold``, and ``by_kind`` (kind of change). Without ``--data`` the dev sets are those
``QA_EVAL_DATA`` names (the Makefile sets it). Only light imports at module level.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from ..errors import BadInput
from .common import Progress, check_path, settings_from

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
    p.add_argument("--reworded", metavar="FILE",
                   help="the rewording test: a squad-reworded .jsonl (its SQuAD file: --squad, default "
                        "../squad/dev-v1.1.json beside it); ranking of reworded and original questions over every "
                        "paragraph of the rows' articles, and answerability of reworded questions against near misses")
    p.add_argument("--claims", metavar="FILE",
                   help="the claims test: the claim triples of a squad-reworded .jsonl, scored by the claim model "
                        "(QA_CLAIM_MODEL: the shipped one, or a claims.json path) at its threshold")
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
    if args.claims is not None:
        if args.data or args.beir or args.squad or args.reworded or args.articles:
            raise BadInput("--claims scores the claim model on its file alone; leave out --data, --beir, --squad, "
                           "--reworded and --articles")
        figures = _claims(args, settings)
        print(json.dumps(_rounded(figures), ensure_ascii=False) if args.json else format_claims(figures))
        return 0
    if args.reworded is not None:
        if args.data or args.beir:
            raise BadInput("--reworded runs on SQuAD passages; leave out --data and --beir (--squad names its SQuAD file)")
        if args.articles:
            raise BadInput("--reworded takes its pool from the rows' article numbers; leave out --articles")
    if args.articles and not args.squad:
        raise BadInput("--articles selects SQuAD articles; use it with --squad FILE")
    if args.limit is not None and args.limit < 1:
        raise BadInput(f"--limit must be at least 1, got {args.limit}")
    if args.reworded is not None:
        rows = _reworded(args, settings, methods, Progress().wrap)
        print(json.dumps([_rounded(r) for r in rows], ensure_ascii=False) if args.json else format_reworded(rows))
        return 0
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
    from ..index.vectors import choose_kind
    from ..models.encoders import embedder_for

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


def _reworded(args, settings, methods, progress) -> list[dict]:
    from ..eval.cache import CachedEmbedder
    from ..eval.datasets import load_squad
    from ..eval.reworded import evaluate_reworded, load_rows, pool, squad_beside
    from ..index.vectors import choose_kind
    from ..models.encoders import embedder_for

    check_path("--reworded", args.reworded)
    path = Path(args.reworded)
    rows = load_rows(path)[: args.limit]  # refused here, before SQuAD or the model is loaded
    squad = Path(args.squad) if args.squad else squad_beside(path)
    if not squad.is_file():
        raise BadInput(f"{squad}: no SQuAD v1.1 file there; name the one the rows were written over with --squad FILE")
    name = f"{path.parent.name}/{path.stem}"
    p = pool(load_squad(squad, sentences=args.sentences != "off", progress=progress), rows, name)
    embedder = CachedEmbedder(embedder_for(settings), settings.cache_dir, progress)
    out = evaluate_reworded(p, embedder, methods, choose_kind(settings.index_kind, p.reworded.passages), progress)
    print(f"{name}: {len(p.rows)} rows over SQuAD articles {out[0]['articles']}, {p.reworded.passages} passages; "
          f"embedded {embedder.encoded} new texts (cache {embedder.folder}, {len(embedder)} vectors)", file=sys.stderr)
    return out


def _claims(args, settings) -> dict:
    from ..eval.claims import evaluate_claims, load_triples
    from ..models import claims

    check_path("--claims", args.claims)
    triples = load_triples(Path(args.claims))[: args.limit]  # refused here, before the model is loaded
    model = claims.for_setting(settings.claim_model, settings.threads)
    if model is None:
        raise BadInput("no claim model to score: none ships (qa/models/claims.json) and QA_CLAIM_MODEL names none; "
                       "train one with `python -m training.claims` and set QA_CLAIM_MODEL to its claims.json")
    return {"file": str(args.claims), **evaluate_claims(triples, model.same_claim, model.threshold)}


def format_claims(f: dict) -> str:
    """The claims figures as text: the overall line, then one line per kind of change."""
    head = (f"{f['file']}: {f['triples']} claim triples, threshold {f['threshold']:.3f}\n"
            f"AUROC {f['auroc']:.3f}  accuracy {f['accuracy']:.3f}  balanced accuracy {f['balanced_accuracy']:.3f}  "
            f"same found {f['same_found']:.3f}  different kept apart {f['different_kept_apart']:.3f}\n")
    lines = [[k, str(v["pairs"]), f"{v['kept_apart']:.3f}", f"{v['auroc']:.3f}"] for k, v in f["by_kind"].items()]
    return head + "\n".join(_grid(["kind of change", "pairs", "kept apart", "AUROC"], lines))


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


def _rounded(row):
    """Floats to 4 places, in nested objects too; NaN (a metric with nothing to measure, e.g.
    AUROC with one class) as null, since NaN is not JSON."""
    if isinstance(row, dict):
        return {k: _rounded(v) for k, v in row.items()}
    if isinstance(row, list):
        return [_rounded(v) for v in row]
    if isinstance(row, float):
        return None if math.isnan(row) else round(row, 4)
    return row


def _cell(v) -> str:
    return "" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def _grid(head: list[str], lines: list[list[str]], left: int = 1) -> list[str]:
    """Aligned columns under a rule: the first ``left`` columns to the left, the rest right."""
    lines = [head, *lines]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(w) if i < left else cell.rjust(w)
                             for i, (cell, w) in enumerate(zip(line, widths))).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def format_table(rows: list[dict]) -> str:
    """A plain-text table: one line per method, the columns any row has."""
    if not rows:
        return "(no results)"
    cols = [c for c in COLUMNS if any(c in r for r in rows)]
    lines = [[r["method"], *(_cell(r.get(c)) for c in cols)] for r in rows]
    return "\n".join([f"{rows[0].get('dataset', '')}", *_grid(["method", *cols], lines)])


def format_reworded(rows: list[dict]) -> str:
    """The rewording test as four tables: ranking of both question sets, answerability at the
    shipped verdict, the same per near-miss kind, and the reliability of each method's score."""
    if not rows:
        return "(no results)"
    r0 = rows[0]
    out = [f"{r0['dataset']}: {r0['queries']} rows over SQuAD articles {r0['articles']} ({r0['passages']} passages); "
           "gold = the row's paragraph", ""]
    cols = [c for c in ("hit@1", "hit@3", "mrr@10", "highlight@1") if c in r0]
    lines = [[r["method"], which, *(_cell(fig.get(c)) for c in cols)]
             for r in rows for which, fig in (("reworded", r), ("original", r["original"]))]
    out += _grid(["method", "questions", *cols], lines, left=2)
    out += ["", f"answerability: {r0['queries']} reworded questions (answerable) against {r0['near_misses']} near misses "
                "(unanswerable); decided by the shipped verdict (answered or not)"]
    lines = [[r["method"], r["score"], _cell(float(r["threshold"])), *(_cell(r[c]) for c in (
        "auroc", "abstain_balanced", "answered_rate", "answered_right", "abstain_rate"))] for r in rows]
    out += _grid(["method", "score", "threshold", "auroc", "balanced", "answered", "answered@gold", "abstained"],
                 lines, left=2)
    out += ["", "per near-miss kind: reworded questions against that kind's near misses"]
    lines = [[r["method"], k, str(f["near_misses"]), _cell(f["auroc"]), _cell(f["balanced_accuracy"]),
              _cell(f["abstain_rate"])] for r in rows for k, f in r["by_kind"].items()]
    out += _grid(["method", "kind", "near misses", "auroc", "balanced", "abstained"], lines, left=2)
    out += ["", "reliability: cases per score bin and the share of them answerable"]
    lines = [[r["method"], r["score"], b["bin"], str(b["cases"]), _cell(b["predicted"]), _cell(b["observed"])]
             for r in rows for b in r["reliability"]]
    out += _grid(["method", "score", "bin", "cases", "mean score", "answerable"], lines, left=3)
    return "\n".join(out)
