"""Follow-up questions in a conversation: when a question leans on the last one, and what is searched."""
from __future__ import annotations

import pytest

from qa import Answer
from qa.search import SearchPlan, Turn, is_follow_up, search_plan
from tests.conftest import make_hit


@pytest.mark.parametrize("question, follow", [
    ("Who confronted Putin about the war?", False),
    ("How many officials did Farida Rustamova interview?", False),
    ("and what does the other article say?", True),
    ("What about the other one?", True),
    ("why?", True),
    ("And Swat?", True),
    ("What did he say about it?", True),
    ("Is there a gap between the front and what the Kremlin acknowledges?", False),
    # short questions that name their subject stand alone (issue 20); "?" has nothing to lean with
    ("Lukashenko", False),
    ("Who is Kozak?", False),
    ("?", False),
    ("and Lukashenko?", True),
    ("What did Kozak say to him?", False),
])
def test_is_follow_up(question, follow):
    assert is_follow_up(question) is follow


def test_search_plan_first_question_is_searched_as_typed():
    assert search_plan("Who is Swat?", [], ["a", "b"]) == SearchPlan("Who is Swat?", ["a", "b"], "")


def test_search_plan_follow_up_prepends_last_self_contained_question():
    first = Answer("Who confronted Putin?", True, (make_hit(doc_id="a"),))
    turns = [Turn("Who confronted Putin?", first, "Who confronted Putin?", "")]
    plan = search_plan("and what about Swat?", turns, ["a", "b"])
    assert plan.text == "Who confronted Putin? and what about Swat?"
    assert plan.doc_ids == ["a", "b"]
    assert "Follow-up" in plan.note and plan.text in plan.note
    # a second follow-up still leans on the last self-contained question, not on the follow-up
    turns.append(Turn("and what about Swat?", first, None, plan.note))
    assert search_plan("and his commander?", turns, ["a", "b"]).text == "Who confronted Putin? and his commander?"
    # a follow-up that adds no content word searches the earlier question alone
    again = search_plan("and why?", turns, ["a", "b"])
    assert again.text == "Who confronted Putin?"
    assert "adds nothing to search" in again.note and "again" in again.note


def test_search_plan_other_article_searches_the_other_documents():
    first = Answer("Who confronted Putin?", True, (make_hit(doc_id="a"), make_hit(2, doc_id="b")))
    turns = [Turn("Who confronted Putin?", first, "Who confronted Putin?", "")]
    plan = search_plan("and what does the other article say?", turns, ["a", "b", "c"])
    assert plan.text == "Who confronted Putin?"  # nothing but "the other article" was added
    assert plan.doc_ids == ["b", "c"]
    # only one document selected: nothing to exclude
    assert search_plan("and the other one?", turns, ["a"]).doc_ids == ["a"]
