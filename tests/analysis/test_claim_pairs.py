"""Sentence pairs judged by a claim model (a stub here, with probabilities set by hand): the
counterpart is the candidate it finds most likely the same claim, the verdict its threshold, a
conflict still vetoes, and the probability travels in the JSON."""
from __future__ import annotations

import numpy as np
import pytest

from qa.analysis.claims import SentencePair, Unit, Vocabulary, sentence_pairs
from qa.text import tokenize
from qa.types import TextSpan


def unit(text: str, numbers=()) -> Unit:
    return Unit(TextSpan("d", 1, 0, len(text), text), frozenset(tokenize(text)), frozenset(numbers), frozenset())


class StubModel:
    threshold = 0.5

    def __init__(self, prob: dict):
        self.prob = prob
        self.read: list[tuple[str, str]] = []

    def same_claim(self, pairs):
        self.read += pairs
        return np.array([self.prob.get(p, 0.0) for p in pairs])


X = [unit("The army took the bridge at dawn on Monday."), unit("Ten soldiers were hurt in the fighting there.", {"10"}),
     unit("Short one.")]
Y = [unit("At dawn on Monday the bridge fell to the army."), unit("The army lost the bridge at dawn on Monday."),
     unit("Twelve soldiers were hurt in the fighting there.", {"12"})]
VX = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
#: Y[1] is the nearest to X[0] by cosine, Y[0] the same claim
VY = np.array([[0.8, 0.6, 0], [0.95, 0.31, 0], [0, 1, 0]], dtype=np.float32)
VOC = Vocabulary({t: 1.0 for u in X + Y for t in u.terms}, frozenset(), 10)


def test_the_model_picks_the_counterpart_and_decides():
    model = StubModel({(X[0].span.text, Y[0].span.text): 0.9, (X[0].span.text, Y[1].span.text): 0.3,
                       (X[1].span.text, Y[2].span.text): 0.8})
    pairs = sentence_pairs(X, VX, Y, VY, VOC, model=model)
    assert pairs[0].other.text == Y[0].span.text and pairs[0].shared and pairs[0].same_claim == pytest.approx(0.9)
    # the model says 0.8, but the two give different numbers with none in common: a conflict vetoes
    assert pairs[1].other.text == Y[2].span.text and pairs[1].conflict and not pairs[1].shared
    # a sentence too short to be a claim is not read by the model at all
    assert pairs[2].same_claim is None and not pairs[2].shared
    assert all(a != "Short one." for a, _ in model.read)


def test_below_the_threshold_is_not_shared_however_close_in_words():
    model = StubModel({(X[0].span.text, Y[1].span.text): 0.45})
    pairs = sentence_pairs(X, VX, Y, VY, VOC, model=model)
    assert not pairs[0].shared and pairs[0].same_claim == pytest.approx(0.45)


def test_same_claim_travels_in_json_and_old_json_still_reads():
    model = StubModel({(X[0].span.text, Y[0].span.text): 0.9})
    pair = sentence_pairs(X, VX, Y, VY, VOC, model=model)[0]
    d = pair.to_json()
    assert d["same_claim"] == 0.9 and SentencePair.from_json(d).same_claim == 0.9
    d.pop("same_claim")  # an overview cached before the claim model
    assert SentencePair.from_json(d).same_claim is None


@pytest.mark.parametrize("text, claim", [
    ("Is that reality getting through to Putin?", False),
    ("“Who could have predicted this?” he asked.", True),  # the sentence reports a question: a claim
    ("He asked: “Who could have predicted this?”", False),
    ("Putin promised victory in Red Square last week.", True),
    ("All of this is happening.", True),
    ("That is how it works.", True),
    ("Too short to claim.", False),
])
def test_a_question_is_not_a_claim(text, claim):
    unit = Unit(TextSpan("d", 1, 0, len(text), text), frozenset(), frozenset(), frozenset())
    assert unit.is_claim is claim
