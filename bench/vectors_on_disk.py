"""Index vectors read into memory or mapped from disk: what opening an index costs in memory and
time, and what a search's reads of sentence vectors cost, at a million passages' scale.

``qa.index.store`` maps passages.npy and sentences.npy read-only instead of reading them whole.
This writes N x 384 float32 unit vectors (seeded) as a .npy file the way the store does, then, each
in a fresh process, opens it both ways and times what ``Searcher`` does per question: the sentence
vectors of 30 candidate passages (5 sentences each, rows spread over the file) times the question.

    python -m bench.vectors_on_disk [--rows 1000000] [--questions 300]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import table, write_section

DIM = 384
CANDIDATES, SENTENCES = 30, 5


def rss_mb(kind: str = "RssAnon") -> float:
    """This process's resident memory now (Linux /proc), in MB: ``RssAnon``, its own memory, or
    ``RssFile``, pages of mapped files, which are the page cache's and can be dropped at any time."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(kind + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def disk_read_mb() -> float:
    """Bytes this process has had read from storage (Linux /proc/self/io), in MB."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("read_bytes:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def drop_page_cache() -> bool:
    """Empty the OS page cache (root only), so that each way starts from a cold disk."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
        return True
    except OSError:
        return False


def measure(path: str, how: str, questions: int) -> dict:
    """Open ``path`` one way ("read" or "mapped"), then time the reads of ``questions`` searches."""
    from qa.index.store import _vectors

    before, before_file, before_disk = rss_mb(), rss_mb("RssFile"), disk_read_mb()
    t0 = time.perf_counter()
    if how == "read":
        vecs = np.ascontiguousarray(np.load(path, allow_pickle=False), dtype=np.float32)
    elif how == "mapped":
        vecs = _vectors(Path(path))
    else:  # the alternative measured: the same map advised for random access (no read-ahead)
        import mmap

        vecs = np.load(path, mmap_mode="r", allow_pickle=False)
        vecs._mmap.madvise(mmap.MADV_RANDOM)  # numpy keeps the mmap object private
    open_s = time.perf_counter() - t0
    opened, opened_disk = rss_mb() - before, disk_read_mb() - before_disk
    rng = np.random.default_rng(7)
    q = rng.standard_normal(DIM).astype(np.float32)
    times = []
    for _ in range(questions):
        starts = rng.integers(0, len(vecs) - SENTENCES, CANDIDATES)
        t0 = time.perf_counter()
        best = [float((vecs[s:s + SENTENCES] @ q).max()) for s in starts]
        times.append(time.perf_counter() - t0)
        assert len(best) == CANDIDATES
    ms = np.array(times) * 1000
    return {"open_s": open_s, "opened_mb": opened, "after_mb": rss_mb() - before,
            "file_mb": rss_mb("RssFile") - before_file, "disk_open_mb": opened_disk,
            "disk_search_kb": (disk_read_mb() - before_disk - opened_disk) * 1024 / questions,
            "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="vectors in the file (1M passages have ~5M sentences)")
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--child", nargs=2, metavar=("PATH", "HOW"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1], args.questions)))
        return
    rng = np.random.default_rng(13)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sentences.npy"
        vecs = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(args.rows, DIM))
        for s in range(0, args.rows, 500_000):  # written in slices: the file is larger than we want in RAM
            block = rng.standard_normal((min(500_000, args.rows - s), DIM)).astype(np.float32)
            vecs[s:s + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
        vecs.flush()
        del vecs
        size_mb = path.stat().st_size / 2**20
        rows, cold = [], True
        for how in ("read", "mapped", "mapped, MADV_RANDOM"):
            cold = drop_page_cache() and cold
            out = subprocess.run([sys.executable, "-m", "bench.vectors_on_disk", "--questions", str(args.questions),
                                  "--child", str(path), how], capture_output=True, text=True, check=True)
            m = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append([how, f"{m['open_s']:.2f} s", f"{m['disk_open_mb']:,.0f} MB", f"{m['opened_mb']:,.0f} MB",
                         f"{m['after_mb']:,.0f} MB", f"{m['file_mb']:,.0f} MB",
                         f"{m['disk_search_kb']:,.0f} KB", f"{m['p50_ms']:.2f} / {m['p95_ms']:.2f} ms"])
    body = (f"A file of {args.rows:,} x {DIM} float32 vectors ({size_mb:,.0f} MB), as sentences.npy is "
            f"stored; each way opened in a fresh process, then {args.questions} searches each reading "
            f"{CANDIDATES} candidates x {SENTENCES} sentence vectors at random places and scoring them; "
            + ("the page cache emptied before each, so each starts from a cold disk. " if cold else
               "the page cache could not be emptied (not root), so it may hold the file. ")
            + "Memory is the process's own (RssAnon); mapped file pages (RssFile) belong to the page cache, "
            "shared and dropped under memory pressure. Disk: bytes read from storage (/proc/self/io). "
            "Shipped: \"mapped\" (`qa.index.store`, numpy's memory map with the kernel's read-ahead); "
            "advising random access reads less from disk per search but makes each cold search wait for "
            "the disk, and read-ahead warms a file of this size up sooner.\n\n"
            + table(["vectors", "open", "disk read to open", "own memory after open",
                     "own memory after the searches", "file pages mapped", "disk read per search",
                     "per search p50 / p95"], rows))
    write_section("vectors-on-disk", "Index vectors read into memory or mapped from disk", body,
                  f"python -m bench.vectors_on_disk --rows {args.rows} --questions {args.questions}")


if __name__ == "__main__":
    main()
