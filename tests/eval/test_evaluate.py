"""qa eval: dataset loading, the embedding cache, and ranx metrics checked against hand-computed values.

Everything is tiny and uses the fake embedder; BM25 rankings on these texts are worked out by hand.
"""
from __future__ import annotations

import json
import math

import pytest

from qa.eval import CachedEmbedder, evaluate_set, load_beir, load_squad, score_run
from qa.eval.devsets import corpus_labels, evaluate_devsets

# -- a tiny BEIR folder ----------------------------------------------------------------------------

BEIR_DOCS = [
    {"_id": "d1", "title": "Orchards", "text": "Apples grow on trees in orchards."},
    {"_id": "d2", "title": "Fruit", "text": "Bananas are yellow tropical fruit."},
    {"_id": "d3", "title": "Traffic", "text": "Cars drive on roads and highways."},
    {"_id": "d4", "title": "Recipes", "text": "A salad of apples and bananas."},
]
BEIR_QUERIES = [
    {"_id": "q1", "text": "bananas yellow"},     # d2 alone has both words: rank 1
    {"_id": "q2", "text": "apples salad"},       # d4 has both words, relevant d1 only one: rank 2
    {"_id": "q3", "text": "cars highways"},      # d3: rank 1
    {"_id": "q9", "text": "not judged in test"},  # not in qrels: left out
]
BEIR_QRELS = "query-id\tcorpus-id\tscore\nq1\td2\t1\nq2\td1\t1\nq3\td3\t1\nq3\td1\t0\n"


@pytest.fixture
def beir_dir(tmp_path):
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in BEIR_DOCS), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in BEIR_QUERIES), encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text(BEIR_QRELS, encoding="utf-8")
    return folder


def test_load_beir_makes_one_passage_per_document_with_title_and_text(beir_dir):
    es = load_beir(beir_dir, "test")
    assert [d.doc_id for d in es.documents] == ["d1", "d2", "d3", "d4"]
    d1 = es.documents[0]
    assert d1.text == "Orchards\nApples grow on trees in orchards."
    (p,) = d1.passages
    assert d1.text[p.start:p.end] == p.text and p.passage_id == "d1#p1"
    assert set(es.queries) == {"q1", "q2", "q3"}  # q9 is not judged; header skipped
    assert es.qrels["q3"] == {"d3#p1": 1}  # score-0 judgments are not relevant


