"""Rank fusion, each formula checked against values computed by hand."""
from __future__ import annotations

import numpy as np
import pytest

from qa.search import fusion


def test_rrf_sums_reciprocal_ranks():
    out = fusion.rrf([np.array([1.0, 2.0, 3.0]), np.array([3.0, 1.0, 2.0])], k=60)
    assert out == pytest.approx([1 / 61 + 1 / 63, 1 / 62 + 1 / 61, 1 / 63 + 1 / 62])


def test_minmax_scales_to_unit_range_and_flat_input_to_zeros():
    assert fusion.minmax(np.array([1.0, 3.0, 2.0])) == pytest.approx([0.0, 1.0, 0.5])
    assert fusion.minmax(np.array([0.7, 0.7])).tolist() == [0.0, 0.0]


def test_ranks_of_is_one_based_best_first_and_stable_on_ties():
    assert fusion.ranks_of(np.array([0.5, 0.9, 0.1])).tolist() == [2.0, 1.0, 3.0]
    assert fusion.ranks_of(np.array([0.4, 0.4, 0.9])).tolist() == [2.0, 3.0, 1.0]


def test_lexical_weight_by_hand():
    # idf 2 (found) and 1 (not found), max idf 4: found = 2/3, rarity = mean(2/4) = 0.5
    assert fusion.lexical_weight(np.array([2.0, 1.0]), np.array([1.0, 0.0]), 4.0) == pytest.approx(0.2 + 0.6 * 2 / 3 * 0.5)
    # every term found and as rare as can be: the most trust in BM25
    assert fusion.lexical_weight(np.array([4.0]), np.array([1.0]), 4.0) == pytest.approx(0.8)
    # nothing found, or no terms at all: the dense model decides
    assert fusion.lexical_weight(np.array([3.0]), np.array([0.0]), 4.0) == pytest.approx(0.2)
    assert fusion.lexical_weight(np.array([]), np.array([]), 4.0) == pytest.approx(0.2)


def test_convex_mixes_normalised_scores():
    out = fusion.convex(np.array([0.2, 0.6]), np.array([8.0, 0.0]), 0.25)
    assert out == pytest.approx([0.75 * 0 + 0.25 * 1, 0.75 * 1 + 0.25 * 0])


def test_methods_by_name():
    dense, lexical = np.array([0.2, 0.6, 0.4]), np.array([8.0, 0.0, 4.0])
    assert set(fusion.METHODS) == {"hybrid", "dense", "bm25"}
    assert fusion.METHODS["hybrid"](dense, lexical, 0.5) == pytest.approx([0.5, 0.5, 0.5])
    assert fusion.METHODS["dense"](dense, lexical, 0.5) is dense
    # BM25 alone, ties broken by the dense score
    tied = fusion.METHODS["bm25"](dense, np.zeros(3), 0.5)
    assert np.argsort(-tied).tolist() == [1, 2, 0]


def test_a_question_gives_bm25_half_the_weight_the_same_words_get_as_a_statement(tmp_path, fake_embedder):
    import json

    from qa.eval import load_squad
    from qa.eval.runner import build_searcher

    data = {"version": "1.1", "data": [{"title": "T", "paragraphs": [{"context": "The duke built the walls.", "qas": []},
                                                                      {"context": "Tourists visit in summer.", "qas": []}]}]}
    (tmp_path / "s.json").write_text(json.dumps(data), encoding="utf-8")
    searcher = build_searcher(load_squad(tmp_path / "s.json"), fake_embedder)
    tokens = ["duke", "built"]
    statement = searcher._lexical_weight(tokens, "the duke built")
    assert statement > 0.2
    assert searcher._lexical_weight(tokens, "who built the duke's walls?") == pytest.approx(
        fusion.QUESTION_LEXICAL_SCALE * statement)
