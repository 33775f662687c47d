"""Experiment: the trained cross-encoder as an answerability signal, beside the shipped verdict.

    python -m bench.cross_encoder_experiment [--model build/cross_encoder/model.int8.onnx] [--top 5]

Needs a model from ``python -m training.cross_encoder``. On SQuAD's held-out articles 39-48, each
question is searched within its own article, the same without its answering paragraph (near miss)
and within another article (off topic), as ``qa eval --articles`` does; the cross-encoder scores
the question against the best sentence of each of the ``--top`` re-ranked candidates and the
case's score is the highest. Reported: AUROC of that score and of the shipped verdict, and of the
two averaged as ranks, on the same cases.

``--rank``: instead, re-rank each held-out question's best ``--top`` candidates (searched over all
held-out articles, second-stage order) by the cross-encoder's best score over each candidate's
first ``--sentences`` sentences, alone and as a weighted average of ranks with the second stage.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from .common import ROOT, SHARED, table, write_section


def main(argv=None) -> None:
    from scipy.stats import rankdata
    from sklearn.metrics import roc_auc_score

    from qa.config import Settings, go_offline
    from qa.eval.answerability import parse_articles, second_stage_scores, subset, verdict_cases
    from qa.eval.cache import CachedEmbedder
    from qa.eval.datasets import load_squad
    from qa.eval.runner import build_searcher
    from qa.models.encoders import embedder_for
    from qa.search import second_stage
    from training.cross_encoder import onnx_scores

    go_offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(ROOT / "build" / "cross_encoder" / "model.int8.onnx"))
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--rank", action="store_true", help="measure re-ranking instead of answerability")
    ap.add_argument("--sentences", type=int, default=4, help="with --rank: sentences scored per candidate")
    args = ap.parse_args(argv)
    model_file = Path(args.model)
    settings = Settings()
    embedder = CachedEmbedder(embedder_for(settings), settings.cache_dir)
    es = subset(load_squad(SHARED / "datasets" / "squad" / "dev-v1.1.json"), parse_articles("39-48"))
    searcher = build_searcher(es, embedder)
    qids = sorted(es.queries)
    qvecs = dict(zip(qids, embedder.encode([es.queries[q] for q in qids])))
    model = second_stage.load()
    if args.rank:
        return rank(args, searcher, es, qvecs, qids, model)
    cases, y = verdict_cases(searcher, es, qvecs, qids, 13)
    verdict = second_stage_scores(searcher, model, cases)
    pairs, owner = [], []
    for i, c in enumerate(cases):
        ranked = searcher.rerank(c.question, c.tokens, c.scored, model)[0][:args.top]
        for row in searcher.candidate_rows(ranked):
            pairs.append((c.question, (row["sentences"] or [row["text"]])[0], 0))
            owner.append(i)
    t = time.perf_counter()
    scores = onnx_scores(model_file, model_file.parent / "tokenizer.json", pairs, 96)
    took = time.perf_counter() - t
    ce = np.full(len(cases), -1e9)
    for i, s in zip(owner, scores):
        ce[i] = max(ce[i], s)
    both = (rankdata(ce) + rankdata(verdict)) / 2
    rows = [["shipped verdict (second stage)", f"{roc_auc_score(y, verdict):.4f}"],
            [f"cross-encoder, best of top {args.top} sentences", f"{roc_auc_score(y, ce):.4f}"],
            ["the two, ranks averaged", f"{roc_auc_score(y, both):.4f}"]]
    body = (f"{len(cases):,} cases (one third answerable) on SQuAD dev articles 39-48; {len(pairs):,} "
            f"question-sentence pairs scored by `{model_file.name}` in {took:.0f} s "
            f"({1000 * took / max(len(pairs), 1):.1f} ms per pair, batches of 64, 1 thread).\n\n"
            + table(["answerability score", "AUROC"], rows) + "\n")
    write_section("cross_encoder_answerability", "Cross-encoder as an answerability signal (experiment)", body,
                  "python -m bench.cross_encoder_experiment")


def rank(args, searcher, es, qvecs, qids, model) -> None:
    from qa.eval.answerability import first_stage, ranking_figures
    from training.cross_encoder import onnx_scores

    model_file = Path(args.model)
    searched = first_stage(searcher, es, qvecs, qids)
    pairs, owner, second = [], [], []
    for i, c in enumerate(searched):
        order = list(range(len(c.scored)))
        if c.scored:
            ranked = searcher.rerank(c.question, c.tokens, c.scored, model)[0]
            order = [c.scored.index(s) for s in ranked]
        second.append(order)
        for j in order[:args.top]:
            row = searcher.candidate_rows([c.scored[j]])[0]
            for sentence in (row["sentences"] or [row["text"]])[:args.sentences]:
                pairs.append((c.question, sentence, 0))
                owner.append((i, j))
    t = time.perf_counter()
    scores = onnx_scores(model_file, model_file.parent / "tokenizer.json", pairs, 96)
    took = time.perf_counter() - t
    best: dict[tuple[int, int], float] = {}
    for key, s in zip(owner, scores):
        best[key] = max(best.get(key, -1e9), float(s))
    rows = [["first stage (hybrid)", *_fmt(ranking_figures(searched, [list(range(len(c.scored))) for c in searched]))],
            ["second stage (shipped)", *_fmt(ranking_figures(searched, second))]]
    for w in (1.0, 0.5, 0.3):
        orders = []
        for i, order in enumerate(second):
            head = order[:args.top]
            by_ce = sorted(head, key=lambda j: -best[(i, j)])
            mixed = sorted(head, key=lambda j: (w * by_ce.index(j) + (1 - w) * head.index(j), head.index(j)))
            orders.append(mixed + order[args.top:])
        label = "cross-encoder alone" if w == 1.0 else f"ranks mixed, cross-encoder weight {w}"
        rows.append([f"top {args.top}: {label}", *_fmt(ranking_figures(searched, orders))])
    body = (f"{len(searched):,} held-out questions (SQuAD dev articles 39-48, searched over all ten); the second "
            f"stage's best {args.top} re-ranked by `{model_file.name}`, each candidate scored by its best of "
            f"{args.sentences} sentences: {len(pairs):,} pairs in {took:.0f} s.\n\n"
            + table(["order", "hit@1", "hit@5", "MRR@10"], rows) + "\n")
    write_section("cross_encoder_rank", "Cross-encoder as a re-ranker (experiment)", body,
                  f"python -m bench.cross_encoder_experiment --rank --sentences {args.sentences}")


def _fmt(figures: dict) -> list[str]:
    return [f"{figures['hit@1']:.4f}", f"{figures['hit@5']:.4f}", f"{figures['mrr@10']:.4f}"]


if __name__ == "__main__":
    main()
