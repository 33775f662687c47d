"""Topic map: every body paragraph in exactly one topic, verbatim sentences, shares, N != 2."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from qa import Engine, Settings
from qa.analysis.topics import build_topic_map, cluster, ctfidf_words, default_n_topics
from qa.text import tokenize
from tests.conftest import CORPUS, FakeEmbedder

A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"

THIRD = """Harvest season in the Volga region

Farmers along the Volga say the wheat harvest this autumn is larger than expected.

“We have never filled the silos so early,” said Olga Petrova, who runs a cooperative near Saratov.

According to Reuters, grain exports through the Black Sea ports slowed in September.

Mobilisation has taken tractor drivers from several villages, the regional governor said on Tuesday.

Prices for bread in local shops have stayed flat since the spring.
"""


def _corpus(root, third: bool, fake: bool = True) -> Settings:
    shutil.copytree(CORPUS, root / "corpus")
    if third:
        (root / "corpus" / "zz_third.txt").write_text(THIRD, encoding="utf-8")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    return settings.with_(model="fake") if fake else settings


@pytest.fixture(scope="module", params=[False, True], ids=["two articles", "three documents"])
def fake_engine(request, tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("topics")
    return Engine.open(_corpus(root, request.param), embedder=FakeEmbedder())


@pytest.fixture(scope="module")
def real_engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("topics-real")
    return Engine.open(_corpus(root, False, fake=False))


def _check_partition(engine: Engine, tm) -> None:
    seen: dict[tuple[str, int], int] = {}
    for t in tm.topics:
        for x in t.documents:
            for p in x.paragraphs:
                assert (x.doc_id, p) not in seen, f"{x.doc_id} ¶{p} in two topics"
                seen[(x.doc_id, p)] = t.topic_id
    body = {(d.doc_id, p.paragraph) for d in engine.documents for p in d.passages}
    assert set(seen) == body  # every body paragraph, and only body paragraphs (no captions, no leftovers)


def test_every_body_paragraph_in_exactly_one_topic(fake_engine):
    tm = build_topic_map(fake_engine.version.table)
    _check_partition(fake_engine, tm)
    assert [t.topic_id for t in tm.topics] == list(range(1, len(tm.topics) + 1))
    assert len(tm.topics) == default_n_topics(len(fake_engine.version.table.passages))


def test_sentences_and_words_are_verbatim(fake_engine):
    docs = {d.doc_id: d for d in fake_engine.documents}
    tm = build_topic_map(fake_engine.version.table)
    for t in tm.topics:
        s = t.sentence
        assert docs[s.doc_id].text[s.start:s.end] == s.text
        assert s.paragraph in t.in_doc(s.doc_id).paragraphs  # the sentence comes from the topic
        member_text = " ".join(p.text.lower().replace("’", "'") for d in docs.values() for p in d.passages
                               if p.paragraph in t.in_doc(d.doc_id).paragraphs)
        assert t.words and all(w in member_text for w in t.words)


def test_shares_and_positions(fake_engine):
    tm = build_topic_map(fake_engine.version.table)
    for d in fake_engine.documents:
        shares = [t.in_doc(d.doc_id).share for t in tm.topics]
        assert sum(shares) == pytest.approx(1.0, abs=1e-9)
        for t in tm.topics:
            x = t.in_doc(d.doc_id)
            if not x.paragraphs:
                assert x.position == "absent" and x.share == 0
            else:
                assert x.position == ("lead" if x.paragraphs[0] <= max(3, int(np.ceil(0.1 * len(d.passages))))
                                      else "later")
        labels = {t.coverage for t in tm.topics}
        assert labels <= {"all documents"} | {f"only {c}" for c in "ABC"} | {"A, B", "A, C", "B, C"}


def test_number_of_topics_can_be_set_and_is_clipped(fake_engine):
    assert len(build_topic_map(fake_engine.version.table, n_topics=3).topics) == 3
    n = len(fake_engine.version.table.passages)
    tm = build_topic_map(fake_engine.version.table, n_topics=n + 50)
    assert len(tm.topics) == n and all(t.size == 1 for t in tm.topics)
    one = build_topic_map(fake_engine.version.table, n_topics=1)
    assert len(one.topics) == 1 and one.topics[0].coverage == "all documents"


def test_cluster_edge_cases():
    assert cluster(np.zeros((0, 4), dtype=np.float32), 3).shape == (0,)
    assert cluster(np.ones((1, 4), dtype=np.float32), 3).tolist() == [0]
    x = np.array([[1, 0], [0.99, 0.1], [0, 1], [0.1, 0.99]], dtype=np.float32)
    lab = cluster(x, 2)
    assert lab[0] == lab[1] and lab[2] == lab[3] and lab[0] != lab[2]
    assert default_n_topics(64) == 10 and default_n_topics(1) == 1 and default_n_topics(3) == 2


def test_ctfidf_prefers_words_distinctive_of_a_group():
    groups = [["Tanks crossed the river.", "The tanks were abandoned by the river."],
              ["Bread prices rose.", "The bakery raised bread prices again."]]
    words = ctfidf_words(groups, n_words=2)
    assert set(words[0]) == {"tanks", "river"}
    assert set(words[1]) == {"bread", "prices"}


def test_two_articles_have_shared_and_unique_topics(real_engine):
    """With the real model: a topic both articles cover, and one only each covers."""
    tm = build_topic_map(real_engine.version.table, labels={A: "A", B: "B"})
    _check_partition(real_engine, tm)
    coverage = [t.coverage for t in tm.topics]
    assert "all documents" in coverage
    assert "only A" in coverage and "only B" in coverage
    # B's exemptions passages (¶22-¶24) are a topic of B alone
    exemptions = tm.topic_of(B, 23)
    assert exemptions is not None and exemptions.coverage == "only B"
    assert "conscription age" in exemptions.label  # a key phrase of B's own text names it


GENERIC = {"day", "days", "week", "weeks", "month", "time", "thing", "things", "lot", "way", "people", "said"}


def test_topics_are_named_by_key_phrases_of_the_text(real_engine):
    """Every topic of the two articles is named by 2-4 word phrases, each a span of a paragraph of
    the topic, no two sharing a word, none ending in a vague noun or made of corpus-wide words."""
    tm = build_topic_map(real_engine.version.table, labels={A: "A", B: "B"})
    docs = {d.doc_id: d for d in real_engine.documents}
    for t in tm.topics:
        assert t.phrases, f"T{t.topic_id} has no key phrase"
        assert t.label == " · ".join(p.text for p in t.phrases)
        stems = []
        for p in t.phrases:
            assert docs[p.doc_id].text[p.start:p.end] == p.text
            assert p.paragraph in t.in_doc(p.doc_id).paragraphs
            words = p.text.split()
            assert 2 <= len(words) <= 4 and words[-1].lower() not in GENERIC
            stems.append(set(tokenize(p.text)))
        assert all(not a & b for i, a in enumerate(stems) for b in stems[i + 1:])
    labels = [t.label for t in tm.topics]
    assert any("Kharkiv" in x for x in labels) and any("mobilisation" in x for x in labels)
    assert any("inner circle" in x for x in labels)  # "Putin's inner circle" without its owner
    # a label names what a topic is about, not who speaks in it (issue 21): no person, outlet or role
    for actor in ("Anton Barbashin", "Washington Post", "Russian president", "deputy chief", "defence minister",
                  "battalion commander", "Vladimir Solovyov"):
        assert not any(actor in x for x in labels), (actor, labels)


def test_topics_fall_back_to_words_without_the_parser(fake_engine, monkeypatch):
    from qa.analysis import phrases

    def broken():
        raise OSError("no model here")

    monkeypatch.setattr(phrases, "occurrences", lambda table: broken())
    tm = build_topic_map(fake_engine.version.table)
    assert tm.topics and all(not t.phrases and t.label == ", ".join(t.words[:3]) for t in tm.topics)
