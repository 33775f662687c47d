"""The rewording test (issue 20): do ranking and the verdict survive questions worded away from the text?

Rows of ../shared/datasets/squad-reworded (one per SQuAD v1.1 dev paragraph): a SQuAD question,
the same question ``reworded`` as a reader who has not seen the paragraph asks it, and a
``near_miss`` (on topic, reusing the paragraph's names, answered nowhere in its article). The
pool is every paragraph of the rows' articles, indexed in memory as ``qa eval --squad FILE
--articles A-B`` indexes them (``datasets.load_squad`` -> ``answerability.subset`` ->
``runner.build_searcher``, embeddings from the cache), and every question is searched over the
whole pool:

- ranking: the reworded and the original questions, gold = the row's paragraph (ranx, as
  ``runner.evaluate_set``), at the product's candidate depth;
- answerability: reworded questions (answerable) against near misses (unanswerable), scored by
  the product's answer score (the second stage's probability for ``rerank``, v1's evidence
  otherwise) and decided by the verdict the product ships (``Searcher.ask``: ``answered`` or
  not, at its threshold), overall and per near-miss kind, with a reliability table.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BadInput
from ..search import evidence, reading, second_stage
from ..search.fusion import METHODS
from ..search.retrieve import CANDIDATES, Searcher
from ..text import read_jsonl
from .answerability import (
    answerability_figures,
    first_stage,
    first_stage_scores,
    reliability,
    second_stage_scores,
    subset,
)
from .datasets import EvalSet
from .runner import build_searcher, evaluate_set

#: Near-miss kinds (SQuAD 2.0's analysis of unanswerable questions), in the dataset README's order.
KINDS = ("no_information", "entity_swap", "number_swap", "negation", "antonym", "mutual_exclusion")
#: Ranking figures reported for each question set (``recall@100`` is left out: the product's
#: ranking keeps ``CANDIDATES`` per retriever, as measured here).
RANKING = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "highlight@1", "highlight|hit@1")
#: Where the SQuAD file sits relative to a rows file (shared/datasets/squad-reworded/dev.jsonl).
SQUAD_BESIDE = Path("..") / "squad" / "dev-v1.1.json"


@dataclass(frozen=True)
class Row:
    """One paragraph's questions: SQuAD's (``qid``, ``question``), ``reworded``, and a near miss."""

    article: int  # 1-based, SQuAD file order
    paragraph: int  # 0-based within the article
    qid: str
    question: str
    reworded: str
    near_miss: str
    kind: str


def load_rows(path: Path) -> list[Row]:
    """The rows of a squad-reworded .jsonl file; BadInput naming the file (and line) otherwise."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such file; --reworded takes a squad-reworded .jsonl file, "
                       "e.g. ../shared/datasets/squad-reworded/dev.jsonl")
    rows = []
    for n, r in enumerate(read_jsonl(path), 1):
        try:
            near = r["near_miss"]
            row = Row(int(r["article"]), int(r["paragraph"]), str(r["qid"]), str(r["question"]), str(r["reworded"]),
                      str(near["question"]), str(near["kind"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInput(f"{path}: row {n} is not a squad-reworded row ({type(exc).__name__}: {exc}); each needs "
                           "article, paragraph, qid, question, reworded and near_miss {question, kind}") from None
        if row.kind not in KINDS:
            raise BadInput(f"{path}: row {n}: near-miss kind {row.kind!r} is not one of {', '.join(KINDS)}")
        if row.article < 1 or row.paragraph < 0:
            raise BadInput(f"{path}: row {n}: article {row.article} paragraph {row.paragraph}; articles are 1-based, "
                           "paragraphs 0-based")
        rows.append(row)
    if not rows:
        raise BadInput(f"{path}: no rows; --reworded takes a squad-reworded .jsonl file")
    return rows


def squad_beside(rows_path: Path) -> Path:
    """The SQuAD v1.1 dev file the rows were written over, where the shared datasets keep it."""
    return (Path(rows_path).parent / SQUAD_BESIDE).resolve()


def articles_of(rows: list[Row]) -> list[int]:
    return sorted({r.article for r in rows})


def span(articles: list[int]) -> str:
    """[39, 40, ..., 48] -> "39-48"; a pool with gaps as a comma list."""
    if articles == list(range(articles[0], articles[-1] + 1)):
        return f"{articles[0]}-{articles[-1]}" if len(articles) > 1 else str(articles[0])
    return ",".join(map(str, articles))


@dataclass
class Pool:
    """The pool's passages and the rows' questions as EvalSets over the same documents."""

    reworded: EvalSet
    original: EvalSet
    cases: EvalSet  # reworded (gold: its paragraph) then near misses (no gold), ids "<qid>" / "<qid>~near"
    rows: list[Row]
    articles: list[int]


def pool(squad: EvalSet, rows: list[Row], name: str) -> Pool:
    """Every paragraph of the rows' articles (``squad`` is ``load_squad`` of the SQuAD file they
    were written over), and each row checked against it: its SQuAD question must be the file's
    question of that id, in the article and paragraph the row names."""
    articles = articles_of(rows)
    part = subset(squad, articles)
    docs = {i: squad.documents[i - 1].doc_id for i in articles if i <= len(squad.documents)}
    qrels, answers = {}, {}
    for n, r in enumerate(rows, 1):
        want = f"{docs.get(r.article)}#p{r.paragraph + 1}"
        got = next(iter(part.qrels.get(r.qid, {})), None)
        if got != want or squad.queries.get(r.qid) != r.question:
            where = f"in {got}" if got else "not in that article" if r.qid not in squad.queries else \
                f"in {next(iter(squad.qrels[r.qid]))}"
            raise BadInput(f"row {n} (question {r.qid}, article {r.article} paragraph {r.paragraph}) does not match "
                           f"{squad.name}: that question is {where}, or worded otherwise; give the SQuAD v1.1 dev "
                           "file the rows were written over (--squad FILE)")
        qrels[r.qid] = {want: 1}
        answers[r.qid] = part.answers.get(r.qid, [])
    if len({r.qid for r in rows}) != len(rows):
        raise BadInput(f"{name}: a SQuAD question appears in more than one row; each row is one paragraph's question")
    reworded = EvalSet(f"{name} reworded", part.documents, {r.qid: r.reworded for r in rows}, qrels, answers)
    original = EvalSet(f"{name} original", part.documents, {r.qid: r.question for r in rows}, qrels, answers)
    cases = EvalSet(f"{name} cases", part.documents, {**reworded.queries, **{f"{r.qid}~near": r.near_miss for r in rows}},
                    qrels)
    return Pool(reworded, original, cases, rows, articles)


def evaluate_reworded(p: Pool, embedder, methods: list[str], index_kind: str = "flat", progress=None) -> list[dict]:
    """One object per method: the reworded questions' ranking under the names the other rows use
    (``hit@1`` ...), the original questions' in ``original``, and answerability (``auroc``,
    ``abstain_balanced`` = balanced accuracy, ``answered_rate`` of the reworded questions,
    ``abstain_rate`` of the near misses, ``reliability``, ``by_kind``)."""
    t0 = time.perf_counter()
    searcher = build_searcher(p.reworded, embedder, index_kind)
    build_s = time.perf_counter() - t0
    ranked = {}
    for which, es in (("reworded", p.reworded), ("original", p.original)):
        for r in evaluate_set(es, embedder, methods, depth=CANDIDATES, progress=progress, searcher=searcher):
            ranked[which, r["method"]] = {k: r[k] for k in RANKING if k in r} | {"ms_per_query": r["ms_per_query"]}
    qids = list(p.cases.queries)
    qvecs = dict(zip(qids, embedder.encode([p.cases.queries[q] for q in qids])))
    if hasattr(embedder, "flush"):
        embedder.flush()
    out = []
    for method in methods:
        row = {"method": method, "dataset": p.reworded.name.rsplit(" ", 1)[0], "articles": span(p.articles),
               **ranked["reworded", method], "original": ranked["original", method]}
        row.update(answerability(searcher, p, qvecs, method, progress))
        row.update({"queries": len(p.rows), "near_misses": len(p.rows), "passages": len(searcher.table.passages),
                    "index_s": build_s})
        out.append(row)
    return out


def answerability(searcher: Searcher, p: Pool, qvecs: dict, method: str, progress=None) -> dict:
    """Reworded questions (answerable) against near misses over the whole pool: the method's
    answer score, the shipped verdict on each, and their figures overall and per kind."""
    model = second_stage.load() if method == "rerank" else None
    stage = reading.load() if method == "reader" else None
    qids = list(p.cases.queries)
    # the verdict as the product gives it: the same searcher with (or without) its later stage
    product = Searcher(searcher.table, searcher.vectors, searcher.lexical, searcher.embedder, model, stage)
    it = progress(qids, desc=f"verdict {method}", unit="question") if progress else qids
    answers = [product.ask(p.cases.queries[q], method=method if method in METHODS else "hybrid") for q in it]
    answered = np.array([a.verdict == "answered" for a in answers])
    if stage is not None:  # the reader's probability for the passage it put first
        score = np.array([a.passages[0].score if a.passages else 0.0 for a in answers])
        name, threshold = "reader", stage.threshold
    elif model is not None:
        cases = first_stage(searcher, p.cases, qvecs, qids, method="hybrid")
        score, name, threshold = second_stage_scores(searcher, model, cases), "second_stage", model.threshold
    else:
        cases = first_stage(searcher, p.cases, qvecs, qids, method=method)
        score, name, threshold = first_stage_scores(searcher, cases)[0], "evidence", evidence.THRESHOLD
    y = np.array([q in p.cases.qrels for q in qids], dtype=int)
    fig = answerability_figures(score, y, None, decided=answered)
    # answered with the gold paragraph on top (the reworded questions come first in ``qids``)
    gold = [next(iter(p.cases.qrels[q])) for q in qids[:len(p.rows)]]
    right = sum(a.answered and bool(a.passages) and f"{a.passages[0].doc_id}#p{a.passages[0].paragraph}" == g
                for a, g in zip(answers[:len(p.rows)], gold))
    kind = np.array([""] * len(p.rows) + [r.kind for r in p.rows])
    by_kind = {}
    for k in KINDS:
        m = (y == 1) | (kind == k)
        if (kind == k).any():
            f = answerability_figures(score[m], y[m], None, decided=answered[m])
            by_kind[k] = {"near_misses": int((kind == k).sum()), "auroc": f["auroc"],
                          "balanced_accuracy": f["balanced_accuracy"], "abstain_rate": f["abstain_rate"]}
    # a probability in fixed bins; v1's evidence (not a probability) in fifths of its cases, the
    # edges being cases' own scores (interpolated ones could land a hair off a case's score)
    edges = None if model is not None or stage is not None else np.unique(np.quantile(score, np.linspace(0, 1, 6), method="lower"))
    return {"score": name, "threshold": threshold, "auroc": fig["auroc"], "abstain_balanced": fig["balanced_accuracy"],
            "answered_rate": fig["answered_rate"], "abstain_rate": fig["abstain_rate"],
            "answered_right": right / len(gold), "reliability": reliability(score, y, edges=edges), "by_kind": by_kind}
