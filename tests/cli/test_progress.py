"""Progress for people and for logs: bars on a terminal, one line per stage with count and time otherwise."""
from __future__ import annotations

import io
import re

from qa.cli.common import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_each_stage_is_one_line_with_its_count_and_time():
    out = io.StringIO()
    progress = Progress(out)
    progress("embed passages", 0, 0)  # nothing to do: nothing said
    for done in range(0, 1201, 400):
        progress("read", done, 1200)
    for done in range(0, 65, 32):
        progress("embed sentences", done, 64)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in out.getvalue()
    assert re.fullmatch(r"read: 1,200 in \d+\.\d s", lines[0]) and lines[1].startswith("embed sentences: 64 in ")


def test_an_iterable_or_a_hand_updated_stage_in_a_log():
    out = io.StringIO()
    progress = Progress(out)
    assert list(progress.wrap(range(5), desc="rank hybrid", unit="query")) == list(range(5))
    bar = progress.wrap(total=10, desc="embed", unit="text")
    bar.update(4)
    bar.update(6)
    bar.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("rank hybrid: 5 in ") and lines[1].startswith("embed: 10 in ")


def test_on_a_terminal_a_bar():
    out = Terminal()
    progress = Progress(out)
    for done in (0, 50, 100):
        progress("embed passages", done, 100)
    assert "embed passages" in out.getvalue() and "100/100" in out.getvalue()
