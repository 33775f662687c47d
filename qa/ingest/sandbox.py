"""Read PDF, DOCX and HTML files in a child process that is killed at the time budget.

pypdf, python-docx and trafilatura are CPU-bound Python (and lxml) working on hostile input: one
PDF page drawing a 60 MB content stream keeps pypdf busy for seconds inside a single call, where
no check between pages can stop it (issue 19). A child process can be stopped for real: the parent
waits for its answer until the document's deadline and then kills it, and the child's address space
is capped (RLIMIT_AS, ``ReadBudget.memory_mb``), so a file cannot take the machine's memory either.

Measured (2 shared cores): the worker starts in ~0.15 s (it imports no more than the readers) and
is kept for the next file; a 3-page PDF then reads in 4.9 ms against 4.6 ms in process. Plain text
(.txt, .md) is read in process: its cost is bounded by the file cap and the character and
passage budgets, which split.py checks as it goes.

The exchange is a JSON header line plus raw bytes each way, never pickle: the child handles hostile
data, and what it sends back is only read as text and numbers.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import BadInput
from .budget import Meter

log = logging.getLogger(__name__)
#: read_format(data, name, suffix, meter) -> the fields of a read document (``readers.read_format``)
Reader = Callable[[bytes, str, str, Meter], dict]

#: The folder holding the ``qa`` package: the child imports the readers from there.
_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent.parent)
#: The child imports only what reading needs: ``qa`` and ``qa.ingest`` stand as bare packages, so
#: their __init__ (the engine, numpy, FAISS) is not run; reading starts ~0.5 s sooner and the child
#: uses ~100 MB less address space.
_BOOT = (
    "import sys, types\n"
    f"sys.path.insert(0, {_PACKAGE_PARENT!r})\n"
    "for name, sub in (('qa', 'qa'), ('qa.ingest', 'qa/ingest')):\n"
    "    m = types.ModuleType(name); m.__path__ = [sys.path[0] + '/' + sub]; sys.modules[name] = m\n"
    "from qa.ingest.readers import read_format\n"
    "from qa.ingest.sandbox import serve\n"
    "serve(float(sys.argv[1]), read_format)\n"
)


class _Worker:
    def __init__(self, memory_mb: float):
        self.memory_mb = memory_mb
        self.proc = subprocess.Popen([sys.executable, "-c", _BOOT, repr(memory_mb)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


_idle: list[_Worker] = []
_idle_lock = threading.Lock()


@atexit.register
def _close_idle() -> None:
    """Idle workers end at EOF on their stdin; wait for them so that none outlives this process."""
    with _idle_lock:
        workers, _idle[:] = list(_idle), []
    for worker in workers:
        try:
            worker.proc.stdin.close()
            worker.proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            worker.kill()


def _take(memory_mb: float) -> _Worker:
    """An idle worker started with this memory limit, or a new one (one per concurrent read)."""
    with _idle_lock:
        while _idle:
            worker = _idle.pop()
            if worker.alive() and worker.memory_mb == memory_mb:
                return worker
            worker.kill()
    return _Worker(memory_mb)


def _give_back(worker: _Worker) -> None:
    with _idle_lock:
        _idle.append(worker)


def _read_exact(fd: int, n: int, deadline: float) -> bytes | None:
    """``n`` bytes from ``fd``; None when the deadline passes first; EOFError if the child died."""
    out = bytearray()
    while len(out) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, min(n - len(out), 1 << 20))
        if not chunk:
            raise EOFError
        out += chunk
    return bytes(out)


def read_isolated(data: bytes, name: str, suffix: str, meter: Meter, read_format: Reader) -> dict:
    """``read_format(data, name, suffix, meter)``'s fields (``readers.read_format``, which the child
    imports itself), computed in a child process that is killed when ``meter``'s deadline passes;
    BadInput with the one-line refusal otherwise."""
    budget = meter.budget
    try:
        worker = _take(budget.memory_mb)
    except OSError as exc:  # no child process to be had: read here, with the in-process checks only
        log.warning("reading %s in process (%s)", name, exc)
        return read_format(data, name, suffix, meter)
    header = json.dumps({"name": name, "suffix": suffix, "size": len(data), "seconds": max(meter.remaining(), 0.0),
                         "budget": {k: getattr(budget, k) for k in budget.ENV}}).encode() + b"\n"
    try:
        try:
            worker.proc.stdin.write(header + data)
            worker.proc.stdin.flush()
        except BrokenPipeError:  # an idle worker that ended meanwhile: once more with a new one
            worker.kill()
            worker = _Worker(budget.memory_mb)
            worker.proc.stdin.write(header + data)
            worker.proc.stdin.flush()
        fd = worker.proc.stdout.fileno()
        size = _read_exact(fd, 12, meter.deadline)
        body = None if size is None else _read_exact(fd, int(size), meter.deadline)
    except (OSError, EOFError, ValueError):
        worker.kill()
        raise _died(worker, name, meter) from None
    if body is None:  # the deadline passed while the child was still working on it
        worker.kill()
        raise meter.timed_out()
    reply = json.loads(body)
    if reply.get("restart"):
        worker.kill()  # after a MemoryError the child's state is not to be trusted
    else:
        _give_back(worker)
    if "refused" in reply:
        raise BadInput(reply["refused"])
    return reply["fields"]


def _died(worker: _Worker, name: str, meter: Meter) -> BadInput:
    code = worker.proc.returncode
    if code is not None and code < 0 and -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
        # killed from outside (the kernel's OOM killer) or crashed in native code (lxml, zlib)
        return meter.out_of_memory() if -code == signal.SIGKILL else \
            BadInput(f"{name}: the reader crashed on this file ({signal.Signals(-code).name}); refused")
    return BadInput(f"{name}: the reader stopped while reading this file (exit {code}); refused")


# -- the child ----------------------------------------------------------------------------------------

def serve(memory_mb: float, read_format: Reader) -> None:
    """The child's loop: read a request (JSON header line, then the file's bytes) from stdin, answer
    with its fields or its refusal on stdout (12-digit length, then JSON). Ends at EOF."""
    import resource

    from ..config import ReadBudget

    limit = int(memory_mb * 2**20)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print in a library must not corrupt the replies
    while True:
        line = requests.readline()
        if not line:
            return
        head = json.loads(line)
        data = requests.read(head["size"])
        meter = Meter(head["name"], ReadBudget(**head["budget"]), time.monotonic() + head["seconds"])
        restart = False
        try:
            reply = {"fields": read_format(data, head["name"], head["suffix"], meter)}
        except BadInput as exc:
            reply = {"refused": str(exc)}
        except MemoryError:
            reply, restart = {"refused": str(meter.out_of_memory())}, True
        except RecursionError:
            reply = {"refused": f"{head['name']}: nested too deeply to read; refused"}
        except Exception as exc:  # noqa: BLE001 (a reader's bug must not look like a crash of the caller)
            reply = {"refused": f"{head['name']}: could not be read, the reader failed ({type(exc).__name__}); refused"}
        del data
        try:
            out = json.dumps({**reply, "restart": restart}).encode()
        except MemoryError:
            out, restart = json.dumps({"refused": str(meter.out_of_memory()), "restart": True}).encode(), True
        replies.write(b"%012d" % len(out) + out)
        replies.flush()
        if restart:
            return
