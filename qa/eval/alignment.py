"""Scoring paragraph alignment against hand labels (``alignment.jsonl``): rows
``{"doc": "A", "paragraph", "start", "end", "label": "shared" | "only", "other": "B"}`` with the
documents' overview labels; the score is the balanced accuracy of "shared" (or "partly shared")
against "only", over the labelled paragraphs."""
from __future__ import annotations

from dataclasses import dataclass

from ..analysis.alignment import Alignment


@dataclass(frozen=True)
class LabelledParagraph:
    doc: str  # overview label, e.g. "A"
    paragraph: int
    label: str  # "shared" | "only"
    predicted: str  # the counterpart's status: "shared" | "partly shared" | "only"

    @property
    def correct(self) -> bool:
        return (self.label == "shared") == (self.predicted != "only")


@dataclass(frozen=True)
class AlignmentScore:
    rows: tuple[LabelledParagraph, ...]

    def _recall(self, label: str) -> float:
        rows = [r for r in self.rows if r.label == label]
        return sum(r.correct for r in rows) / len(rows) if rows else float("nan")

    @property
    def shared_recall(self) -> float:
        return self._recall("shared")

    @property
    def only_recall(self) -> float:
        return self._recall("only")

    @property
    def balanced_accuracy(self) -> float:
        return (self.shared_recall + self.only_recall) / 2


def score_alignment(alignment: Alignment, gold: list[dict], doc_ids: dict[str, str]) -> AlignmentScore:
    """``doc_ids`` maps the labels' document letters to doc ids. A labelled paragraph is found by
    its start offset (the paragraph of the document that holds it)."""
    rows = []
    for g in gold:
        doc, other = doc_ids[g["doc"]], doc_ids[g["other"]]
        row = next((r for r in alignment.rows_for(doc) if r.passage.start <= g["start"] < r.passage.end), None)
        if row is None:
            raise ValueError(f"no paragraph of {g['doc']} holds offset {g['start']} (paragraph {g['paragraph']})")
        c = row.counterpart_in(other)
        rows.append(LabelledParagraph(g["doc"], int(g["paragraph"]), g["label"], c.status if c else "only"))
    return AlignmentScore(tuple(rows))
