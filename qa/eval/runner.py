"""Index an EvalSet in memory with the library's own parts, rank its queries, score with ranx.

The index is the product's: ``index.vectors.build`` over the passage vectors, ``index.lexical.BM25``
over the passage texts, and ``search.Searcher`` ranking with the method asked for
("bm25", "dense" or the default "hybrid"). Nothing is written to corpus/ or index/.
"""
from __future__ import annotations

import time

import numpy as np

from ..errors import BadInput
from ..index import vectors
from ..index.lexical import BM25
from ..index.table import PassageTable
from ..search import reading, second_stage
from ..search.fusion import METHODS
from ..search.retrieve import Searcher
from ..text import quoted
from ..types import sentence_texts
from .datasets import EvalSet

#: ranx metric names computed for every run, and the names they are reported under.
METRICS = {"ndcg@10": "ndcg@10", "recall@100": "recall@100", "mrr@10": "mrr@10",
           "hit_rate@1": "hit@1", "hit_rate@3": "hit@3", "hit_rate@5": "hit@5"}
#: How many passages each retriever contributes and each run keeps (recall@100 needs 100).
DEPTH = 100


#: The first stage's methods, "rerank": hybrid followed by the shipped second stage, and
#: "reader": hybrid followed by the shipped reader (qa/models/reader.json).
EVAL_METHODS = (*METHODS, "rerank", "reader")


def parse_methods(spec: str) -> list[str]:
    methods = [m.strip() for m in spec.split(",") if m.strip()]
    bad = [m for m in methods if m not in EVAL_METHODS]
    if bad or not methods:
        raise BadInput(f"unknown method {quoted(bad[0] if bad else spec)}; use a comma list of {', '.join(EVAL_METHODS)}")
    if "rerank" in methods and second_stage.load() is None:
        raise BadInput(f"method rerank needs {second_stage.MODEL_FILE}; train it with `python -m training.second_stage`")
    if "reader" in methods and reading.load() is None:
        raise BadInput("method reader needs qa/models/reader.json; train one with `python -m training.reader` and "
                       "ship it with `python -m training.reader_choose --ship`")
    return list(dict.fromkeys(methods))


def build_searcher(evalset: EvalSet, embedder, index_kind: str = "flat") -> Searcher:
    """A Searcher over the set's documents: vectors from ``embedder`` (cached or not), BM25 built here."""
    docs = evalset.documents
    passages = [p for d in docs for p in d.passages]
    kw = {"desc": "embed passages"} if hasattr(embedder, "folder") else {}
    pvecs = embedder.encode([p.text for p in passages], **kw)
    sentences = sentence_texts(docs)
    if sentences:
        kw = {"desc": "embed sentences"} if kw else {}
        svecs = embedder.encode(sentences, **kw)
    else:
        svecs = np.zeros((0, pvecs.shape[1]), dtype=np.float32)
    index = vectors.build(pvecs, index_kind)
    bm25 = BM25.build([p.text for p in passages])
    return Searcher(PassageTable(docs, pvecs, svecs), index, bm25, embedder)


def rank_queries(searcher: Searcher, queries: dict[str, str], qvecs: np.ndarray, method: str,
                 depth: int = DEPTH, progress=None) -> dict[str, list]:
    """query id -> its best ``depth`` candidates (``search.Scored``), best first."""
    out = {}
    items = list(queries.items())
    it = progress(items, desc=f"rank {method}", unit="query") if progress else items
    model = second_stage.load() if method == "rerank" else None
    stage = reading.load() if method == "reader" else None
    for (qid, text), qvec in zip(it, qvecs):
        scored, tokens = searcher.rank(text, qvec, None, method if method in METHODS else "hybrid", candidates=depth)
        if model is not None:
            scored = searcher.rerank(text, tokens, scored, model)[0]
        if stage is not None:
            scored = stage.read(searcher.table, text, scored)[0]
        out[qid] = scored[:depth]
    return out


def to_run(searcher: Searcher, ranked: dict[str, list]) -> dict[str, dict[str, float]]:
    """A ranx run: {query id: {passage_id: score}}; scores follow our order (1/rank), so ties
    cannot be re-ordered by ranx."""
    run = {}
    for qid, scored in ranked.items():
        run[qid] = {searcher.passage(s.row).passage_id: 1.0 / (i + 1) for i, s in enumerate(scored)}
        if not run[qid]:
            run[qid] = {"\u2205": 0.0}  # nothing retrieved: an entry ranx accepts, never relevant
    return run


def score_run(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]],
              metrics=tuple(METRICS)) -> dict[str, float]:
    """Mean of each ranx metric over the judged queries, under our report names."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's type-safety chatter
        from ranx import Qrels, Run, evaluate

        result = evaluate(Qrels(qrels), Run(run), list(metrics), make_comparable=True)
    if not isinstance(result, dict):
        result = {metrics[0]: result}
    return {METRICS.get(k, k): float(v) for k, v in result.items()}


def highlight_accuracy(searcher: Searcher, ranked: dict[str, list],
                       answers: dict[str, list[tuple[str, int, int]]]) -> tuple[float, float]:
    """(share of questions whose top passage's highlighted sentence holds a gold answer span,
    the same share among questions whose top passage is the gold one).

    A span is held when it lies inside one highlighted [start, end) of the same document.
    """
    ok = hit = ok_given_hit = 0
    for qid, gold in answers.items():
        scored = ranked.get(qid) or []
        if not scored:
            continue
        top = scored[0]
        p = searcher.passage(top.row)
        spans = searcher.highlight(top)
        good = any(d == p.doc_id and hs <= s and e <= he for d, s, e in gold for hs, he in spans)
        in_gold = any(d == p.doc_id and p.start <= s and e <= p.end for d, s, e in gold)
        ok += good
        hit += in_gold
        ok_given_hit += good and in_gold
    n = len(answers) or 1
    return ok / n, (ok_given_hit / hit if hit else 0.0)


def evaluate_set(evalset: EvalSet, embedder, methods: list[str], depth: int = DEPTH,
                 index_kind: str = "flat", progress=None, searcher: Searcher | None = None) -> list[dict]:
    """One row of figures per method, all on the same in-memory index (``searcher`` when given,
    else built here)."""
    t0 = time.perf_counter()
    searcher = searcher or build_searcher(evalset, embedder, index_kind)
    build_s = time.perf_counter() - t0
    qids = list(evalset.queries)
    kw = {"desc": "embed queries"} if hasattr(embedder, "folder") else {}
    qvecs = embedder.encode([evalset.queries[q] for q in qids], **kw)
    if hasattr(embedder, "flush"):
        embedder.flush()
    rows = []
    for method in methods:
        t1 = time.perf_counter()
        ranked = rank_queries(searcher, evalset.queries, qvecs, method, depth, progress)
        rank_s = time.perf_counter() - t1
        row = {"method": method, "dataset": evalset.name}
        row.update(score_run(evalset.qrels, to_run(searcher, ranked)))
        if evalset.answers:
            row["highlight@1"], row["highlight|hit@1"] = highlight_accuracy(searcher, ranked, evalset.answers)
        row.update({"queries": len(qids), "passages": len(searcher.table.passages),
                    "ms_per_query": 1000 * rank_s / max(len(qids), 1), "index_s": build_s})
        rows.append(row)
    return rows
