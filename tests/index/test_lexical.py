"""BM25 checked against a reference implementation (rank_bm25) on a small corpus.

bm25s scores with Lucene's BM25: IDF = ln(1 + (N - df + 0.5) / (df + 0.5)) and a term-frequency
part tf / (tf + k1 * (1 - b + b * dl / avgdl)), which is rank_bm25's BM25Okapi part without its
constant factor (k1 + 1) (Lucene dropped it: it changes no ranking). The reference is BM25Okapi
with Lucene's IDF, divided by (k1 + 1), so every score can be compared one for one.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from qa.index.lexical import BM25
from qa.text import tokenize

import rank_bm25  # noqa: E402  (requirements-test.txt: missing fails, never skips)

TEXTS = [
    "Putin confronted by a member of his inner circle about the conduct of the war.",
    "The Kremlin announced a partial mobilisation; reservists were called up within weeks.",
    "Officials say the war is going badly and the mobilisation was rushed.",
    "Lukashenko met Putin in Sochi; the two leaders discussed the war and gas prices.",
    "A lighthouse keeper lit the lamp every night for forty years.",
]
QUERIES = ["Who confronted Putin about the war?", "partial mobilisation", "lighthouse lamp", "gas prices in Sochi",
           "nothing matches zebras"]


class LuceneOkapi(rank_bm25.BM25Okapi):
    def _calc_idf(self, nd):
        for word, freq in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))


@pytest.fixture(scope="module")
def ours():
    return BM25.build(TEXTS)


def test_scores_match_the_reference(ours):
    k1 = 1.2
    ref = LuceneOkapi([tokenize(t) for t in TEXTS], k1=k1, b=0.75)
    for q in QUERIES:
        tokens = tokenize(q)
        expected = ref.get_scores(tokens) / (k1 + 1)
        assert np.allclose(ours.scores(tokens), expected, rtol=1e-5, atol=1e-6), q


def test_idf_by_hand(ours):
    # "war" is in 3 of 5 passages; an unseen term gets the largest IDF
    assert ours.idf("war") == pytest.approx(math.log(1 + (5 - 3 + 0.5) / (3 + 0.5)))
    assert ours.idf("zebra") == pytest.approx(math.log(1 + (5 + 0.5) / 0.5))


def test_unknown_terms_score_zero_and_a_round_trip_keeps_scores(ours, tmp_path):
    assert ours.scores(tokenize("zebras")).tolist() == [0.0] * 5
    ours.save(tmp_path)
    again = BM25.load(tmp_path)
    tokens = tokenize(QUERIES[0])
    assert np.array_equal(again.scores(tokens), ours.scores(tokens)) and again.doc_freq == ours.doc_freq


# -- top k without sorting every score -----------------------------------------------------------------
def test_top_k_equals_a_full_sort():
    from qa.index.lexical import top_k

    rng = np.random.default_rng(0)
    for n, k in ((1000, 10), (1000, 50), (50, 100), (10_000, 1)):
        scores = np.round(rng.random(n) * 20, 1).astype(np.float32)  # many ties
        scores[rng.random(n) < 0.5] = 0.0
        assert top_k(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()
        full = np.argsort(-scores, kind="stable")
        assert top_k(scores, k, positive=True).tolist() == [int(r) for r in full[:k] if scores[r] > 0]
    assert top_k(np.zeros(5), 3, positive=True).tolist() == []


def test_bm25_top_matches_its_scores_and_the_filter():
    bm25 = BM25.build(TEXTS)
    for q in QUERIES:
        tokens = tokenize(q)
        full = bm25.scores(tokens)
        rows, scores = bm25.top(tokens, 3)
        expect = [int(r) for r in np.argsort(-full, kind="stable")[:3] if full[r] > 0]
        assert rows.tolist() == expect and np.allclose(scores, full[rows])
        allowed = np.array([False, True, True, False, True])
        rows, _ = bm25.top(tokens, 5, allowed)
        assert all(allowed[r] for r in rows)
