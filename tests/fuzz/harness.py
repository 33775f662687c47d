"""What the fuzz tests share: hypothesis settings (small by default, large with QA_FUZZ=1), the
strategies for hostile text, JSON lines and bodies, and the tally ``make fuzz`` reports."""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from qa.config import MAX_QUESTION_CHARS

A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"

#: QA_FUZZ=1 (``make fuzz``): a long run; otherwise a quick one fit for every ``pytest``.
BIG = os.environ.get("QA_FUZZ", "") not in ("", "0")


def fuzz_settings(quick: int, big: int) -> settings:
    """Settings for one fuzz test: ``quick`` examples normally, ``big`` under QA_FUZZ=1."""
    return settings(max_examples=big if BIG else quick, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


@dataclass
class Tally:
    """Everything the fuzz tests tried, for the summary at the end of the run."""

    inputs: int = 0
    batch_lines: int = 0
    crashes: list = field(default_factory=list)  # a short description of each
    exit_codes: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(self.exit_codes.items(), key=str))
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (f"fuzz: {self.inputs:,} inputs tried ({self.batch_lines:,} batch lines); "
                f"tracebacks: {len(self.crashes)}; CLI exit codes: {{{codes}}}; REST statuses: {{{statuses}}}")


TALLY = Tally()

# -- strategies ------------------------------------------------------------------------------------
#: Pieces of hostile text: controls, escape sequences, line and paragraph separators, invisible
#: format characters, lone surrogates (how Python holds bytes that were not UTF-8), quotes.
HOSTILE = ["\x00", "\x01", "\x1b", "\x1b]0;pwned\x07", "\x1b[2J", "\x85", "\x9b", "\x7f", "\r", "\n", "\t", "\r\n",
           "\u2028", "\u2029", "\u200b", "\u200d", "\ufeff", "\u00ad", "\u202e", "\ud800", "\udce9", "\udfff",
           "\ufffd", "?", "a", "-", "--", " ", '"', "\\", "{", "[", "é", "\U0001f600"]
WORDS = ["Putin", "Who confronted Putin?", "mobilisation", "Kozak", "war", "1987", "Путин", "élite", "Shoigu", "q"]

pieces = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(WORDS),
                   st.text(st.characters(exclude_categories=()), max_size=12))


def questions() -> st.SearchStrategy[str]:
    """Any text: short mixes of words and hostile pieces, empty, and long runs around the limit."""
    mixed = st.lists(pieces, max_size=8).map("".join)
    long = st.tuples(pieces, st.integers(1, MAX_QUESTION_CHARS + 100)).map(
        lambda t: ((t[0] or "x") * (MAX_QUESTION_CHARS + 100))[: t[1]])
    return st.one_of(mixed, mixed, mixed, long)


ids = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
                st.lists(st.integers(), max_size=2))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), questions()),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "question", "topic", "x"]) | st.text(max_size=4), kids, max_size=3),
    max_leaves=8)


def rows(key: str) -> st.SearchStrategy[dict]:
    """Objects shaped like a batch line, with any id and any value (mostly text) for ``key``."""
    return st.fixed_dictionaries({"id": ids, key: st.one_of(questions(), questions(), json_values)})


def encoded(value, ascii_only: bool) -> bytes:
    """``value`` as one JSON line; NaN/Infinity as Python writes them, lone surrogates as
    invalid UTF-8 when not escaped, raw U+2028 and U+0085 when not ASCII-only."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def lines(key: str) -> st.SearchStrategy[bytes]:
    as_json = st.builds(encoded, st.one_of(rows(key), rows(key), json_values), st.booleans())
    deep = st.integers(1, 5000).map(lambda n: ("[" * n + "]" * n).encode())
    return st.one_of(as_json, as_json, as_json, st.binary(max_size=40), deep, st.just(b""), st.just(b"  \t"))


def batch_files(key: str) -> st.SearchStrategy[bytes]:
    """Whole batch files: lines joined by \\n or \\r\\n, sometimes after a UTF-8 BOM."""
    return st.builds(lambda ls, end, bom: (b"\xef\xbb\xbf" if bom else b"") + end.join(ls) + end,
                     st.lists(lines(key), max_size=6), st.sampled_from([b"\n", b"\r\n"]), st.booleans())


def rows_in(data: bytes) -> int:
    """How many rows a batch file holds: its non-blank lines, split at \\n only (the contract)."""
    parts = data.split(b"\n")
    parts[0] = parts[0].removeprefix(b"\xef\xbb\xbf")
    return sum(1 for p in parts if p.strip())
