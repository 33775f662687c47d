"""The running count of what reading one document has cost, against its ``ReadBudget``.

A ``Meter`` is made when a file starts being read and goes with it through reading (in the child
process for PDF, DOCX and HTML: ``sandbox``), cleaning and splitting. Readers call it as they go
(bytes inflated, characters built, passages made, the clock between pages and blocks), so a file
over a budget is refused as soon as it gets there, not after it has cost all of it. Each refusal
is one line naming the limit and the setting that raises it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..config import ReadBudget
from ..errors import BadInput


def refusal(name: str, what: str, setting: str) -> BadInput:
    """The one line a file over a budget is refused with."""
    return BadInput(f"{name}: {what} ({setting}); refused")


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n / 2**20:.3g} MB"


@dataclass
class Meter:
    """What one document has cost so far; every ``add_*`` and ``check_time`` raises the refusal
    (BadInput) once a budget is passed."""

    name: str
    budget: ReadBudget = field(default_factory=ReadBudget.from_env)
    #: time.monotonic() at which the time budget runs out (set from ``budget.seconds`` when None)
    deadline: float | None = None
    unpacked: int = 0
    chars: int = 0
    passages: int = 0

    def __post_init__(self):
        if self.deadline is None:
            self.deadline = time.monotonic() + self.budget.seconds

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise self.timed_out()

    def timed_out(self) -> BadInput:
        return refusal(self.name, f"reading took over {self.budget.seconds:g} s", "QA_MAX_READ_SECONDS")

    def out_of_memory(self) -> BadInput:
        return refusal(self.name, f"reading it needed over {self.budget.memory_mb:,.0f} MB of memory",
                       "QA_MAX_READ_MB")

    def add_unpacked(self, n: int, what: str = "unpacks") -> None:
        self.unpacked += n
        if self.unpacked > self.budget.unpacked_bytes:
            raise self.over_unpacked(what)

    def over_unpacked(self, what: str = "unpacks") -> BadInput:
        return refusal(self.name, f"{what} to over {_mb(self.budget.unpacked_bytes)}", "QA_MAX_UNPACKED_MB")

    def add_chars(self, n: int) -> None:
        self.chars += n
        if self.chars > self.budget.chars:
            raise refusal(self.name, f"over {self.budget.chars:,} characters of text", "QA_MAX_DOCUMENT_CHARS")

    def add_passage(self) -> None:
        self.passages += 1
        if self.passages > self.budget.passages:
            raise refusal(self.name, f"over {self.budget.passages:,} passages", "QA_MAX_DOCUMENT_PASSAGES")

    def check_pages(self, pages: int) -> None:
        if pages > self.budget.pages:
            raise BadInput(f"{self.name}: {pages:,} pages is over the {self.budget.pages:,}-page limit for a PDF "
                           "(QA_MAX_PDF_PAGES); split it")