def test_beir_bm25_metrics_match_hand_computed_values(beir_dir, tmp_path, fake_embedder):
    es = load_beir(beir_dir, "test")
    emb = CachedEmbedder(fake_embedder, tmp_path / "cache")
    (row,) = evaluate_set(es, emb, ["bm25"])
    # ranks of the relevant passage: q1 -> 1, q2 -> 2, q3 -> 1
    assert row["hit@1"] == pytest.approx(2 / 3)
    assert row["hit@3"] == pytest.approx(1.0)
    assert row["mrr@10"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert row["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3) + 1) / 3)
    assert row["recall@100"] == pytest.approx(1.0)
    assert row["queries"] == 3 and row["passages"] == 4


def test_all_methods_run_on_the_same_index(beir_dir, tmp_path, fake_embedder):
    es = load_beir(beir_dir, "test")
    rows = evaluate_set(es, CachedEmbedder(fake_embedder, tmp_path / "cache"), ["bm25", "dense", "hybrid"])
    assert [r["method"] for r in rows] == ["bm25", "dense", "hybrid"]
    assert len({r["index_s"] for r in rows}) == 1  # built once
    for r in rows:
        assert 0.0 <= r["ndcg@10"] <= 1.0 and r["recall@100"] == pytest.approx(1.0)  # 4 passages, all retrieved


def test_score_run_against_hand_computed_ndcg_with_two_relevant():
    qrels = {"q": {"a": 1, "c": 1}}
    run = {"q": {"b": 1.0, "a": 0.5, "c": 1 / 3}}  # order b, a, c
    got = score_run(qrels, run)
    ideal = 1 + 1 / math.log2(3)
    assert got["ndcg@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / ideal)
    assert got["mrr@10"] == pytest.approx(0.5)
    assert got["hit@1"] == 0.0 and got["hit@3"] == 1.0 and got["recall@100"] == 1.0


# -- the embedding cache ---------------------------------------------------------------------------


def test_second_cache_embeds_nothing_and_gives_the_same_vectors(tmp_path, fake_embedder):
    texts = [f"text number {i} about apples" for i in range(40)] + ["text number 0 about apples"]
    first = CachedEmbedder(fake_embedder, tmp_path / "c")
    v1 = first.encode(texts)
    assert first.encoded == 40  # the duplicate is encoded once
    calls = fake_embedder.encoded
    second = CachedEmbedder(fake_embedder, tmp_path / "c")
    v2 = second.encode(texts)
    assert second.encoded == 0 and fake_embedder.encoded == calls
    assert (v1 == v2).all() and v1.shape == (41, fake_embedder.dim)


def test_cache_is_keyed_by_model(tmp_path, fake_embedder):
    CachedEmbedder(fake_embedder, tmp_path / "c").encode(["x"] * 1 + [f"t{i}" for i in range(20)])

    class Other(type(fake_embedder)):
        model_id, weights_sha256 = "other", "other"

    other = CachedEmbedder(Other(), tmp_path / "c")
    assert len(other) == 0
    other.encode(["t1"])
    assert other.encoded == 1


# -- a tiny SQuAD file -----------------------------------------------------------------------------

def _qa(qid, question, context, answer):
    return {"id": qid, "question": question, "answers": [{"answer_start": context.index(answer), "text": answer}]}


P1 = "The castle stands on a hill. Its walls were built in 1204 by the duke. Tourists visit every summer."
P2 = "The river floods each spring. Farmers plant rice along the river banks."
P3 = "Volcanoes erupt molten lava. The lava cools into basalt rock."


@pytest.fixture
def squad_file(tmp_path):
    data = {"version": "1.1", "data": [
        {"title": "Old_Castle", "paragraphs": [
            {"context": P1, "qas": [_qa("s1", "When were the castle walls built?", P1, "1204")]},
            {"context": P2, "qas": [_qa("s2", "What do farmers plant along the river banks?", P2, "rice")]},
        ]},
        {"title": "Volcano", "paragraphs": [
            {"context": P3, "qas": [_qa("s3", "What rock does lava cool into?", P3, "basalt")]},
        ]},
    ]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_load_squad_keeps_offsets_exact(squad_file):
    es = load_squad(squad_file)
    assert [d.doc_id for d in es.documents] == ["Old_Castle", "Volcano"]
    castle = es.documents[0]
    assert castle.title == "Old Castle" and [p.paragraph for p in castle.passages] == [1, 2]
    for d in es.documents:
        for p in d.passages:
            assert d.text[p.start:p.end] == p.text
            assert p.sentences and all(p.start <= s < e <= p.end for s, e in p.sentences)
    assert es.qrels["s2"] == {"Old_Castle#p2": 1}
    ((doc, s, e),) = es.answers["s1"]
    assert doc == "Old_Castle" and castle.text[s:e] == "1204"


def test_squad_hit_and_highlight_accuracy(squad_file, tmp_path, fake_embedder):
    es = load_squad(squad_file)
    (row,) = evaluate_set(es, CachedEmbedder(fake_embedder, tmp_path / "cache"), ["bm25"])
    # each question shares its rare words with its own paragraph only, and with the answer's sentence
    assert row["hit@1"] == pytest.approx(1.0)
    assert row["mrr@10"] == pytest.approx(1.0)
    assert row["highlight@1"] == pytest.approx(1.0)
    assert row["highlight|hit@1"] == pytest.approx(1.0)


# -- the command line ------------------------------------------------------------------------------


def test_cli_eval_json_lists_one_object_per_method(beir_dir, tmp_path, fake_embedder, monkeypatch, capsys):
    import qa.models.encoders
    from qa.cli import main

    monkeypatch.setattr(qa.models.encoders, "embedder_for", lambda settings: fake_embedder)
    code = main(["eval", "--beir", str(beir_dir), "--split", "test", "--method", "bm25,dense,hybrid",
                 "--json", "--cache", str(tmp_path / "cache")])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["method"] for r in rows] == ["bm25", "dense", "hybrid"]
    for r in rows:
        assert {"method", "ndcg@10", "recall@100", "mrr@10", "hit@1", "queries"} <= set(r)
        assert r["queries"] == 3
    assert rows[0]["mrr@10"] == pytest.approx(0.8333, abs=1e-4)


def test_cli_eval_squad_articles_adds_answerability(squad_file, tmp_path, fake_embedder, monkeypatch, capsys):
    import qa.models.encoders
    from qa.cli import main

    monkeypatch.setattr(qa.models.encoders, "embedder_for", lambda settings: fake_embedder)
    code = main(["eval", "--squad", str(squad_file), "--articles", "1-2", "--method", "hybrid,rerank", "--json",
                 "--cache", str(tmp_path / "cache")])
    assert code == 0
    rows = {r["method"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"hybrid", "rerank"} and rows["rerank"]["queries"] == 3
    for r in rows.values():  # v1 on the hybrid row, the second stage on the rerank row
        assert {"auroc", "answered_rate", "abstain_rate", "abstain_balanced"} <= set(r)
        assert 0.0 <= r["auroc"] <= 1.0
    assert main(["eval", "--squad", str(squad_file), "--articles", "2", "--json", "--cache",
                 str(tmp_path / "cache")]) == 0
    assert json.loads(capsys.readouterr().out)[0]["queries"] == 1  # article 2's one question
    beir = main(["eval", "--beir", str(squad_file.parent), "--articles", "1"])
    assert beir == 2 and "--squad" in capsys.readouterr().err


def test_cli_eval_bad_method_is_one_clear_line(beir_dir, capsys):
    from qa.cli import main

    assert main(["eval", "--beir", str(beir_dir), "--method", "bm25,magic"]) == 2
    err = capsys.readouterr().err
    assert "magic" in err and "Traceback" not in err


def test_cli_eval_missing_beir_folder(tmp_path, capsys):
    from qa.cli import main

    assert main(["eval", "--beir", str(tmp_path / "nope")]) == 2
    assert "corpus.jsonl" in capsys.readouterr().err


# -- the project's dev sets, on a stub engine with known answers -----------------------------------


class _StubEngine:
    """Two documents; ask() returns fixed rankings so the metrics can be computed by hand."""

    def __init__(self):
        from qa.types import Block, Document

        texts = {"a": "Alpha one.\n\nAlpha two says gold one.", "b": "Beta one has gold two.\n\nBeta two."}
        self._docs = []
        for doc_id, text in texts.items():
            blocks, pos = [], 0
            for n, part in enumerate(text.split("\n\n"), 1):
                blocks.append(Block(doc_id, "body", pos, pos + len(part), part, n))
                pos += len(part) + 2
            self._docs.append(Document(doc_id, doc_id.upper(), "test", f"/x/{doc_id}.txt", "sha-" + doc_id, text, blocks))
        self.rankings = {  # question -> (answered, [(doc, paragraph), ...])
            "q gold one": (True, [("a", 1), ("a", 2)]),  # relevant a#p2 at rank 2
            "q gold two": (True, [("b", 1), ("a", 1)]),  # relevant b#p1 at rank 1
            "q nothing": (False, [("b", 2)]),  # unanswerable, correctly abstained
        }

    @property
    def documents(self):
        return self._docs

    def ask(self, question, top_k=5, doc_ids=None, method="hybrid"):
        from qa.types import Answer, Hit

        answered, ranking = self.rankings[question]
        hits = tuple(Hit(i + 1, d, d.upper(), "test", n, 0, 1, "x", ((0, 1),), 1.0 - i / 10)
                     for i, (d, n) in enumerate(ranking))
        return Answer(question, answered, hits)

    def compare(self, topic, doc_ids=None, per_doc=3):
        from qa.types import Comparison, DocCoverage

        return Comparison(topic, (DocCoverage("a", "A", True, 1.0, ()), DocCoverage("b", "B", True, 1.0, ())))


def test_devsets_metrics_abstention_and_coverage(tmp_path):
    data = tmp_path / "eval"
    data.mkdir()
    (data / "questions.jsonl").write_text(
        json.dumps({"id": "1", "question": "q gold one", "gold": ["GOLD  one"]}) + "\n"
        + json.dumps({"id": "2", "question": "q gold two", "gold": ["gold two"]}) + "\n", encoding="utf-8")
    (data / "unanswerable.jsonl").write_text(json.dumps({"id": "u", "question": "q nothing"}) + "\n", encoding="utf-8")
    (data / "coverage.jsonl").write_text(json.dumps({"id": "c", "topic": "t", "covered_by": ["A"]}) + "\n",
                                         encoding="utf-8")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "README.md").write_text(
        "| label | file |\n|---|---|\n| A | a.txt |\n| B | b.txt |\n\nsha256:\n"
        f"- a.txt {'a' * 64}\n- b.txt {'b' * 64}\n", encoding="utf-8")
    assert corpus_labels(data) == {"a" * 64: "A", "b" * 64: "B"}
    engine = _StubEngine()
    engine._docs[0].sha256, engine._docs[1].sha256 = "a" * 64, "b" * 64
    (row,) = evaluate_devsets(engine.documents, engine.ask, engine.compare, data, ["hybrid"])
    assert row["hit@1"] == pytest.approx(0.5)
    assert row["hit@3"] == pytest.approx(1.0)
    assert row["mrr@10"] == pytest.approx((0.5 + 1) / 2)
    assert row["answered_rate"] == 1.0 and row["abstain_rate"] == 1.0 and row["abstain_balanced"] == 1.0
    assert row["coverage_acc"] == pytest.approx(0.5)  # B is said to cover the topic, labelled A only
    assert row["queries"] == 2


def test_eval_json_writes_an_undefined_metric_as_null_not_nan():
    import json
    import math

    from qa.cli.eval import _rounded

    row = _rounded({"method": "hybrid", "auroc": math.nan, "hit@1": 0.123456, "n": 3})
    assert json.loads(json.dumps(row, allow_nan=False)) == {"method": "hybrid", "auroc": None, "hit@1": 0.1235, "n": 3}
