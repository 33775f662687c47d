"""The held-out checks' arithmetic: article specs, ranking and answerability figures, reliability."""
from __future__ import annotations

import numpy as np
import pytest

from qa.errors import BadInput
from qa.eval.answerability import (
    Searched,
    answerability_figures,
    parse_articles,
    ranking_figures,
    reliability,
    subset,
)
from qa.eval.datasets import EvalSet
from qa.types import Block, Document


def test_article_specs():
    assert parse_articles("39-48") == list(range(39, 49))
    assert parse_articles("1,3-4") == [1, 3, 4]
    for bad in ("abc", "5-2", "0-3", "-4"):
        with pytest.raises(BadInput):
            parse_articles(bad)


def test_subset_keeps_the_articles_and_their_questions():
    docs = [Document(f"a{i}", f"A{i}", "s", "p", "h", "text", [Block(f"a{i}", "body", 0, 4, "text", 1)])
            for i in range(1, 4)]
    es = EvalSet("x", docs, {"q1": "?", "q3": "?"}, {"q1": {"a1#p1": 1}, "q3": {"a3#p1": 1}}, {"q1": [], "q3": []})
    part = subset(es, [3])
    assert [d.doc_id for d in part.documents] == ["a3"] and list(part.queries) == ["q3"]
    with pytest.raises(BadInput, match="3 articles"):
        subset(es, [7, 8])


def test_ranking_figures_follow_the_order_given():
    searched = [Searched("q", [], [0, 1, 2], gold=1), Searched("q", [], [0, 1], gold=-1)]
    assert ranking_figures(searched, [[1, 0, 2], [0, 1]]) == {"hit@1": 0.5, "hit@5": 0.5, "mrr@10": 0.5}
    assert ranking_figures(searched, [[0, 1, 2], [0, 1]])["mrr@10"] == pytest.approx(0.25)


def test_answerability_figures_and_reliability():
    y = np.array([1, 1, 0, 0])
    fig = answerability_figures(np.array([0.9, 0.4, 0.6, 0.1]), y, 0.5)
    assert fig == {"auroc": 0.75, "balanced_accuracy": 0.5, "answered_rate": 0.5, "abstain_rate": 0.5}
    assert answerability_figures(np.array([3.0, 2.0, 1.0, 0.0]), y, None, decided=[True, True, False, False]) == \
        {"auroc": 1.0, "balanced_accuracy": 1.0, "answered_rate": 1.0, "abstain_rate": 1.0}
    bins = reliability(np.array([0.05, 0.1, 0.95, 1.0]), np.array([0, 0, 1, 0]))
    assert bins == [{"bin": "0.0-0.2", "cases": 2, "predicted": 0.075, "observed": 0.0},
                    {"bin": "0.8-1.0", "cases": 2, "predicted": 0.975, "observed": 0.5}]
