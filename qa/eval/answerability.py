"""Answerability and ranking on held-out articles: the generalisation checks of the second stage.

SQuAD v1.1 dev split by article in file order (1-38 to fit, 39-48 held out). Each question is
searched three ways, as a reader searches a few documents: within its own article (answerable),
within its own article without the answering paragraph (a near miss: on topic, no answer), and
within another article (off topic). A verdict's quality is its AUROC over those cases and its
balanced accuracy at its decision rule; its calibration a reliability table.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from ..errors import BadInput
from ..search import evidence
from ..search.features import question_features
from ..search.second_stage import DEPTH, probability
from .datasets import EvalSet


def parse_articles(spec: str) -> list[int]:
    """"1-38" or "5,7,9-12" -> 1-based article numbers; BadInput for anything else."""
    out = []
    for part in spec.split(","):
        a, _, b = part.strip().partition("-")
        if not a.isdigit() or not (b or a).isdigit() or int(a) < 1 or int(b or a) < int(a):
            raise BadInput(f"--articles {spec!r}: give 1-based article numbers and ranges, e.g. 39-48 or 1,3-5")
        out += list(range(int(a), int(b or a) + 1))
    return out


def subset(evalset: EvalSet, articles: list[int]) -> EvalSet:
    """The set restricted to the given 1-based articles (file order) and their questions."""
    docs = [evalset.documents[i - 1] for i in articles if 0 < i <= len(evalset.documents)]
    if not docs:
        raise BadInput(f"{evalset.name} has {len(evalset.documents)} articles; none of {articles[0]}-{articles[-1]}")
    ids = {d.doc_id for d in docs}
    qids = [q for q, rel in evalset.qrels.items() if next(iter(rel)).split("#")[0] in ids]
    return EvalSet(f"{evalset.name}[{articles[0]}-{articles[-1]}]", docs, {q: evalset.queries[q] for q in qids},
                   {q: evalset.qrels[q] for q in qids}, {q: evalset.answers.get(q, []) for q in qids})


@dataclass
class Searched:
    """One question searched: its candidates (first stage order) and which one is gold (-1: none)."""

    question: str
    tokens: list[str]
    scored: list
    gold: int


def first_stage(searcher, evalset: EvalSet, qvecs: dict[str, np.ndarray], qids: list[str], doc_ids=None,
                drop_gold=False, method: str = "hybrid") -> list[Searched]:
    """Each question ranked by the first stage (``method``) within ``doc_ids`` (a list, a function
    of the question id, or None: everything), its best ``DEPTH`` kept; a question without
    relevance judgments has no gold (-1)."""
    out = []
    for qid in qids:
        question = evalset.queries[qid]
        golds = set(evalset.qrels.get(qid, ()))
        scope = doc_ids(qid) if callable(doc_ids) else doc_ids
        scored, tokens = searcher.rank(question, qvecs[qid], scope, method)
        if drop_gold:
            scored = [s for s in scored if searcher.passage(s.row).passage_id not in golds]
        scored = scored[:DEPTH]
        gold = next((i for i, s in enumerate(scored) if searcher.passage(s.row).passage_id in golds), -1)
        out.append(Searched(question, tokens, scored, gold))
    return out


def verdict_cases(searcher, evalset: EvalSet, qvecs, qids, seed: int) -> tuple[list[Searched], np.ndarray]:
    """Each question within its own article (1), without its paragraph (0), in another article (0;
    when there is one)."""
    rng = random.Random(seed)
    article = {q: next(iter(evalset.qrels[q])).split("#")[0] for q in qids}
    docs = [d.doc_id for d in evalset.documents]
    own = first_stage(searcher, evalset, qvecs, qids, lambda q: [article[q]])
    near = first_stage(searcher, evalset, qvecs, qids, lambda q: [article[q]], drop_gold=True)
    elsewhere = qids if len(docs) > 1 else []
    other = first_stage(searcher, evalset, qvecs, elsewhere,
                        lambda q: [rng.choice([d for d in docs if d != article[q]])])
    return own + near + other, np.array([1] * len(own) + [0] * (len(near) + len(other)))


def corpus_cases(searcher, evalset: EvalSet, qvecs, qids) -> tuple[list[Searched], np.ndarray]:
    """For a BEIR-style set (one passage per document): each query over the whole corpus (1) and
    over the corpus without its relevant documents (0: the nearest remaining are near misses)."""
    full = first_stage(searcher, evalset, qvecs, qids)
    near = first_stage(searcher, evalset, qvecs, qids, drop_gold=True)
    return full + near, np.array([1] * len(full) + [0] * len(near))


def corpus_report(searcher, evalset: EvalSet, qvecs: dict, model) -> dict:
    """v1 against the second stage on answerability over a BEIR-style set (``corpus_cases``)."""
    cases, y = corpus_cases(searcher, evalset, qvecs, sorted(evalset.queries))
    v1_score, v1_answered = first_stage_scores(searcher, cases)
    return {"cases": len(cases), "v1": answerability_figures(v1_score, y, None, decided=v1_answered),
            "second_stage": answerability_figures(second_stage_scores(searcher, model, cases), y, model.threshold)}


def ranking_figures(searched: list[Searched], orders: list[list[int]]) -> dict:
    ranks = []
    for s, order in zip(searched, orders):
        ranks.append(order.index(s.gold) + 1 if s.gold >= 0 else None)
    n = len(ranks)
    return {"hit@1": sum(r == 1 for r in ranks) / n, "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
            "mrr@10": sum(1 / r for r in ranks if r is not None and r <= 10) / n}


def answerability_figures(score: np.ndarray, y: np.ndarray, threshold: float | None, decided=None) -> dict:
    """AUROC of ``score`` against ``y`` (1 = answerable), and the decision's balanced accuracy,
    answered rate (of answerable) and abstain rate (of the rest); the decision is
    ``score >= threshold`` unless given (``decided``)."""
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    decided = np.asarray(score >= threshold if decided is None else decided, bool)
    return {"auroc": float(roc_auc_score(y, score)), "balanced_accuracy": float(balanced_accuracy_score(y, decided)),
            "answered_rate": float(decided[y == 1].mean()), "abstain_rate": float((~decided[y == 0]).mean())}


def reliability(prob: np.ndarray, y: np.ndarray, bins: int = 5, edges=None) -> list[dict]:
    """Per probability bin: cases, mean predicted, share actually answerable.

    ``edges``: other bin edges, for a score that is not a probability (v1's evidence); each bin
    holds [lo, hi), the last one [lo, hi], and is labelled with two decimals.
    """
    fmt = ".1f" if edges is None else ".2f"
    edges = np.linspace(0, 1, bins + 1) if edges is None else np.asarray(edges, float)
    out = []
    for n, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        last = n == len(edges) - 2
        m = (prob >= lo) & ((prob <= hi) if last else (prob < hi))
        if m.any():
            out.append({"bin": f"{lo:{fmt}}-{hi:{fmt}}", "cases": int(m.sum()),
                        "predicted": round(float(prob[m].mean()), 3), "observed": round(float(y[m].mean()), 3)})
    return out




def first_stage_scores(searcher, cases: list[Searched]) -> tuple[np.ndarray, np.ndarray]:
    """v1's verdict on each case: (its evidence score, answered or not by the evidence test)."""
    score, answered = [], []
    for c in cases:
        if not c.scored:
            score.append(-1.0)
            answered.append(False)
            continue
        v = evidence.judge(c.question, c.tokens, c.scored[0].similarity, searcher.passage(c.scored[0].row).text,
                           searcher.lexical, searcher.vocabulary(None))
        score.append(v.signals["evidence"] if v.signals else -1.0)
        answered.append(v.answered)
    return np.array(score), np.array(answered)


def second_stage_scores(searcher, model, cases: list[Searched]) -> np.ndarray:
    """The second stage's probability that each case's best candidate answers it."""
    return probability(model.verdict.logits(verdict_features(searcher, model, cases)))


def verdict_features(searcher, model, cases: list[Searched]) -> np.ndarray:
    """QUESTION_FEATURES of each case, its candidates re-ranked by ``model``'s ranker."""
    rows = []
    for c in cases:
        _, logits, feats = searcher.rerank(c.question, c.tokens, c.scored, model)
        rows.append(question_features(logits, feats, searcher.absent(c.tokens)))
    return np.array(rows)


def held_out_report(searcher, evalset: EvalSet, qvecs: dict, model, seed: int = 13) -> dict:
    """v1 against the second stage on one split: ranking over all its articles together, and
    answerability over the three kinds of cases."""
    qids = sorted(evalset.queries)
    searched = first_stage(searcher, evalset, qvecs, qids)
    v1_rank = ranking_figures(searched, [list(range(len(s.scored))) for s in searched])
    orders = [list(model.rerank(s.question, searcher.term_weights(s.tokens), searcher.candidate_rows(s.scored))[0])
              for s in searched]
    cases, y = verdict_cases(searcher, evalset, qvecs, qids, seed)
    v1_score, v1_answered = first_stage_scores(searcher, cases)
    prob = second_stage_scores(searcher, model, cases)
    v1 = answerability_figures(v1_score, y, None, decided=v1_answered)
    return {"questions": len(qids), "cases": len(cases),
            "v1": {**v1_rank, **v1}, "second_stage": {**ranking_figures(searched, orders),
                                                      **answerability_figures(prob, y, model.threshold)},
            "reliability": reliability(prob, y)}
