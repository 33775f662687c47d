"""The claim trainer's pairs made by rule (training/claims.py): no label is invented."""
from __future__ import annotations

from training.claims import Pair, both_orders, names_in


def test_names_in_skips_the_first_word_and_short_capitals():
    assert names_in("The Broncos beat the Panthers in Santa Clara, CA.") == {"Broncos", "Panthers", "Santa Clara"}
    assert names_in("Warsaw is the capital.") == set()


def test_pairs_come_in_both_orders_with_one_label():
    pairs = both_orders("A sentence here.", "Another one there.", 0, "kind")
    assert pairs == [Pair("A sentence here.", "Another one there.", 0, "kind"),
                     Pair("Another one there.", "A sentence here.", 0, "kind")]


def test_news_rows_give_one_same_pair_and_other_claims_of_the_story(tmp_path):
    import json

    from training.claims import NEWS_HELD_EVERY, load_news, news_pairs

    row = {"story": "s", "domain": "d", "sentence": "The council approved the tram line on Tuesday.",
           "same": "Councillors backed the tram plan on Tuesday.",
           "related": ["Critics said the line would cost too much.", "Building starts in 2027."]}
    pairs = news_pairs([row])
    assert sum(p.label for p in pairs) == 2  # the same claim, both orders
    negatives = [p for p in pairs if not p.label]
    assert len(negatives) == 8 and all(p.kind == "news: same story, other claim" for p in negatives)
    assert {p.a for p in negatives} | {p.b for p in negatives} == {row["sentence"], row["same"], *row["related"]}
    f = tmp_path / "n.jsonl"
    f.write_text("".join(json.dumps({**row, "story": str(i)}) + "\n" for i in range(12)), encoding="utf-8")
    train, held = load_news([f])
    assert len(held) == 12 // NEWS_HELD_EVERY and not {r["story"] for r in train} & {r["story"] for r in held}


def test_vague_rows_are_different_claims_from_everything_on_their_story():
    from training.claims import news_pairs

    row = {"story": "s", "domain": "d", "vague": ["Nobody knows where it ends.", "This is only the start.", "It is a sad day."],
           "specific": ["The council cut the budget by 5%.", "Mayor Diaz resigned on Monday."]}
    pairs = news_pairs([row])
    # each vague sentence against the two specific ones and the vague ones after it, both orders
    assert len(pairs) == 2 * (3 * 2 + 3) and not any(p.label for p in pairs)
