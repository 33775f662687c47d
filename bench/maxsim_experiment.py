"""Experiment: late interaction (MaxSim over the bundled model's token vectors) as a re-ranker.

    python -m bench.maxsim_experiment [--articles 39-48] [--scifact]

For each question the first stage's best 30 candidates (over the held-out SQuAD articles
together; with ``--scifact`` also over SciFact test's corpus) are re-ordered by MaxSim: the mean
over the question's tokens of their best cosine with any token of the passage. Reported side by
side: the first stage, MaxSim alone, and the two rank-fused (RRF, k=60). Token vectors are
computed here, not cached: SQuAD's 421 held-out paragraphs take about half a minute, SciFact's
5,183 abstracts several minutes.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from .common import SHARED, table, write_section


def maxsim(q: np.ndarray, p: np.ndarray) -> float:
    if not len(q) or not len(p):
        return 0.0
    return float((q.astype(np.float32) @ p.astype(np.float32).T).max(axis=1).mean())


def rrf(*orders: list[int], k: int = 60) -> list[int]:
    score: dict[int, float] = {}
    for order in orders:
        for rank, i in enumerate(order):
            score[i] = score.get(i, 0.0) + 1.0 / (k + rank + 1)
    return sorted(score, key=lambda i: -score[i])


def figures(golds: list[set[int]], orders: list[list[int]]) -> list[str]:
    hit1 = np.mean([bool(order) and order[0] in g for g, order in zip(golds, orders)])
    hit5 = np.mean([any(i in g for i in order[:5]) for g, order in zip(golds, orders)])
    mrr = np.mean([next((1 / (r + 1) for r, i in enumerate(order[:10]) if i in g), 0.0) for g, order in zip(golds, orders)])
    return [f"{hit1:.4f}", f"{hit5:.4f}", f"{mrr:.4f}"]


def run_set(name: str, evalset, embedder, encoder) -> list[list[str]]:
    from qa.eval.answerability import first_stage
    from qa.eval.runner import build_searcher

    searcher = build_searcher(evalset, embedder)
    qids = sorted(evalset.queries)
    qvecs = dict(zip(qids, embedder.encode([evalset.queries[q] for q in qids])))
    searched = first_stage(searcher, evalset, qvecs, qids)
    t = time.perf_counter()
    rows = sorted({s.row for c in searched for s in c.scored})
    ptoks = dict(zip(rows, encoder.token_vectors([searcher.passage(r).text for r in rows])))
    qtoks = encoder.token_vectors([c.question for c in searched])
    took = time.perf_counter() - t
    golds, first, alone, fused = [], [], [], []
    for c, qt, qid in zip(searched, qtoks, qids):
        gold_ids = set(evalset.qrels[qid])
        golds.append({i for i, s in enumerate(c.scored) if searcher.passage(s.row).passage_id in gold_ids})
        sims = [maxsim(qt, ptoks[s.row]) for s in c.scored]
        by_sim = sorted(range(len(c.scored)), key=lambda i: -sims[i])
        first.append(list(range(len(c.scored))))
        alone.append(by_sim)
        fused.append(rrf(first[-1], by_sim))
    print(f"{name}: token vectors of {len(rows)} passages and {len(qids)} questions in {took:.0f} s")
    return [[name, "first stage (hybrid)", *figures(golds, first)], [name, "MaxSim alone", *figures(golds, alone)],
            [name, "RRF(first stage, MaxSim)", *figures(golds, fused)]]


def main(argv=None) -> None:
    from qa.config import Settings
    from qa.eval.answerability import parse_articles, subset
    from qa.eval.cache import CachedEmbedder
    from qa.eval.datasets import load_beir, load_squad
    from qa.models.encoders import embedder_for

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", default="39-48")
    ap.add_argument("--scifact", action="store_true")
    args = ap.parse_args(argv)
    settings = Settings()
    inner = embedder_for(settings)
    embedder = CachedEmbedder(inner, settings.cache_dir)
    encoder = inner._load()
    sets = [(f"SQuAD dev articles {args.articles}",
             subset(load_squad(SHARED / "datasets" / "squad" / "dev-v1.1.json"), parse_articles(args.articles)))]
    if args.scifact:
        sets.append(("SciFact test", load_beir(SHARED / "datasets" / "scifact", "test")))
    rows = [r for name, es in sets for r in run_set(name, es, embedder, encoder)]
    body = ("Re-ranking the first stage's best 30 by late interaction over all-MiniLM-L6-v2's token vectors "
            "(special tokens left out), held-out data only.\n\n"
            + table(["set", "order", "hit@1", "hit@5", "MRR@10"], rows) + "\n")
    write_section("maxsim", "Late interaction (MaxSim) as a re-ranker (experiment)", body,
                  "python -m bench.maxsim_experiment" + (" --scifact" if args.scifact else ""))


if __name__ == "__main__":
    main()
