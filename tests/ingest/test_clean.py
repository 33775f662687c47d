"""Cleaning the two real articles: title, captions, web leftovers, repeated lines, numbering."""
from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest import load_document
from qa.ingest.clean import classify

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
A = CORPUS / "000_cd7150e585f9c9d3.txt"
B = CORPUS / "003_c2e52d3d74986284.txt"

TITLE_A = "As Russian troops 'panic' a member of Putin's inner circle confronts him about the conduct of the war"
TITLE_B = "Vladimir Putin is making rash and secretive decisions in face of defeats, Kremlin insiders warn"
LEFTOVERS = ("Advertisement", "Join the conversation as a VIP Member", "Trending on HotAir Videos")
CAPTIONS_A = ["Mikhail Metzel, Sputnik, Kremlin Pool Photo via AP"]
CAPTIONS_B = [
    "Vladimir Putin - Alexei Nikolsky/ Pool Sputnik Kremlin",
    "An Orthodox priest conducts a service for reservists drafted as part of Russia's partial mobilisation"
    " - ALEXEY PAVLISHAK/ Reuters",
    "A woman bids farewell to a reservist heading to war - ALEXEY MALGAVKO/ REUTERS",
    "Reservist drafted during the partial mobilisation - AFP",
    "Russian conscripted men say goodbye to relatives - YURI KOCHETKOV/EPA-EFE/Shutterstock",
    "Police detain demonstrators during a protest against mobilisation in Yekaterinburg in Russia - AP",
    "Police officers detain a woman in Moscow following protests - AFP",
]


@pytest.fixture(scope="module")
def doc_a():
    return load_document(A)


@pytest.fixture(scope="module")
def doc_b():
    return load_document(B)


@pytest.fixture(params=["a", "b"])
def doc(request, doc_a, doc_b):
    return doc_a if request.param == "a" else doc_b


def test_title_of_a_is_its_first_line(doc_a):
    assert doc_a.title == TITLE_A
    titles = [b for b in doc_a.blocks if b.kind == "title"]
    assert [t.text for t in titles] == [TITLE_A]
    assert titles[0].start == 0


def test_title_of_b_is_found_after_the_advertisement_line(doc_b):
    assert doc_b.text.startswith("Advertisement")
    assert doc_b.title == TITLE_B
    assert [b.text for b in doc_b.blocks if b.kind == "title"] == [TITLE_B]
    assert doc_b.blocks[0].kind == "title"


def test_the_file_text_is_kept_byte_for_byte(doc):
    assert doc.text == Path(doc.path).read_text(encoding="utf-8")


def test_every_block_is_a_slice_of_the_text_in_reading_order(doc):
    prev = 0
    for b in doc.blocks:
        assert doc.text[b.start:b.end] == b.text
        assert b.start >= prev
        prev = b.end
        for s, e in b.sentences:
            assert b.start <= s < e <= b.end


@pytest.mark.parametrize("which, captions", [("a", CAPTIONS_A), ("b", CAPTIONS_B)])
def test_photo_captions_are_captions_and_never_body(which, captions, doc_a, doc_b):
    d = doc_a if which == "a" else doc_b
    caption_texts = [b.text for b in d.blocks if b.kind == "caption"]
    assert sorted(caption_texts) == sorted(captions)
    for b in d.passages:
        for c in captions:
            assert c not in b.text
        assert "Pool Photo" not in b.text and "/ Reuters" not in b.text


def test_b_prints_captions_twice_and_they_are_kept_once(doc_b):
    for c in CAPTIONS_B:
        assert doc_b.text.count(c + "\n" + c) == 1, "B repeats each caption on the next line"
        blocks = [b for b in doc_b.blocks if c in b.text]
        assert len(blocks) == 1 and blocks[0].kind == "caption"
        assert blocks[0].text == c  # the first copy only, not both lines
        assert "\n" not in blocks[0].text


def test_web_leftovers_are_in_no_block(doc):
    for b in doc.blocks:
        for junk in LEFTOVERS:
            assert junk not in b.text, (b.kind, b.text)


def test_leftovers_are_present_in_the_raw_text_so_the_test_means_something(doc_a):
    for junk in LEFTOVERS:
        assert junk in doc_a.text


def test_body_paragraphs_are_numbered_one_to_n_without_gaps(doc):
    numbers = [b.paragraph for b in doc.passages]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) >= 20
    assert all(b.paragraph is None for b in doc.blocks if b.kind != "body")
    assert [b.passage_id for b in doc.passages][:2] == [f"{doc.doc_id}#p1", f"{doc.doc_id}#p2"]


def test_body_paragraphs_start_where_a_reader_expects(doc_a, doc_b):
    assert doc_a.passages[0].text.startswith("Just last week, Putin said in Red Square")
    assert doc_b.passages[0].text.startswith("Vladimir Putin is becoming rash and secretive")
    assert doc_b.passages[-1].text.startswith("Farida Rustamova is a Russian investigative journalist")


def test_no_body_paragraph_is_repeated(doc):
    texts = [" ".join(b.text.split()) for b in doc.passages]
    assert len(texts) == len(set(texts))


def test_every_body_paragraph_has_sentences_that_cover_it(doc):
    for b in doc.passages:
        assert b.sentences
        assert b.sentences[0][0] == b.start and b.sentences[-1][1] == b.end


# -- the rules on small inline texts ---------------------------------------------------------------


def kinds(text, markdown=False):
    blocks, title = classify(text, "d", markdown=markdown)
    return [(b.kind, b.text) for b in blocks], title


def test_repeated_body_paragraph_is_dropped():
    text = "A title\n\nThe same paragraph says this.\n\nSomething else is said here.\n\nThe same paragraph says this."
    blocks, _ = kinds(text)
    assert [t for k, t in blocks if k == "body"] == ["The same paragraph says this.", "Something else is said here."]


def test_short_label_lines_are_dropped_and_leftover_lines_removed_from_blocks():
    text = "A title for it\n\nShare this\n\nRead more\n\nBody text is here.\nAdvertisement\n\nSee more"
    blocks, title = kinds(text)
    assert title == "A title for it"
    assert blocks == [("title", "A title for it"), ("body", "Body text is here.")]


def test_markdown_heading_is_the_title_without_its_hashes_and_later_headings_are_not_body():
    text = "# The real title\n\nFirst paragraph here.\n\n## A section\n\nSecond paragraph here."
    blocks, title = kinds(text, markdown=True)
    assert title == "The real title"
    assert blocks[0] == ("title", "The real title")
    assert ("body", "## A section") not in blocks
    assert [t for k, t in blocks if k == "body"] == ["First paragraph here.", "Second paragraph here."]


def test_a_line_with_a_photo_credit_is_a_caption():
    text = "Some title\n\nSoldiers on a road - Reuters\n\nThe article begins here."
    blocks, _ = kinds(text)
    assert ("caption", "Soldiers on a road - Reuters") in blocks


def test_text_of_only_leftovers_has_no_blocks():
    blocks, title = kinds("Advertisement\n\nTrending on HotAir Videos\n\nAdvertisement\nAdvertisement\n")
    assert blocks == [] and title == ""
