"""Reading units: passages cut at sentence boundaries, offsets exact."""
from __future__ import annotations

from qa.models.units import reading_units


def test_units_pack_sentences_and_keep_offsets():
    text = "Intro.\n\nOne two three. Four five six seven. Eight nine."
    start = text.index("One")
    sents = [(start, start + 14), (start + 15, start + 35), (start + 36, len(text))]
    units = reading_units(text, start, len(text), sents, max_words=5)
    assert [u.text for u in units] == ["One two three.", "Four five six seven.", "Eight nine."]
    assert all(text[u.start:u.end] == u.text for u in units)
    whole = reading_units(text, start, len(text), sents, max_words=100)
    assert len(whole) == 1 and whole[0].text == text[start:] and whole[0].start == start


def test_a_passage_without_sentences_is_one_unit_and_a_long_sentence_stands_alone():
    text = "a b c d e f g h. i j."
    assert reading_units(text, 0, len(text)) == reading_units(text, 0, len(text), ())
    (unit,) = reading_units(text, 0, len(text))
    assert unit.text == text
    long = reading_units(text, 0, len(text), [(0, 16), (17, 21)], max_words=3)
    assert [u.text for u in long] == ["a b c d e f g h.", "i j."]
    # sentence spans outside the passage are ignored, never read
    assert reading_units(text, 17, 21, [(0, 16), (17, 21)])[0].text == "i j."
