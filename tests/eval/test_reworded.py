"""qa eval --reworded: the rewording test's figures on a tiny SQuAD-like file, worked out by hand.

The fake embedder is a bag of stemmed words, so cosines are word overlaps; BM25 ranks by the
rare words shared. Evidence (v1's answer score) = similarity + 0.25 coverage - 0.25 absent.
"""
from __future__ import annotations

import json

import pytest

from qa.errors import BadInput
from qa.eval import CachedEmbedder, load_squad
from qa.eval.reworded import evaluate_reworded, load_rows, pool

P1 = "The castle stands on a hill. Its walls were built in 1204 by the duke. Tourists visit every summer."
P2 = "The river floods each spring. Farmers plant rice along the river banks."
P3 = "Volcanoes erupt molten lava. The lava cools into basalt rock."
P4 = "Ships dock in the harbour at dawn. Fishermen sell cod on the pier."  # article 3: outside the pool


def _qa(qid, question, context, answer):
    return {"id": qid, "question": question, "answers": [{"answer_start": context.index(answer), "text": answer}]}


def _row(article, paragraph, qid, question, reworded, near, kind):
    return {"article": article, "title": "t", "paragraph": paragraph, "qid": qid, "question": question,
            "answer": "a", "reworded": reworded, "near_miss": {"question": near, "kind": kind, "why": "w"},
            "claim": {"sentence": "s", "same": "s", "different": "d", "change": "c"}}


ROWS = [
    # all its words in P1's second sentence (cosine 3/sqrt(12)), nowhere else: rank 1, evidence ~1.1
    _row(1, 0, "s1", "When were the castle walls built?", "When did the duke have the walls built?",
         "What did Zorblax Quenthorpe paint?", "no_information"),  # no word in the pool: evidence < 0
    # BM25: P3 holds volcano + lava (twice), the gold P2 only river (twice): gold at rank 2;
    # answered from P3 (cosine 0.5 with its first sentence), so answered but not at the gold
    _row(1, 1, "s2", "What do farmers plant along the river banks?",
         "What grows by the river below the volcanoes and their lava?",
         "Do farmers plant rice along the river banks?", "entity_swap"),  # = P2's sentence: evidence 1.25
    _row(2, 0, "s3", "What rock does lava cool into?", "What does molten lava turn into?",
         "How many quokkas graze on xylophones?", "no_information"),
]


@pytest.fixture
def files(tmp_path):
    data = {"version": "1.1", "data": [
        {"title": "Old_Castle", "paragraphs": [
            {"context": P1, "qas": [_qa("s1", ROWS[0]["question"], P1, "1204")]},
            {"context": P2, "qas": [_qa("s2", ROWS[1]["question"], P2, "rice")]},
        ]},
        {"title": "Volcano", "paragraphs": [{"context": P3, "qas": [_qa("s3", ROWS[2]["question"], P3, "basalt")]}]},
        {"title": "Harbour", "paragraphs": [{"context": P4, "qas": [_qa("s4", "What do fishermen sell?", P4, "cod")]}]},
    ]}
    # the shared layout: datasets/squad/dev-v1.1.json beside datasets/squad-reworded/
    (tmp_path / "squad").mkdir()
    (tmp_path / "squad-reworded").mkdir()
    squad = tmp_path / "squad" / "dev-v1.1.json"
    squad.write_text(json.dumps(data), encoding="utf-8")
    rows = tmp_path / "squad-reworded" / "dev.jsonl"
    rows.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return squad, rows


def test_rewording_figures_match_hand_computed_values(files, tmp_path, fake_embedder):
    squad, rows = files
    p = pool(load_squad(squad), load_rows(rows), "squad-reworded/dev")
    assert p.articles == [1, 2] and p.reworded.passages == 3  # article 3 has no row: not in the pool
    (row,) = evaluate_reworded(p, CachedEmbedder(fake_embedder, tmp_path / "cache"), ["bm25"])
    # ranking: reworded gold ranks 1, 2, 1; SQuAD's own questions share their paragraph's words
    assert row["hit@1"] == pytest.approx(2 / 3) and row["hit@3"] == 1.0
    assert row["mrr@10"] == pytest.approx((1 + 1 / 2 + 1) / 3)
    # highlight: r1's best sentence holds 1204; r3's ("Volcanoes erupt molten lava.") not basalt
    assert row["highlight@1"] == pytest.approx(1 / 3)
    assert row["original"]["hit@1"] == 1.0 and row["original"]["mrr@10"] == 1.0
    # answerability, v1's evidence: near misses n1, n3 below every reworded question, n2 above all
    assert row["score"] == "evidence" and row["threshold"] == 0.30
    assert row["auroc"] == pytest.approx(6 / 9)
    assert row["answered_rate"] == 1.0  # every reworded question has evidence over 0.30
    assert row["abstain_rate"] == pytest.approx(2 / 3)  # n2 is answered
    assert row["abstain_balanced"] == pytest.approx((1 + 2 / 3) / 2)
    assert row["answered_right"] == pytest.approx(2 / 3)  # r2 answered from P3, not its paragraph
    assert row["by_kind"] == {
        "no_information": {"near_misses": 2, "auroc": 1.0, "balanced_accuracy": 1.0, "abstain_rate": 1.0},
        "entity_swap": {"near_misses": 1, "auroc": 0.0, "balanced_accuracy": 0.5, "abstain_rate": 0.0}}
    # evidence in fifths of the six cases, ascending: n1 (-0.25: no word in the pool), n3, r, r,
    # then the last bin {r1, n2}
    assert [(b["cases"], b["observed"]) for b in row["reliability"]] == [(1, 0.0), (1, 0.0), (1, 1.0), (1, 1.0),
                                                                        (2, 0.5)]
    assert row["reliability"][0]["bin"].startswith("-0.25-")
    assert row["queries"] == 3 and row["near_misses"] == 3 and row["articles"] == "1-2"


