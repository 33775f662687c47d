"""Splitting into blocks, lines and sentences: spans into the original text, never copies.

The property tests check the invariant every citation rests on: ``text[start:end]`` is the piece,
for any text, including through ``classify()``.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.ingest.clean import classify
from qa.ingest.split import LONG_BLOCK_CHARS, block_spans, line_spans, sentence_spans, trim


def pieces(text, spans):
    return [text[s:e] for s, e in spans]


# -- trim and lines ------------------------------------------------------------------------------


def test_trim_shrinks_to_non_space_and_keeps_empty_ranges_empty():
    text = "  \t hello world \r\n"
    s, e = trim(text, 0, len(text))
    assert text[s:e] == "hello world"
    assert trim("   ", 0, 3)[0] == trim("   ", 0, 3)[1]


def test_line_spans_skips_blank_lines_and_trims_carriage_returns():
    text = "first line\r\n   \r\n  second line  \r\nthird"
    assert pieces(text, line_spans(text)) == ["first line", "second line", "third"]


def test_line_spans_of_a_range_are_absolute():
    text = "xx\nab\ncd\nyy"
    spans = line_spans(text, 3, 8)
    assert pieces(text, spans) == ["ab", "cd"]
    assert spans[0] == (3, 5)


# -- blocks --------------------------------------------------------------------------------------


def test_blocks_are_separated_by_blank_lines():
    text = "Title line\n\nFirst paragraph,\nstill first.\n\n\n  Second paragraph.  \n"
    assert pieces(text, block_spans(text)) == ["Title line", "First paragraph,\nstill first.", "Second paragraph."]


def test_blank_lines_with_spaces_and_crlf_separate_blocks():
    text = "One.\r\n\r\nTwo.\n \t \nThree.\r\n"
    assert pieces(text, block_spans(text)) == ["One.", "Two.", "Three."]


def test_text_of_only_white_space_has_no_blocks():
    assert block_spans("") == []
    assert block_spans(" \n\n\t\r\n ") == []


def test_over_long_block_without_blank_lines_is_split_at_line_breaks():
    line = "This is one sentence of a paragraph that goes on for a while. " * 5
    text = "\n".join(f"{i} {line.strip()}" for i in range(LONG_BLOCK_CHARS // len(line) + 3))
    spans = block_spans(text)
    assert len(spans) == text.count("\n") + 1
    assert all("\n" not in text[s:e] for s, e in spans)


def test_short_block_with_line_breaks_stays_one_block():
    text = "A poem line\nanother line\nand a third."
    assert block_spans(text) == [(0, len(text))]


# -- sentences -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("Putin cannot lose. He needs to turn the situation around.",
     ["Putin cannot lose.", "He needs to turn the situation around."]),
    ("Mr. Putin said no. He left the room.", ["Mr. Putin said no.", "He left the room."]),
    ("Everyone who works with Mr Putin knows it. They know his expectations.",
     ["Everyone who works with Mr Putin knows it.", "They know his expectations."]),
    ("The U.S. intelligence agencies agreed. Others did not.",
     ["The U.S. intelligence agencies agreed.", "Others did not."]),
    ("President Vladimir V. Putin claims to have annexed them. Nobody agrees.",
     ["President Vladimir V. Putin claims to have annexed them.", "Nobody agrees."]),
    ("Is that reality getting through to Putin? Probably not!",
     ["Is that reality getting through to Putin?", "Probably not!"]),
])
def test_sentences_split_at_ends_not_at_abbreviations(text, expected):
    assert pieces(text, sentence_spans(text)) == expected


def test_a_quotation_with_attribution_stays_one_sentence():
    text = "“You can’t question his ideas,” explains Tatyana Stanovaya, the head of R.Politik analysis firm."
    assert pieces(text, sentence_spans(text)) == [text]


def test_sentences_inside_a_long_quotation_are_split():
    text = ("“Everyone who works with Mr Putin knows his picture of the world. They can’t deliver him "
            "information that contradicts his vision. That’s just how it works.”")
    got = pieces(text, sentence_spans(text))
    assert got == ["“Everyone who works with Mr Putin knows his picture of the world.",
                   "They can’t deliver him information that contradicts his vision.",
                   "That’s just how it works.”"]


def test_closing_quote_stays_with_its_sentence():
    text = "He said: “We will win.” Then he left."
    assert pieces(text, sentence_spans(text)) == ["He said: “We will win.”", "Then he left."]


def test_ellipsis_ends_a_sentence_and_text_without_final_stop_is_kept():
    text = "He argues of Russia’s president… Then nothing happened and"
    got = pieces(text, sentence_spans(text))
    assert "".join(got).replace(" ", "") == text.replace(" ", "")
    assert got[-1].endswith("happened and")


def test_sentence_spans_of_a_range_are_absolute_and_inside_it():
    text = "Intro.\n\nFirst one here. Second one here.\n\nOutro."
    s, e = block_spans(text)[1]
    spans = sentence_spans(text, s, e)
    assert pieces(text, spans) == ["First one here.", "Second one here."]
    assert all(s <= a < b <= e for a, b in spans)


def test_sentence_spans_keep_irregular_white_space_exact():
    text = "One  sentence\nwith a break.   Another\tone."
    assert pieces(text, sentence_spans(text)) == ["One  sentence\nwith a break.", "Another\tone."]


# -- properties ------------------------------------------------------------------------------------

_WORDS = ["Putin", "Mr.", "Mr", "U.S.", "Dr.", "war", "said", "the", "Kremlin", "élite", "naïve", "Zaporizhzhia",
          "“Victory", "ours!”", "it’s", "‘Well,", "what?’", "—", "…", "1.5", "p.m.", "e.g.", "Москва", "战争",
          "🙂", "(sic)", "[local]", "x" * 300, "a.b.c", "?!", "...", "\"quoted\"", "'single'"]
_SEPARATORS = [" ", " ", " ", "  ", "\n", "\r\n", "\n\n", "\r\n\r\n", "\n \n", "\t", ". ", "? ", "! ", "\u00a0",
               "\u2028", "\x0c"]


@st.composite
def documentish(draw):
    """Text that looks like an article (words, quotes, abbreviations, paragraphs) mixed with noise."""
    parts = draw(st.lists(st.one_of(st.sampled_from(_WORDS), st.sampled_from(_SEPARATORS),
                                    st.text(max_size=12)), max_size=120))
    return "".join(parts)


def check_spans(text, spans, lo=0, hi=None, contiguous_ok=True):
    hi = len(text) if hi is None else hi
    prev_end = lo
    for s, e in spans:
        assert lo <= s < e <= hi, (s, e, lo, hi)
        assert s >= prev_end, "spans overlap or go backwards"
        assert not text[s].isspace() and not text[e - 1].isspace(), "span not trimmed"
        prev_end = e


_PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(st.one_of(documentish(), st.text(max_size=400)))
def test_property_blocks_lines_and_sentences_are_exact_trimmed_ordered_disjoint(text):
    blocks = block_spans(text)
    check_spans(text, blocks)
    # nothing but white space is left outside the blocks
    covered = set()
    for s, e in blocks:
        covered.update(range(s, e))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)
    for bs, be in blocks:
        check_spans(text, line_spans(text, bs, be), bs, be)
        sents = sentence_spans(text, bs, be)
        check_spans(text, sents, bs, be)
        # sentences cover every non-space character of the block
        inside = set()
        for s, e in sents:
            inside.update(range(s, e))
        assert all(text[i].isspace() for i in range(bs, be) if i not in inside)
    check_spans(text, sentence_spans(text))


@_PROPERTY
@given(st.one_of(documentish(), st.text(max_size=400)), st.booleans())
def test_property_classify_blocks_and_sentences_point_into_the_text(text, markdown):
    blocks, title = classify(text, "doc", markdown=markdown)
    check_spans(text, [(b.start, b.end) for b in blocks])
    for b in blocks:
        assert text[b.start:b.end] == b.text
        assert b.kind in ("body", "title", "caption", "heading")
    bodies = [b for b in blocks if b.kind == "body"]
    assert [b.paragraph for b in bodies] == list(range(1, len(bodies) + 1))
    for b in bodies:
        assert b.sentences, "a body block has at least one sentence"
        check_spans(text, b.sentences, b.start, b.end)
        assert b.passage_id == f"doc#p{b.paragraph}"
    if title:
        assert [b.text for b in blocks if b.kind == "title"] == [title]
