"""The evidence test on a stub BM25 whose IDFs are chosen by hand, so every signal can be checked."""
from __future__ import annotations

import math

import pytest

from qa.search import evidence


class StubLexical:
    """Two corpus terms: putin (idf 1.0) and war (idf 0.5); any other term is unseen (idf 2.0)."""

    doc_freq = {"putin": 2, "war": 3}

    def idf(self, term: str) -> float:
        return {"putin": 1.0, "war": 0.5}.get(term, 2.0)


LEX = StubLexical()


def test_signals_by_hand():
    s = evidence.signals("Did Putin lose the war in Kharkiv?", ["putin", "war", "kharkiv"], 0.5,
                         "Putin is losing the war.", LEX)
    total = 1.0 + 0.5 + 2.0
    assert s["coverage"] == pytest.approx(1.5 / total)
    assert s["absent"] == pytest.approx(2.0 / total)
    assert s["in_scope"] == pytest.approx(1.0)  # of the terms the corpus knows, all are in scope
    assert s["missing_names"] == ["Kharkiv"]
    assert s["evidence"] == pytest.approx(0.5 + 0.25 * 1.5 / total - 0.25 * 2.0 / total)


def test_a_missing_name_is_never_answered():
    v = evidence.judge("Did Putin lose the war in Kharkiv?", ["putin", "war", "kharkiv"], 0.9,
                       "Putin is losing the war.", LEX)
    assert not v.answered and v.confidence == 0.0


def test_answered_with_a_logistic_confidence():
    v = evidence.judge("Did Putin lose the war?", ["putin", "war"], 0.3, "Putin is losing the war.", LEX)
    # evidence = 0.3 + 0.25 * 1 - 0 = 0.55, 0.25 over the bar: 1 / (1 + e^-5)
    assert v.answered and v.confidence == pytest.approx(1 / (1 + math.exp(-5)))


def test_not_answered_below_the_bar():
    v = evidence.judge("Did Putin win?", ["putin", "win"], 0.0, "Nothing here.", LEX)
    # coverage 0, absent 2/3: evidence = -0.25 * 2/3, far below 0.30
    assert not v.answered and v.signals["evidence"] == pytest.approx(-0.25 * 2 / 3)
    assert v.confidence == pytest.approx(1 / (1 + math.exp((0.30 + 0.25 * 2 / 3) / 0.05)))


def test_topic_needs_its_terms_in_the_document():
    # the document's vocabulary holds putin but not war: in scope 1.0 / 1.5 = 0.667 >= 0.45
    yes = evidence.judge_topic("putin war", ["putin", "war"], 0.2, "Putin at war.", LEX, {"putin"})
    assert yes.answered and yes.signals["in_scope"] == pytest.approx(1 / 1.5)
    # only war: 0.5 / 1.5 = 0.333 < 0.45
    no = evidence.judge_topic("putin war", ["putin", "war"], 0.2, "Putin at war.", LEX, {"war"})
    assert not no.answered and no.signals["evidence"] >= evidence.TOPIC_THRESHOLD

@pytest.mark.parametrize("question, text", [
    ("What did Ukrainian officials say?", "Ukraine said no."),
    ("Where did the Sudanese leader live?", "He lived in Sudan."),
    ("Which Punjabi city?", "A city of the Punjab."),
    ("When did Germany invade?", "The German army invaded."),
    ("What did Kyivan princes build?", "Kyiv was built."),
    ("Who annexed Hawaii?", "The Hawaiian islands were annexed."),
])
def test_a_name_is_found_in_its_other_forms(question, text):
    from qa.text import tokenize
    assert evidence.missing_names(question, set(tokenize(text))) == []


@pytest.mark.parametrize("question, text", [
    ("What did the Pope say?", "Popular support fell."),  # no form of Pope, however close the letters
    ("Who is Kozak?", "The Cossacks rode."),
    ("What does the IRA say?", "Iran said."),  # an acronym has no other form
    ("What did the Irish say?", "Ir is a symbol."),  # a base under four letters is no base
])
def test_other_words_are_still_missing_names(question, text):
    from qa.text import tokenize
    assert evidence.missing_names(question, set(tokenize(text)))
