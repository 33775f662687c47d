"""Fusion experiment: which way of fusing dense and BM25 scores ranks best, tuned on SciFact train.

    python -m bench.fusion_experiment [--tune train] [--check test] [--squad]

Candidates and their signals come from the library (``Searcher.rank(method="hybrid",
candidates=100)``: dense = max(passage cosine, best sentence cosine), lexical = BM25), then
each fusion variant re-scores the same candidates and ranx scores the result. Variants:

- ``current``: ``fusion.convex(dense, lexical, fusion.lexical_weight(...))`` (the library's default);
- ``rrf k=60``: reciprocal rank fusion over the two rankings of the candidates;
- ``convex w``: min-max convex combination with a fixed lexical weight w;
- ``adaptive lo..hi``: w = lo + (hi - lo) * found * rarity, the library's query features with
  other bounds (the library's default is 0.2..0.8);
- ``z w``: convex combination of z-scored (not min-max) signals.

The grid is searched on ``--tune`` (SciFact train) only; the best few are then reported on
``--check`` (SciFact test) and, with ``--squad``, on SQuAD dev hit@1, without re-tuning.
Results go to the "fusion" section of bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .common import SHARED, table, write_section

SCIFACT = SHARED / "datasets" / "scifact"
SQUAD = SHARED / "datasets" / "squad" / "dev-v1.1.json"
CACHE = Path(__file__).resolve().parent / "cache"


@dataclass
class Cands:
    ids: list[str]
    dense: np.ndarray
    lexical: np.ndarray
    idf: np.ndarray
    matched: np.ndarray


def collect(evalset, embedder, progress=None) -> tuple[dict[str, Cands], float]:
    from qa.eval.runner import DEPTH, build_searcher

    searcher = build_searcher(evalset, embedder)
    qids = list(evalset.queries)
    qvecs = embedder.encode([evalset.queries[q] for q in qids], desc="embed queries")
    embedder.flush()
    out = {}
    it = progress(list(zip(qids, qvecs)), desc="candidates", unit="query") if progress else zip(qids, qvecs)
    for qid, qvec in it:
        scored, tokens = searcher.rank(evalset.queries[qid], qvec, None, "hybrid", candidates=DEPTH)
        out[qid] = Cands([searcher.passage(s.row).passage_id for s in scored],
                         np.array([max(s.dense, s.sentence) for s in scored]),
                         np.array([s.lexical for s in scored]),
                         np.array([searcher.lexical.idf(t) for t in tokens]),
                         np.array([t in searcher.lexical.doc_freq for t in tokens], dtype=float))
    return out, searcher.max_idf


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def variants() -> dict:
    from qa.search import fusion

    def adaptive(lo, hi):
        def f(c: Cands, max_idf: float) -> np.ndarray:
            w0 = fusion.lexical_weight(c.idf, c.matched, max_idf)  # 0.2 + 0.6 * found * rarity
            feature = (w0 - 0.2) / 0.6
            return fusion.convex(c.dense, c.lexical, lo + (hi - lo) * feature)
        return f

    out = {"current": lambda c, m: fusion.convex(c.dense, c.lexical, fusion.lexical_weight(c.idf, c.matched, m)),
           "rrf k=60": lambda c, m: fusion.rrf([fusion.ranks_of(c.dense), fusion.ranks_of(c.lexical)], 60.0)}
    for w in np.round(np.arange(0.0, 1.0001, 0.05), 2):
        out[f"convex w={w:.2f}"] = (lambda wt: lambda c, m: fusion.convex(c.dense, c.lexical, wt))(float(w))
        out[f"z w={w:.2f}"] = (lambda wt: lambda c, m: (1 - wt) * _z(c.dense) + wt * _z(c.lexical))(float(w))
    for lo in np.round(np.arange(0.0, 0.61, 0.1), 2):
        for hi in np.round(np.arange(lo + 0.1, 1.001, 0.1), 2):
            out[f"adaptive {lo:.1f}..{hi:.1f}"] = adaptive(float(lo), float(hi))
    return out


def score(cands: dict[str, Cands], max_idf: float, fn, qrels, metrics=("ndcg@10", "recall@100", "hit_rate@1")) -> dict:
    from qa.eval.runner import score_run

    run = {}
    for qid, c in cands.items():
        if not c.ids:
            run[qid] = {"\u2205": 0.0}
            continue
        s = fn(c, max_idf)
        order = np.argsort(-s, kind="stable")[:100]
        run[qid] = {c.ids[i]: 1.0 / (r + 1) for r, i in enumerate(order)}
    return score_run(qrels, run, metrics)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tune", default="train")
    ap.add_argument("--check", default="test")
    ap.add_argument("--squad", action="store_true", help="also report SQuAD dev hit@1 for the finalists")
    ap.add_argument("--top", type=int, default=6, help="finalists reported on the check sets")
    args = ap.parse_args(argv)

    import sys

    from tqdm import tqdm

    from qa.eval import CachedEmbedder, load_beir, load_squad
    from qa.index import Embedder

    progress = lambda it=None, **kw: tqdm(it, file=sys.stderr, mininterval=1.0, **kw)  # noqa: E731
    emb = CachedEmbedder(Embedder(), CACHE, progress)
    var = variants()

    tune = load_beir(SCIFACT, args.tune)
    cands, max_idf = collect(tune, emb, progress)
    tuned = {name: score(cands, max_idf, fn, tune.qrels) for name, fn in var.items()}
    ranked = sorted(tuned, key=lambda k: -tuned[k]["ndcg@10"])
    fixed = ["current", "rrf k=60", "convex w=0.00", "convex w=1.00"]
    finalists = list(dict.fromkeys([*ranked[: args.top], *fixed,
                                    max((k for k in tuned if k.startswith("convex")), key=lambda k: tuned[k]["ndcg@10"]),
                                    max((k for k in tuned if k.startswith("adaptive")), key=lambda k: tuned[k]["ndcg@10"]),
                                    max((k for k in tuned if k.startswith("z ")), key=lambda k: tuned[k]["ndcg@10"])]))
    check = load_beir(SCIFACT, args.check)
    ccands, cmax = collect(check, emb, progress)
    checked = {name: score(ccands, cmax, var[name], check.qrels) for name in finalists}
    squad = {}
    if args.squad:
        sq = load_squad(SQUAD)
        scands, smax = collect(sq, emb, progress)
        squad = {name: score(scands, smax, var[name], sq.qrels, ("hit_rate@1", "hit_rate@5")) for name in finalists}
    rows = []
    for name in finalists:
        row = [name + (" (dense only)" if name == "convex w=0.00" else " (BM25 only)" if name == "convex w=1.00" else ""),
               f"{tuned[name]['ndcg@10']:.4f}", f"{checked[name]['ndcg@10']:.4f}", f"{checked[name]['recall@100']:.4f}"]
        if squad:
            row += [f"{squad[name]['hit@1']:.4f}", f"{squad[name]['hit@5']:.4f}"]
        rows.append(row)
    headers = ["fusion", f"SciFact {args.tune} nDCG@10 (tuned on)", f"SciFact {args.check} nDCG@10",
               f"SciFact {args.check} R@100"] + (["SQuAD dev hit@1", "SQuAD dev hit@5"] if squad else [])
    body = (f"Grid of {len(var)} variants scored on SciFact {args.tune} ({len(tune.queries)} queries); "
            f"the {args.top} best there, the baselines and the best of each family are reported on SciFact "
            f"{args.check} ({len(check.queries)} queries)"
            + (f" and SQuAD dev ({len(squad and sq.queries)} questions)" if squad else "")
            + " without re-tuning. Same candidates (depth 100) for every variant.\n\n" + table(headers, rows) + "\n")
    write_section("fusion", "Fusion experiment (tuned on SciFact train)", body,
                  "python -m bench.fusion_experiment" + (" --squad" if args.squad else ""))
    return {"tuned": tuned, "checked": checked, "squad": squad}


if __name__ == "__main__":
    main()
