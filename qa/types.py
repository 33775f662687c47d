"""The library's data types: plain dataclasses, never bare tuples."""
from __future__ import annotations

from dataclasses import dataclass, field

#: A [start, end) character range into a document's text.
Offsets = tuple[int, int]


@dataclass(frozen=True)
class TextSpan:
    """A verbatim piece of a document: ``document.text[start:end] == text``."""

    doc_id: str
    paragraph: int
    start: int
    end: int
    text: str

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "paragraph": self.paragraph, "start": self.start, "end": self.end,
                "text": self.text}

    @classmethod
    def from_json(cls, d: dict) -> TextSpan:
        return cls(d["doc_id"], int(d["paragraph"]), int(d["start"]), int(d["end"]), d["text"])


@dataclass(frozen=True)
class Block:
    """One paragraph-like block of a document: ``doc.text[start:end] == text``.

    ``kind`` is ``"body"`` (searchable, numbered 1.. in reading order), ``"title"`` or
    ``"caption"`` (shown in the reader, never returned as an answer). ``sentences`` are
    absolute [start, end) spans into the document text.
    """

    doc_id: str
    kind: str
    start: int
    end: int
    text: str
    paragraph: int | None = None
    sentences: tuple[Offsets, ...] = ()
    page: int | None = None

    @property
    def passage_id(self) -> str:
        return f"{self.doc_id}#p{self.paragraph}" if self.paragraph else f"{self.doc_id}@{self.start}"


@dataclass
class Document:
    """A document as indexed: its text (the original file's, decoded), metadata and blocks."""

    doc_id: str
    title: str
    source: str
    path: str
    sha256: str
    text: str
    blocks: list[Block] = field(default_factory=list)
    added: str = ""
    notes: tuple[str, ...] = ()  # e.g. "decoded as cp1252, not UTF-8"

    @property
    def passages(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "body"]

    def sentence_texts(self) -> list[str]:
        """The text of every sentence of every passage, in order (as their vectors are stored)."""
        return [self.text[s:e] for p in self.passages for s, e in p.sentences]


def sentence_texts(documents: list[Document]) -> list[str]:
    """Every sentence of every passage of the documents, in index order."""
    return [t for d in documents for t in d.sentence_texts()]


@dataclass(frozen=True)
class Hit:
    """A passage returned for a query, with its rank, fused score and highlighted sentences;
    ``page`` (1-based) only for documents that have pages (PDF): then ``to_json`` adds it."""

    rank: int
    doc_id: str
    title: str
    source: str
    paragraph: int
    start: int
    end: int
    text: str
    highlight: tuple[Offsets, ...]
    score: float
    page: int | None = None
    answers: bool | None = None  # the reader's judgement of this passage (None: not read)
    answer: Offsets | None = None  # the reader's answer span in it, absolute (None: not read)

    def to_json(self) -> dict:
        out = {
            "rank": self.rank, "doc_id": self.doc_id, "title": self.title, "source": self.source,
            "paragraph": self.paragraph, "start": self.start, "end": self.end, "text": self.text,
            "highlight": [list(h) for h in self.highlight], "score": round(float(self.score), 4),
        }
        if self.page is not None:
            out["page"] = self.page
        if self.answers is not None:
            out["answers"] = self.answers
        return out


@dataclass(frozen=True)
class AnswerSpan:
    """The answer itself: ``text == document_text[start:end]``, inside passage ``paragraph`` of
    ``doc_id`` (absolute offsets, as passages have)."""

    doc_id: str
    paragraph: int
    start: int
    end: int
    text: str

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "paragraph": self.paragraph, "start": self.start, "end": self.end,
                "text": self.text}


#: The three verdicts an Answer can carry.
VERDICTS = ("answered", "related", "not_found")


@dataclass(frozen=True)
class Answer:
    """The result of a question and the engine's verdict on it:

    - ``answered``: a passage was judged to answer it (``answered`` is true iff this);
    - ``related``: passages on the topic were found, none judged to answer; ``passages`` are those;
    - ``not_found``: nothing in the searched documents bears on it (e.g. it names something no
      searched document mentions); ``passages`` are the closest ones, if any.

    ``reason`` is one templated sentence built from what the engine checked; ``confidence`` the
    probability that the best passage answers (the second stage's verdict model).
    """

    question: str
    answered: bool
    passages: tuple[Hit, ...]
    confidence: float = 0.0
    verdict: str = ""  # derived from ``answered`` when not given
    reason: str = ""
    answer_span: AnswerSpan | None = None  # the reader's answer, when it judged the question answered

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            derived = "answered" if self.answered else ("related" if self.passages else "not_found")
            object.__setattr__(self, "verdict", derived)
        if self.answered != (self.verdict == "answered"):
            raise ValueError(f"answered={self.answered} contradicts verdict {self.verdict!r}")

    def to_json(self) -> dict:
        return {"question": self.question, "answered": self.answered, "verdict": self.verdict, "reason": self.reason,
                "confidence": round(float(self.confidence), 4), "passages": [h.to_json() for h in self.passages],
                "answer_span": self.answer_span.to_json() if self.answer_span else None}


#: Labels of documents in corpus order: A, B, ... Z, then D27, D28, ...
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def doc_labels(doc_ids: list[str]) -> dict[str, str]:
    """Short labels of documents in corpus order, as the overview and summaries name them."""
    return {d: (LETTERS[i] if i < len(LETTERS) else f"D{i + 1}") for i, d in enumerate(doc_ids)}


@dataclass(frozen=True)
class DocCoverage:
    """Whether one document covers a topic, with its best passages; ``label`` is its short label."""

    doc_id: str
    title: str
    covered: bool
    score: float
    passages: tuple[Hit, ...]
    label: str = ""

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "covered": self.covered,
                "score": round(float(self.score), 4), "passages": [h.to_json() for h in self.passages],
                "label": self.label}


@dataclass(frozen=True)
class Comparison:
    """A topic's coverage across documents; ``summary`` is a fixed label, never prose."""

    topic: str
    documents: tuple[DocCoverage, ...]

    @property
    def summary(self) -> str:
        covered = [d for d in self.documents if d.covered]
        if not covered:
            return "covered by none"
        if len(covered) == len(self.documents):
            return "covered by both" if len(covered) == 2 else "covered by all"
        return "only by " + ", ".join(d.label or d.title for d in covered)

    def to_json(self) -> dict:
        return {"topic": self.topic, "summary": self.summary, "documents": [d.to_json() for d in self.documents]}
