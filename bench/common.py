"""Shared helpers for the benchmarks: machine description, timing, tables, RESULTS.md sections.

Each benchmark prints its table and replaces its own section of bench/RESULTS.md (between
``<!-- bench:NAME -->`` markers), so the file always holds each table from one run.
"""
from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from qa.config import go_offline

go_offline()

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
DEV_DATA = SHARED / "eval"
SQUAD = SHARED / "datasets" / "squad" / "dev-v1.1.json"

HEADER = """# Benchmark results

Written by the scripts in bench/ (`python -m bench.run_all`, or one of `python -m bench.<name>`);
each section comes from one run of its script and says on what machine and when. Figures on a
shared 2-core machine are noisy: the load average at the start of each run is given with it.
"""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    """One line: cores, CPU model, load average, Python, date (UTC)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores, {cpu_model()}, load average {load:.2f} at start, "
            f"Python {platform.python_version()}, {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")


def percentile(values, q: float) -> float:
    """The q-th percentile (0-100), linear interpolation (numpy's default)."""
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def timed(fn, *args, **kw):
    """(result, seconds) of one call."""
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def repeat(fn, n: int, warmup: int = 3) -> list[float]:
    """Seconds of ``n`` calls of ``fn()`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def summary(seconds: list[float]) -> dict:
    return {"p50": percentile(seconds, 50), "p95": percentile(seconds, 95), "mean": statistics.fmean(seconds),
            "n": len(seconds)}


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table (also readable as plain text)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "| " + " | ".join("-" * w for w in widths) + " |", *map(line, cells[1:])])


def write_section(name: str, title: str, body: str, command: str) -> None:
    """Replace (or append) section ``name`` of RESULTS.md and print it."""
    text = f"## {title}\n\n`{command}` — {machine()}\n\n{body.strip()}\n"
    print(text)
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{text}{end}"
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    new = pattern.sub(lambda _: block, old) if pattern.search(old) else old.rstrip() + "\n\n" + block + "\n"
    tmp = RESULTS.with_suffix(".md.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, RESULTS)


@contextlib.contextmanager
def temp_project(copy_corpus: bool = True):
    """A temporary folder with ``corpus/`` (a copy of the project's) and an empty ``index/`` path.

    Benchmarks never write into the project's corpus/ or index/.
    """
    root = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        if copy_corpus:
            shutil.copytree(CORPUS, root / "corpus")
        else:
            (root / "corpus").mkdir()
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def rss_mb() -> float:
    """Resident memory of this process, MB (from /proc/self/status)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dev_questions() -> list[str]:
    """The dev-set questions and coverage topics: realistic queries for the two articles."""
    import json

    out = []
    for name, key in (("questions.jsonl", "question"), ("unanswerable.jsonl", "question"), ("coverage.jsonl", "topic")):
        path = DEV_DATA / name
        if path.exists():
            out += [json.loads(line)[key] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out or ["Who confronted Putin about the war?", "What is partial mobilisation?"]


def project_env(root: Path) -> dict:
    """Environment for a child process that uses ``root/corpus`` and ``root/index``."""
    return dict(os.environ, QA_CORPUS_DIR=str(root / "corpus"), QA_INDEX_DIR=str(root / "index"),
                GRADIO_ANALYTICS_ENABLED="False", TRANSFORMERS_VERBOSITY="error")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_process(root: Path):
    """``python app.py`` on a free port over ``root``'s corpus and index: yield (process, url,
    perf_counter at its start); the app (its whole process group) is stopped on exit."""
    import signal
    import subprocess
    import sys

    port = free_port()
    env = dict(project_env(root), GRADIO_SERVER_PORT=str(port))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield proc, f"http://127.0.0.1:{port}/", t0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextlib.contextmanager
def running_app(root: Path, timeout: float = 240.0):
    """Start ``python app.py`` on a free port over ``root``'s corpus and index; yield
    (url, seconds from start to the first page answering HTTP 200), or (None, None) when there
    is no app.py or it serves no page within ``timeout``. The app is stopped on exit."""
    import urllib.request

    if not (ROOT / "app.py").exists():
        yield None, None
        return
    with app_process(root) as (proc, url, t0):
        took = None
        while time.perf_counter() - t0 < timeout and proc.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        took = time.perf_counter() - t0
                        break
            except OSError:
                time.sleep(0.1)
        yield (url, took) if took is not None else (None, None)
