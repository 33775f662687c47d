"""The fuzz tests' index: the project's corpus, indexed once per session with the real model in a
temporary folder; and the summary line ``make fuzz`` reports (inputs, tracebacks, exit codes)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.cli.inprocess import build_site
from tests.conftest import CORPUS
from tests.fuzz.harness import TALLY


@pytest.fixture(scope="session")
def fuzz_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QA_LOG_FILE", str(root / "qa-errors.log"))  # a bug's traceback lands here, not in /tmp
        corpus, index = build_site(root, CORPUS)
        yield SimpleNamespace(root=root, corpus=corpus, index=index, flags=["--corpus", corpus, "--index", index],
                              log=root / "qa-errors.log")


def pytest_terminal_summary(terminalreporter):
    if TALLY.inputs:
        terminalreporter.write_line(TALLY.summary())
        for crash in TALLY.crashes[:5]:
            terminalreporter.write_line(f"  {crash}")
