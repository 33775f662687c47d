"""``make crash`` in small: three SIGKILLs of ``python -m qa index`` (one inside the write window)
over a corpus that grows between runs, then three of ``python -m qa remove`` (one as soon as the
index changes or the file goes), with the real model. Nothing indexed is lost (a removed note's
file outlives the index write), the index stays usable, every passage is verbatim. About 25 s;
``make crash`` runs 24 and 12 kills."""
from __future__ import annotations

import time

from bench.crash import run


def test_index_runs_killed_with_sigkill_lose_nothing():
    started = time.perf_counter()
    tally = run(kills=3, window_every=3, seed=1, log=lambda line: None, removes=3)
    assert tally.kills == 3 and tally.remove_kills == 3, tally.line()
    assert (tally.unusable, tally.lost, tally.wrong) == (0, 0, 0), tally.problems
    assert tally.documents >= 3, "the final run indexed the notes added between kills"
    assert not tally.problems, tally.problems
    assert time.perf_counter() - started < 120, "far slower than the ~15 s it takes: look at the machine's load"
