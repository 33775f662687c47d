"""Reading units: what the reader reads. A passage is cut at sentence boundaries into units of
at most ``MAX_WORDS`` words, so a unit fits the reader's token budget with its question and an
answer late in a long paragraph is still read. Training (``training/reader.py``) and the query
path cut passages with this same function."""
from __future__ import annotations

from dataclasses import dataclass

#: Words per unit: about 120 word pieces, which leaves room for the question in 160 tokens.
MAX_WORDS = 90


@dataclass(frozen=True)
class Unit:
    """``text == document_text[start:end]``; absolute character offsets, like a Block's."""

    start: int
    end: int
    text: str


def reading_units(text: str, start: int, end: int, sentences=(), max_words: int = MAX_WORDS) -> list[Unit]:
    """Consecutive sentences of ``text[start:end]`` packed greedily into units of at most
    ``max_words`` words (a longer sentence is a unit by itself); the whole span when the passage
    has no sentence spans."""
    spans = [(a, b) for a, b in sentences if start <= a < b <= end] or [(start, end)]
    units, first, last, words = [], None, start, 0
    for a, b in spans:
        n = len(text[a:b].split())
        if first is not None and words + n > max_words:
            units.append(Unit(first, last, text[first:last]))
            first, words = None, 0
        if first is None:
            first = a
        last, words = b, words + n
    units.append(Unit(first, last, text[first:last]))
    return units