def test_cli_reworded_json_and_table(files, tmp_path, fake_embedder, monkeypatch, capsys):
    import qa.models.encoders
    from qa.cli import main

    squad, rows = files
    monkeypatch.setattr(qa.models.encoders, "embedder_for", lambda settings: fake_embedder)
    cache = ["--cache", str(tmp_path / "cache")]
    # the SQuAD file found beside the rows, as in ../shared/datasets
    assert main(["eval", "--reworded", str(rows), "--method", "bm25,hybrid,rerank", "--json", *cache]) == 0
    out = {r["method"]: r for r in json.loads(capsys.readouterr().out)}
    assert out["bm25"]["hit@1"] == pytest.approx(0.6667) and out["bm25"]["auroc"] == pytest.approx(0.6667)
    assert out["hybrid"]["score"] == "evidence" and out["rerank"]["score"] == "second_stage"
    for r in out.values():
        assert {"hit@1", "hit@3", "mrr@10", "original", "auroc", "abstain_balanced", "answered_rate",
                "abstain_rate", "reliability", "by_kind"} <= set(r)
        assert sum(b["cases"] for b in r["reliability"]) == 6
    assert main(["eval", "--reworded", str(rows), "--squad", str(squad), "--method", "bm25", *cache]) == 0
    table = capsys.readouterr().out
    assert "3 rows over SQuAD articles 1-2 (3 passages)" in table
    cells = [line.split() for line in table.splitlines()]
    for line in (["bm25", "reworded", "0.667", "1.000", "0.833", "0.333"], ["bm25", "original", "1.000", "1.000", "1.000",
                 "1.000"], ["bm25", "evidence", "0.300", "0.667", "0.833", "1.000", "0.667", "0.667"],
                 ["bm25", "no_information", "2", "1.000", "1.000", "1.000"], ["bm25", "evidence", "1.12-1.25", "2",
                 "1.183", "0.500"]):
        assert line in cells, table


@pytest.mark.parametrize("content, says", [
    (None, "no such file"),
    ("not json\n", "not JSON lines (line 1"),
    (json.dumps({"article": 1, "qid": "s1"}) + "\n", "row 1 is not a squad-reworded row"),
    (json.dumps(_row(1, 0, "s1", ROWS[0]["question"], "r", "n", "guess")) + "\n", "kind 'guess'"),
    (json.dumps(_row(1, 1, "s1", ROWS[0]["question"], "r", "n", "antonym")) + "\n", "Old_Castle#p1"),  # wrong paragraph
    (json.dumps(_row(9, 0, "s1", ROWS[0]["question"], "r", "n", "antonym")) + "\n", "3 articles"),
    ("", "no rows"),
])
def test_cli_reworded_refuses_a_missing_or_bad_file_in_one_line(files, tmp_path, content, says, capsys):
    from qa.cli import main

    _, rows = files
    if content is None:
        rows = rows.with_name("nope.jsonl")
    else:
        rows.write_text(content, encoding="utf-8")
    assert main(["eval", "--reworded", str(rows), "--cache", str(tmp_path / "cache")]) == 2
    err = capsys.readouterr().err
    (line,) = [e for e in err.splitlines() if not e.startswith("read articles")]  # progress aside, one line
    assert line.startswith("error: ") and says in line and "Traceback" not in err, err


def test_cli_reworded_needs_its_squad_file_and_no_other_source(files, tmp_path, capsys):
    from qa.cli import main

    squad, rows = files
    squad.unlink()
    assert main(["eval", "--reworded", str(rows)]) == 2
    assert "--squad FILE" in capsys.readouterr().err
    assert main(["eval", "--reworded", str(rows), "--beir", str(tmp_path)]) == 2
    assert "--beir" in capsys.readouterr().err
    assert main(["eval", "--reworded", str(rows), "--squad", str(rows), "--articles", "1"]) == 2
    assert "article numbers" in capsys.readouterr().err


def test_load_rows_reads_the_shared_rows_format(files):
    rows = load_rows(files[1])
    assert [(r.article, r.paragraph, r.qid, r.kind) for r in rows] == [
        (1, 0, "s1", "no_information"), (1, 1, "s2", "entity_swap"), (2, 0, "s3", "no_information")]
    with pytest.raises(BadInput, match="no such file"):
        load_rows(files[1].with_name("x.jsonl"))
