"""Fit the second stage (ranker and verdict) on SQuAD v1.1 dev articles 1-38 and SciFact train;
report on SQuAD articles 39-48 and SciFact test.

    python -m training.second_stage [--squad FILE] [--beir DIR] [--train 1-38] [--held-out 39-48] [--seed 13]

Writes ``qa/search/second_stage.json``: both models' weights, the data's sha256, the articles,
the seed, the counts and the held-out figures. Deterministic for a given seed and embedder.

- Ranker: for every training question, the first stage's best 30 candidates (over all training
  articles; over the SciFact corpus), labelled 1 for a relevant passage, 0 otherwise; a logistic
  regression over ``CANDIDATE_FEATURES``.
- Verdict: each SQuAD training question three times, searched within one article as a reader
  searches a few documents: its own article (answerable), its own article without the answering
  paragraph (a near miss: on topic, no answer), another training article (off topic); each
  SciFact train claim twice: over the corpus (answerable) and over the corpus without its
  relevant abstracts (near miss). A logistic regression over ``QUESTION_FEATURES`` of the
  re-ranked candidates. SciFact's claims share fewer words with their evidence than SQuAD's
  questions (written from the paragraph) do, which keeps the verdict from leaning on word overlap.

In both fits, within each source the two classes weigh the same (0.5 is the balanced decision),
and each source weighs the same in total. Embeddings come from the evaluation cache
(``QA_CACHE_DIR``, bench/cache), so a second run embeds little. The two articles' questions are
never read.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from qa.config import PROJECT_ROOT, Settings, go_offline
from qa.eval.answerability import (
    corpus_cases,
    corpus_report,
    first_stage,
    held_out_report,
    parse_articles,
    subset,
    verdict_cases,
    verdict_features,
)
from qa.eval.datasets import load_beir, load_squad
from qa.search import second_stage
from qa.search.features import CANDIDATE_FEATURES, QUESTION_FEATURES
from qa.search.second_stage import Linear, SecondStage
from qa.text import file_sha256


def fit(parts: list[tuple[np.ndarray, np.ndarray]], names: tuple[str, ...], seed: int) -> Linear:
    """A logistic regression over the sources' (x, y) together: within each source the classes
    weigh the same, and each source weighs the same in total, however many rows it has."""
    from sklearn.linear_model import LogisticRegression

    x, y = np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    weights = []
    for _, py in parts:
        w = np.where(py == 1, 0.5 / max(py.sum(), 1), 0.5 / max((py == 0).sum(), 1))
        weights.append(w * len(y) / len(parts))
    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=1.0, max_iter=2000, random_state=seed)
    lr.fit((x - mean) / scale, y, sample_weight=np.concatenate(weights))
    return Linear(names, mean, scale, lr.coef_[0], float(lr.intercept_[0]))


def ranker_data(searcher, searched: list) -> tuple[np.ndarray, np.ndarray]:
    from qa.search.features import candidate_features

    xs, ys = [], []
    for s in searched:
        feats = candidate_features(s.question, searcher.term_weights(s.tokens), searcher.candidate_rows(s.scored))
        xs.append(feats)
        ys.append(np.arange(len(s.scored)) == s.gold)
    return np.vstack(xs), np.concatenate(ys).astype(int)


def main(argv=None) -> int:
    go_offline()
    from qa.eval.cache import CachedEmbedder
    from qa.eval.runner import build_searcher
    from qa.models.encoders import embedder_for

    settings = Settings()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--squad", default=str(PROJECT_ROOT.parent / "shared" / "datasets" / "squad" / "dev-v1.1.json"))
    ap.add_argument("--beir", default=str(PROJECT_ROOT.parent / "shared" / "datasets" / "scifact"),
                    help="a BEIR folder whose train split is fitted on too and whose test split is reported ('' for none)")
    ap.add_argument("--train", default="1-38")
    ap.add_argument("--held-out", default="39-48")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", default=str(second_stage.MODEL_FILE))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    full = load_squad(args.squad)
    embedder = CachedEmbedder(embedder_for(settings), settings.cache_dir)
    parts = {}
    for name, spec in (("train", args.train), ("held_out", args.held_out)):
        es = subset(full, parse_articles(spec))
        searcher = build_searcher(es, embedder)
        qids = sorted(es.queries)
        qvecs = dict(zip(qids, embedder.encode([es.queries[q] for q in qids])))
        parts[name] = (es, searcher, qids, qvecs)
    beir = {}
    if args.beir:
        train, test = load_beir(Path(args.beir), "train"), load_beir(Path(args.beir), "test")
        searcher = build_searcher(train, embedder)  # one corpus, two sets of queries
        for name, es in (("train", train), ("test", test)):
            qids = sorted(es.queries)
            beir[name] = (es, searcher, qids, dict(zip(qids, embedder.encode([es.queries[q] for q in qids]))))
    embedder.flush()

    sources = [parts["train"]] + ([beir["train"]] if beir else [])
    ranker = fit([ranker_data(s, first_stage(s, es, qv, q)) for es, s, q, qv in sources], CANDIDATE_FEATURES, args.seed)
    n = len(QUESTION_FEATURES)
    blank = SecondStage(ranker, Linear(QUESTION_FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0), 0.5)
    es, searcher, qids, qvecs = parts["train"]
    cases = [verdict_cases(searcher, es, qvecs, qids, args.seed) + (searcher,)]
    if beir:
        es, searcher, qids, qvecs = beir["train"]
        cases.append(corpus_cases(searcher, es, qvecs, qids) + (searcher,))
    verdict = fit([(verdict_features(s, blank, c), y) for c, y, s in cases], QUESTION_FEATURES, args.seed)
    model = SecondStage(ranker, verdict, 0.5)
    train_cases, trained_s = sum(len(y) for _, y, _ in cases), time.perf_counter() - t0

    es, searcher, qids, qvecs = parts["held_out"]
    report = held_out_report(searcher, es, qvecs, model, args.seed)
    if beir:
        es, searcher, qids, qvecs = beir["test"]
        report["beir_test"] = corpus_report(searcher, es, qvecs, model)
    out = {"ranker": ranker.to_json(), "verdict": verdict.to_json(), "threshold": 0.5,
           "trained_on": {"data": "SQuAD v1.1 dev", "sha256": file_sha256(args.squad), "articles": args.train,
                          "questions": len(parts["train"][2]), "verdict_cases": train_cases,
                          "beir": {"folder": Path(args.beir).name, "split": "train", "queries": len(beir["train"][2]),
                                   "corpus_sha256": file_sha256(Path(args.beir) / "corpus.jsonl")} if beir else None,
                          "seed": args.seed, "encoder": getattr(embedder, "encoder", ""), "seconds": round(trained_s, 1)},
           "held_out": {"articles": args.held_out, **report}}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    second_stage.load.cache_clear()
    print(json.dumps(out["held_out"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
