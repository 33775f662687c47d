"""Quoted-sources ledger: who each document quotes or cites, verbatim, on the two articles and N=3."""
from __future__ import annotations

import shutil

import pytest

from qa import Engine, Settings
from qa.analysis.ledger import build_ledger, quote_regions
from qa.ingest.split import sentence_spans
from qa.types import Block, Document
from tests.conftest import CORPUS, FakeEmbedder

A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"

THIRD = """Harvest season in the Volga region

Farmers along the Volga say the wheat harvest this autumn is larger than expected.

“We have never filled the silos so early,” said Olga Petrova, the head of a cooperative near Saratov.

According to Reuters, grain exports through the Black Sea ports slowed in September.

Mobilisation has taken tractor drivers from several villages, one regional official said.

“Nobody asked us,” the official said. “The lists came from Moscow.”

Prices for bread in local shops have stayed flat since the spring.
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("ledger")
    shutil.copytree(CORPUS, root / "corpus")
    (root / "corpus" / "zz_third.txt").write_text(THIRD, encoding="utf-8")
    return Engine.open(Settings(corpus_dir=root / "corpus", index_dir=root / "index", model="fake"),
                       embedder=FakeEmbedder())


@pytest.fixture(scope="module")
def ledger(engine):
    return build_ledger(engine.documents)


def _by_key(ledger, doc_id):
    return {s.key: s for s in ledger.of(doc_id)}


def test_every_span_is_verbatim(engine, ledger):
    docs = {d.doc_id: d for d in engine.documents}
    n = 0
    for s in ledger.sources:
        text = docs[s.doc_id].text
        for m in s.mentions:
            for span in (m.name, m.sentence, *m.quotes):
                assert text[span.start:span.end] == span.text
                n += 1
            for q in m.quotes:  # a quotation lies in its mention's paragraph
                block = next(p for p in docs[s.doc_id].passages if p.paragraph == m.paragraph)
                assert block.start <= q.start < q.end <= block.end
    assert n > 50


def test_article_a_sources(ledger):
    src = _by_key(ledger, A)
    kinds = {s.name: s.kind for s in src.values()}
    assert src["person:barbashin"].kind == "person"
    assert src["person:stanovaya"].name == "Tatyana Stanovaya, the head of R.Politik analysis firm"
    assert src["person:stanovaya"].paragraphs == [4, 5]  # ¶5 continues her quotation
    assert src["person:khodorkovsky"].paragraphs == [20, 21, 22]  # "Khodorkovsky tells Fox News" joins the full name
    assert src["person:swat"].paragraphs == [8, 10]  # "the commander, who uses the code name Swat" ... "Swat said"
    assert src["washington post"].kind == "outlet" and src["washington post"].paragraphs == [12, 16]  # "the Post"
    assert src["fox news"].kind == "outlet"
    assert kinds["U.S. intelligence"] == "institution"
    assert kinds["people familiar with the matter"] == "unnamed"
    official = src["senior european security official"]
    assert [m.via for m in official.mentions] == ["direct", "anaphora"]  # “...,” the official said
    assert any(q.text == "They think he’s stubborn" for m in official.mentions for q in m.quotes)
    quote = src["person:putin"].mentions[0].quotes[0].text
    assert quote == "Victory will be ours!"  # the “” typo before it is not part of the quotation


def test_article_b_unnamed_sources(ledger):
    src = _by_key(ledger, B)
    assert all(s.kind == "unnamed" for s in src.values() if s.quoted)  # B quotes no one by name
    gov = src["source close to the government"]  # "a source ..." and "one source ..." are one entry
    assert {m.paragraph for m in gov.mentions if m.via == "direct"} == {14, 21, 25}
    kremlin = src["source close to the kremlin"]
    assert [(m.paragraph, m.via) for m in kremlin.mentions] == [(6, "direct"), (7, "anaphora"), (8, "anaphora")]
    assert "one disgruntled source close to the government" in {s.name for s in src.values()}
    assert src["head of a state-owned bank"].mentions[0].quotes == ()  # reported speech, no quotation
    assert src["source who regularly attends meetings in the kremlin"].paragraphs == [10, 11]


def test_cues_inside_quotations_are_not_attributions(ledger):
    names = {s.name for s in ledger.of(B) if s.quoted}
    assert not any(n.startswith("Putin") for n in names)  # “... Putin tells everyone different things,” said ...
    assert not any("Shoigu" in n for n in names)  # "[reservists that defence minister Shoigu said ...]" is quoted
    shoigu = _by_key(ledger, B)["person:shoigu"]  # ... but he is named there
    assert not shoigu.quoted and [m.via for m in shoigu.mentions] == ["named"]
    assert "President Vladimir V" not in " ".join(s.name for s in ledger.of(A))  # "Putin claims to have annexed"


def test_third_document(ledger):
    src = _by_key(ledger, "zz_third")
    assert src["person:petrova"].name == "Olga Petrova, the head of a cooperative near Saratov"
    assert src["person:petrova"].mentions[0].quotes[0].text == "We have never filled the silos so early"
    assert src["reuters"].kind == "outlet"
    official = src["regional official"]
    assert [m.via for m in official.mentions] == ["direct", "anaphora"]
    assert [q.text for q in official.mentions[1].quotes] == ["Nobody asked us", "The lists came from Moscow."]
    assert "Farmers" not in " ".join(src)  # "Farmers ... say": plain "say" is not a cue


def _doc(text: str) -> Document:
    blocks, pos, n = [], 0, 0
    for part in text.split("\n\n"):
        start = text.index(part, pos)
        end = start + len(part)
        n += 1
        blocks.append(Block("t", "body", start, end, part, n, tuple(sentence_spans(text, start, end))))
        pos = end
    return Document("t", "t", "", "", "", text, blocks)


def test_quote_regions_handle_typos_and_unclosed_quotes():
    text = "He said “”Victory will be ours!” and “open"
    regions = quote_regions(text)
    assert text[regions[0][0] + 1:regions[0][1]] == "”Victory will be ours!"
    assert regions[1] == (text.index("“open"), len(text))


def test_unresolved_pronoun_and_long_subjects_are_not_sources():
    doc = _doc("He said the plan was secret.\n\nThe long list of the many villages that the war had emptied "
               "in the north of the country by the autumn of that year said nothing.")
    assert build_ledger([doc]).sources == ()


def test_pronoun_resolves_only_a_few_paragraphs_back():
    doc = _doc("“Yes,” said a senior diplomat.\n\nA.\n\nB.\n\nC.\n\nD.\n\n“No,” he said.")
    ledger = build_ledger([doc])
    assert [s.name for s in ledger.sources] == ["a senior diplomat"]
    assert [m.paragraph for m in ledger.sources[0].mentions] == [1]


@pytest.mark.parametrize("text", [
    "Museum news\n\n\"We have never had so many visitors,\" said the director, Karin Holmgren.\n",
    "Museum news\n\n“We have never had so many visitors,” said the director, Karin Holmgren.\n",
])
def test_a_quote_is_attributed_with_straight_quotes_and_a_name_after_the_role(text):
    (src,) = [s for s in build_ledger([_doc(text)]).sources if s.quoted]
    (m,) = src.mentions
    assert m.name.text == "the director, Karin Holmgren" and m.via == "direct"
    assert [q.text for q in m.quotes] == ["We have never had so many visitors"]


def test_a_firm_that_speaks_is_an_organisation_not_a_person():
    text = "Plant closures\n\nAcme Corp said on Monday that it would close two plants.\n"
    (src,) = build_ledger([_doc(text)]).sources  # one source: the attribution and the name merge
    assert src.name == "Acme Corp" and src.kind == "organisation"
