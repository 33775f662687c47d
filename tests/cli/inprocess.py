"""``python -m qa`` run in this process, as ``qa.cli.main(argv)``, with stdout and stderr captured
the way a terminal takes them: stdout strict UTF-8 (a lone surrogate written there fails, as it
would in a real pipe), stderr with backslash escapes (Python's own setting for stderr).

Fast enough to run a command hundreds of times (the model and index stay loaded between runs),
which the fuzz tests do; ``tests/cli/test_cli.py`` runs the real subprocess.
"""
from __future__ import annotations

import contextlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from qa.cli import main

#: Characters no plain-text output may carry raw: C0 controls but tab and newline, DEL, C1.
RAW_CONTROLS = frozenset(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]) - {"\t", "\n"}


@dataclass
class Run:
    args: list
    rc: int | None
    out: str
    err: str
    escaped: BaseException | None = None  # an exception main let through: a traceback for a user

    def __str__(self):
        return (f"qa {' '.join(map(repr, self.args))[:300]} -> {self.rc} {self.escaped!r}\n"
                f"stdout: {self.out[-1500:]!r}\nstderr: {self.err[-1500:]!r}")

    @property
    def crashed(self) -> bool:
        """What a user would see as a crash: a traceback, an unexpected error, or an exit code
        other than 0 (done) and 2 (refused)."""
        return self.escaped is not None or self.rc not in (0, 2) or "Traceback" in self.err \
            or "error: unexpected" in self.err


def run_cli(args) -> Run:
    args = [str(a) for a in args]
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict", newline="\n", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", newline="\n", write_through=True)
    rc, escaped = None, None
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            rc = main(args)
        except BaseException as exc:  # recorded: the test says which input let it through
            escaped = exc
        stdout.flush()
        stderr.flush()
    return Run(args, rc, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8", "replace"), escaped)


def strict_json(line: str):
    """``json.loads`` that refuses NaN and Infinity, which are not JSON."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(line, parse_constant=refuse)


def build_site(root: Path, corpus: Path) -> tuple[Path, Path]:
    """A copy of ``corpus`` under ``root`` and its index, built with the real model in this process."""
    dest, index = root / "corpus", root / "index"
    shutil.copytree(corpus, dest)
    built = run_cli(["--corpus", dest, "--index", index, "index"])
    assert built.rc == 0, built
    return dest, index
