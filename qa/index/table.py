"""The passage table: the indexed documents with their passage and sentence vectors, in index
order. Search, evidence, alignment and topics read the corpus through it.

Row ``r`` of ``passage_vecs`` is ``passages[r]``; sentence vectors are stored passage after
passage, so passage ``r``'s sentences are rows ``first_sentence[r]`` onwards.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import BadInput
from ..text import quoted, tokenize
from ..types import Block, Document


@dataclass
class PassageTable:
    documents: list[Document]
    passage_vecs: np.ndarray
    sentence_vecs: np.ndarray
    passages: list[Block] = field(init=False)
    by_id: dict[str, Document] = field(init=False)
    #: document id -> its number (position in ``documents``), built once: filters use it per query
    doc_number: dict[str, int] = field(init=False)
    #: document number (position in ``documents``) of every passage row
    doc_of_row: np.ndarray = field(init=False)
    first_sentence: np.ndarray = field(init=False)
    _terms: dict[str, frozenset[str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {d.doc_id: d for d in self.documents}
        self.passages = [p for d in self.documents for p in d.passages]
        self.doc_number = {doc_id: i for i, doc_id in enumerate(self.by_id)}
        self.doc_of_row = np.array([self.doc_number[p.doc_id] for p in self.passages], dtype=np.int32)
        counts = np.array([len(p.sentences) for p in self.passages], dtype=np.int64)
        self.first_sentence = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else counts

    def document(self, doc_id: str) -> Document:
        try:
            return self.by_id[doc_id]
        except KeyError:
            raise BadInput(f"unknown document id {quoted(doc_id)}; {self._known_ids(doc_id)}") from None

    def _known_ids(self, doc_id: str, shown: int = 10) -> str:
        """The known ids to name after an unknown one: the closest first, at most ``shown`` of
        them, so a corpus of thousands does not turn one typo into a page of ids."""
        import difflib

        close = difflib.get_close_matches(doc_id, self.by_id, n=shown, cutoff=0.6) if len(doc_id) < 200 else []
        names = close + [d for d in self.by_id if d not in close][:shown - len(close)]
        more = len(self.by_id) - len(names)
        return f"known ids: {', '.join(names)}" + (f" (and {more:,} more)" if more else "")

    def rows_of(self, doc_ids: list[str]) -> np.ndarray:
        """A boolean mask over passage rows: True for the passages of ``doc_ids``."""
        for doc_id in doc_ids:
            self.document(doc_id)  # unknown ids are refused, naming the known ones
        return np.isin(self.doc_of_row, [self.doc_number[d] for d in doc_ids])

    def sentence_vecs_of(self, row: int) -> np.ndarray:
        """The vectors of passage ``row``'s sentences (none if it was not split)."""
        n = len(self.passages[row].sentences)
        first = int(self.first_sentence[row]) if n else 0
        return self.sentence_vecs[first:first + n]

    def terms_of(self, doc_id: str) -> frozenset[str]:
        """The search terms of one document's passages (computed on first use)."""
        if doc_id not in self._terms:
            doc = self.document(doc_id)
            self._terms[doc_id] = frozenset(t for p in doc.passages for t in tokenize(p.text))
        return self._terms[doc_id]
