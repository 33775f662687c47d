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
