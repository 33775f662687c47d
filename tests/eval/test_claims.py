"""qa eval --claims: the claims test's figures worked out by hand on a stub model, the kinds of
change read from their words, and bad files refused in one line."""
from __future__ import annotations

import json

import numpy as np
import pytest

from qa.eval.claims import Triple, best_threshold, change_kind, evaluate_claims, load_triples

TRIPLES = [
    Triple("The bridge opened in 1932.", "It was in 1932 that the bridge opened.", "The bridge opened in 1952.",
           "year"),
    Triple("Smith founded the firm.", "The firm was founded by Smith.", "Jones founded the firm.", "who founded it"),
    Triple("Prices rose sharply.", "Prices went up steeply.", "Prices fell sharply.", "rose vs fell"),
]
#: The stub's probabilities: restatements 0.9, 0.8, 0.15; different claims 0.2, 0.6, 0.1.
PROB = {("The bridge opened in 1932.", "It was in 1932 that the bridge opened."): 0.9,
        ("Smith founded the firm.", "The firm was founded by Smith."): 0.8,
        ("Prices rose sharply.", "Prices went up steeply."): 0.15,
        ("The bridge opened in 1932.", "The bridge opened in 1952."): 0.2,
        ("Smith founded the firm.", "Jones founded the firm."): 0.6,
        ("Prices rose sharply.", "Prices fell sharply."): 0.1}


def stub(pairs):
    return np.array([PROB[p] for p in pairs])


def test_claims_figures_match_hand_computed_values():
    f = evaluate_claims(TRIPLES, stub, 0.5)
    # at 0.5: same found 2/3, different kept apart 2/3 (0.6 is called the same claim)
    assert f["same_found"] == pytest.approx(2 / 3) and f["different_kept_apart"] == pytest.approx(2 / 3)
    assert f["accuracy"] == pytest.approx(4 / 6) and f["balanced_accuracy"] == pytest.approx(2 / 3)
    # AUROC: of the 9 (same, different) pairs, 0.15 below 0.2 and below 0.6 are ordered wrong
    assert f["auroc"] == pytest.approx(7 / 9)
    assert f["by_kind"]["date"] == {"pairs": 1, "kept_apart": 1.0, "auroc": pytest.approx(2 / 3)}
    assert f["by_kind"]["actor"]["kept_apart"] == 0.0 and f["by_kind"]["actor"]["auroc"] == pytest.approx(2 / 3)
    assert f["by_kind"]["substitution"]["pairs"] == 1


def test_best_threshold_is_the_middle_of_the_best_gap():
    prob = stub([(t.sentence, t.same) for t in TRIPLES] + [(t.sentence, t.different) for t in TRIPLES])
    # a cut between 0.6 and 0.8 finds 2/3 and keeps 3/3 apart (0.833), the best; one between
    # 0.1 and 0.15 finds 3/3 but keeps only 1/3 apart
    assert best_threshold(TRIPLES, prob) == pytest.approx(0.7)


@pytest.mark.parametrize("change, kind", [
    ("the year of the treaty", "date"), ("who led the army", "actor"), ("how many ships", "number"),
    ("cause of the fire", "cause"), ("where it was signed", "place"), ("order of events reversed", "direction"),
    ("no vote was held", "polarity"), ("weak rather than powerful", "substitution"),
    ("scope of claimed authority", "related fact"),
])
def test_change_kinds_are_read_from_the_change_words(change, kind):
    assert change_kind(change) == kind


def row(claim) -> str:
    return json.dumps({"article": 1, "paragraph": 0, "qid": "q", "claim": claim}) + "\n"


@pytest.mark.parametrize("content, says", [
    (None, "no such file"),
    ("", "no rows"),
    (row({"sentence": "s", "same": "t"}), "row 1 has no claim triple"),
    (json.dumps({"article": 1}) + "\n", "row 1 has no claim triple"),
    ("not json\n", "not JSON lines"),
])
def test_cli_claims_refuses_a_missing_or_bad_file_in_one_line(tmp_path, content, says, capsys):
    from qa.cli import main

    path = tmp_path / "rows.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["eval", "--claims", str(path)]) == 2
    err = capsys.readouterr().err
    (line,) = err.splitlines()
    assert line.startswith("error: ") and says in line and "Traceback" not in err, err


def test_cli_claims_takes_no_other_source(tmp_path, capsys):
    from qa.cli import main

    path = tmp_path / "rows.jsonl"
    path.write_text(row({"sentence": "s", "same": "t", "different": "u", "change": "c"}), encoding="utf-8")
    assert main(["eval", "--claims", str(path), "--beir", str(tmp_path)]) == 2
    assert "leave out --data, --beir" in capsys.readouterr().err


def test_load_triples_reads_the_shared_rows_format(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(row({"sentence": "s", "same": "t", "different": "u", "change": "who did it"}), encoding="utf-8")
    (t,) = load_triples(path)
    assert (t.sentence, t.same, t.different, t.kind) == ("s", "t", "u", "actor")


def test_cli_claims_without_a_model_says_how_to_get_one(tmp_path, capsys, monkeypatch):
    from qa.cli import main

    monkeypatch.setenv("QA_CLAIM_MODEL", "off")
    path = tmp_path / "rows.jsonl"
    path.write_text(row({"sentence": "s", "same": "t", "different": "u", "change": "c"}), encoding="utf-8")
    assert main(["eval", "--claims", str(path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "no claim model to score" in line and "python -m training.claims" in line
