"""The second stage: its features, the shipped models, and the verdicts and reasons it gives."""
from __future__ import annotations

import json

import numpy as np
import pytest

from qa import Answer, Engine
from qa.search import reasons, second_stage
from qa.search.features import CANDIDATE_FEATURES, QUESTION_FEATURES, answer_type, candidate_features, has_type
from qa.text import file_sha256
from tests.conftest import ROOT, FakeEmbedder

SQUAD = ROOT.parent / "shared" / "datasets" / "squad" / "dev-v1.1.json"


def test_answer_types_and_their_presence():
    assert answer_type("How many soldiers were mobilised?") == "number"
    assert answer_type("When did the meeting take place?") == "date"
    assert answer_type("Where is the Valdai residence?") == "place"
    assert answer_type("Who confronted Putin?") == "name"
    assert answer_type("Why did the army retreat?") is None
    assert has_type("About 300,000 men.", "number") == 1.0 and has_type("Many men.", "number") == 0.0
    assert has_type("It happened in September.", "date") == 1.0
    assert has_type("He met Lukashenko there.", "name") == 1.0 and has_type("He met him there.", "name") == 0.0
    assert has_type("Anything.", None) == 0.5


def test_candidate_features_read_the_best_sentence_and_the_gaps():
    weights = {"valdai": 0.7, "rest": 0.3}
    rows = [{"dense": 0.6, "sentence": 0.7, "lexical": 4.0, "text": "He planned to rest at Valdai. Then Sochi.",
             "sentences": ["He planned to rest at Valdai.", "Then Sochi."]},
            {"dense": 0.5, "sentence": 0.5, "lexical": 1.0, "text": "Nothing here.", "sentences": []}]
    f = candidate_features("Where did he rest?", weights, rows)
    col = {n: i for i, n in enumerate(CANDIDATE_FEATURES)}
    assert f.shape == (2, len(CANDIDATE_FEATURES))
    assert f[0, col["sentence_coverage"]] == pytest.approx(1.0) and f[1, col["coverage"]] == 0.0
    assert f[0, col["dense_gap"]] == 0.0 and f[1, col["dense_gap"]] == pytest.approx(0.1)
    assert f[1, col["bm25_share"]] == pytest.approx(0.25) and f[0, col["fused_rank"]] == 1.0


def test_shipped_models_match_the_code_and_say_what_they_were_trained_on():
    raw = json.loads(second_stage.MODEL_FILE.read_text(encoding="utf-8"))
    model = second_stage.load()
    assert model is not None and model.ranker.features == CANDIDATE_FEATURES
    assert model.verdict.features == QUESTION_FEATURES
    assert raw["trained_on"]["articles"] == "1-38" and raw["held_out"]["articles"] == "39-48"
    if SQUAD.exists():  # the data beside the repo is the data the models were fitted on
        assert raw["trained_on"]["sha256"] == file_sha256(SQUAD)
    x = np.zeros((3, len(CANDIDATE_FEATURES)))
    assert model.ranker.logits(x).shape == (3,)


def test_reasons_are_templates_filled_with_the_questions_words():
    assert reasons.reason("not_found", missing=["Pope"], shared=[], confidence=0, searched=2) == \
        "No searched document mentions “Pope”."
    assert reasons.reason("not_found", missing=["Pope", "GDP", "Merkel"], shared=[], confidence=0, searched=2) == \
        "No searched document mentions “Pope”, “GDP” or “Merkel”."
    assert reasons.reason("related", missing=[], shared=["Valdai", "residence"], confidence=0.2, searched=2) == \
        "The closest passages mention “Valdai” and “residence”, but none was judged to answer the question."
    assert reasons.shared_words("Where is the Valdai residence?", "He rested at his Valdai residence.",
                                lambda t: {"valdai": 5.0}.get(t, 1.0)) == ["Valdai", "residence"]


def test_an_answer_cannot_contradict_its_verdict():
    assert Answer("q", False, ()).verdict == "not_found"
    with pytest.raises(ValueError):
        Answer("q", True, (), verdict="related")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    import shutil

    from qa import Settings
    from tests.conftest import CORPUS

    root = tmp_path_factory.mktemp("second")
    shutil.copytree(CORPUS, root / "corpus")
    # the second stage decides where no reader reads (QA_READER=off): what these tests are about
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", model="fake", reader=False)
    return Engine.open(settings, embedder=FakeEmbedder())


def test_engine_verdicts_carry_reasons(engine):
    pope = engine.ask("What did the Pope say about the war?")
    assert pope.verdict == "not_found" and not pope.answered and pope.reason == "No searched document mentions “Pope”."
    ans = engine.ask("Who confronted Putin about the conduct of the war?", top_k=3)
    assert ans.verdict in ("answered", "related") and ans.reason.endswith(".")
    assert ans.answered == (ans.verdict == "answered") and 0.0 <= ans.confidence <= 1.0
    for h in ans.passages:  # re-ranked passages stay verbatim slices of their documents
        assert engine.document(h.doc_id).text[h.start:h.end] == h.text
    scores = [h.score for h in ans.passages]
    assert scores == sorted(scores, reverse=True)  # the second stage's order, its probabilities


def test_second_stage_can_be_turned_off(engine, monkeypatch):
    from qa import Settings

    monkeypatch.setenv("QA_SECOND_STAGE", "off")
    monkeypatch.setenv("QA_READER", "off")
    settings = Settings(corpus_dir=engine.settings.corpus_dir, index_dir=engine.settings.index_dir, model="fake")
    assert settings.second_stage is False
    first = Engine.open(settings, embedder=FakeEmbedder())
    assert first.searcher.model is None and engine.searcher.model is not None
    ans = first.ask("Who confronted Putin about the conduct of the war?")
    assert ans.verdict in ("answered", "related") and ans.reason
