"""Experiment: micro-batching concurrent questions into one model call, against plain concurrency.

    python -m bench.microbatch [--threads 32] [--questions 6]

Measured here and not adopted (bench/RESULTS.md, "Micro-batching"): on this CPU the bundled
model's cost is linear in the padded tokens of a batch, so one call for 8 questions costs what
8 calls do, or more (padding to the longest); and a single leader encoding for everyone leaves the
second core idle, while ONNX Runtime releases the GIL and runs plain concurrent calls on both.
The design, kept with its measurement:

A server answering many readers at once would otherwise run the model once per question, each
call paying the per-call overhead and leaving the batch dimension empty. ``MicroBatcher`` wraps
an embedder: the first caller becomes the leader and encodes its text; texts that arrive while
the model is busy queue up and go in the next call, together. No timer: a lone question is
encoded at once, and the batch grows only as fast as questions arrive. When a leader's own text is
done it hands the queue to the oldest waiting caller, so no one serves the others indefinitely.
"""
from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass, field

import numpy as np


@dataclass
class _Pending:
    texts: list[str]
    ready: threading.Event = field(default_factory=threading.Event)
    vectors: np.ndarray | None = None
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.vectors is not None or self.error is not None


class MicroBatcher:
    """An embedder (``encode``, and every other attribute of the wrapped one) that encodes the
    texts of concurrent ``encode`` calls together. Calls with more than ``max_batch`` texts
    (indexing) bypass the queue."""

    def __init__(self, embedder, max_batch: int = 64):
        self.inner = embedder
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._busy = False  # invariant: not busy => nothing pending
        self.calls = 0  # model calls made, and texts encoded by them (for the benchmarks)
        self.texts = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts or len(texts) > self.max_batch:
            return self.inner.encode(texts, show_progress=show_progress)
        item = _Pending(list(texts))
        with self._lock:
            self._pending.append(item)
            lead = not self._busy
            self._busy = True
        if not lead:
            item.ready.wait()
        if not item.done:  # leader, or handed the queue
            self._run_batch()
        if item.error is not None:
            raise item.error
        return item.vectors

    def _run_batch(self) -> None:
        """Encode what is queued (up to ``max_batch`` texts, the leader's own first), hand out the
        rows, then pass the queue on to the oldest caller still waiting."""
        with self._lock:
            batch, size = [], 0
            while self._pending and (not batch or size + len(self._pending[0].texts) <= self.max_batch):
                size += len(self._pending[0].texts)
                batch.append(self._pending.pop(0))
        try:
            vectors = self.inner.encode([t for item in batch for t in item.texts])
            start = 0
            for item in batch:
                item.vectors = vectors[start:start + len(item.texts)]
                start += len(item.texts)
        except BaseException as exc:  # every caller in the batch gets the error, none hangs
            for item in batch:
                item.error = exc
        self.calls += 1
        self.texts += size
        with self._lock:
            if self._pending:
                self._pending[0].ready.set()  # not done yet: it will lead the next call
            else:
                self._busy = False
        for item in batch:
            item.ready.set()


def encode_cost(embedder, questions: list[str], sizes=(1, 4, 8, 16, 32), rounds: int = 10) -> list[list]:
    """Milliseconds per call and per question of one encode call with ``n`` questions."""
    rows = []
    for n in sizes:
        batch = (questions * (n // len(questions) + 1))[:n]
        t = time.perf_counter()
        for _ in range(rounds):
            embedder.encode(batch)
        call = (time.perf_counter() - t) / rounds
        rows.append([n, f"{call * 1000:.1f}", f"{call * 1000 / n:.2f}"])
    return rows


def concurrent_rate(embedder, questions: list[str], threads: int, per_thread: int) -> float:
    """Questions encoded per second by ``threads`` threads each encoding ``per_thread`` in turn."""
    def worker(i: int) -> None:
        for j in range(per_thread):
            embedder.encode([questions[(i * per_thread + j) % len(questions)]])

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    t = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return threads * per_thread / (time.perf_counter() - t)


def main(argv=None) -> None:
    from qa import Settings
    from qa.models.encoders import embedder_for

    from .common import dev_questions, table, write_section

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--questions", type=int, default=6, help="questions per thread")
    args = ap.parse_args(argv)
    embedder, questions = embedder_for(Settings()), dev_questions()
    embedder.encode(questions[:2])  # load the model
    cost = table(["questions in one call", "ms per call", "ms per question"], encode_cost(embedder, questions))
    batcher = MicroBatcher(embedder)
    plain = concurrent_rate(embedder, questions, args.threads, args.questions)
    batched = concurrent_rate(batcher, questions, args.threads, args.questions)
    rates = table([f"{args.threads} threads x {args.questions} questions", "questions/s", "model calls"],
                  [["plain concurrent calls", f"{plain:.0f}", args.threads * args.questions],
                   ["micro-batched (MicroBatcher)", f"{batched:.0f}", batcher.calls]])
    body = (f"Encoder: {embedder.encoder}, 1 ONNX Runtime thread per call; dev-set questions.\n\n{cost}\n\n{rates}\n\n"
            "Not adopted: a batch costs what its questions cost one by one (padding makes it more), and one "
            "leader encoding for all leaves the second core idle. The server runs plain concurrent calls.\n")
    write_section("microbatch", "Micro-batching concurrent questions (experiment)", body, "python -m bench.microbatch")


if __name__ == "__main__":
    main()
