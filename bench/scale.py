"""Scale: query latency and memory at 10K, 100K (and, with --long, 1M) passages.

    python -m bench.scale [--long] [--queries N]

Vectors are synthetic (384-d, clustered like sentence embeddings: unit vectors drawn around
random centres; queries are perturbed corpus vectors), texts are synthetic (Zipf-distributed
words), so sizes beyond our corpus can be measured; the cost of encoding the query with the
real model does not depend on corpus size and is measured in bench/latency.py.

Per size: exact FAISS (IndexFlatIP) vs HNSW (``qa.index.vectors.build(kind="hnsw")``: M=32,
efConstruction=80, efSearch tuned at build to QA_RECALL_TARGET) with its recall@10 against exact
search over an efSearch sweep (bench/scale_real.py measures the default kinds on real-like vectors); BM25 scoring;
and the whole library path ``Searcher.ask`` (fusion, evidence test, highlight) with a stub
embedder that returns the synthetic query vector. Memory: FAISS index bytes (serialised),
BM25 on disk, and the process's resident memory after building everything for that size.
Plots: latency_vs_size.png and recall_vs_latency.png beside RESULTS.md.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from .common import BENCH_DIR, percentile, rss_mb, table, write_section

DIM = 384
#: efSearch values tried; the library asks for 50 candidates, and FAISS searches with max(efSearch, k).
EF_SWEEP = (50, 64, 96, 128, 256)
WORDS_PER_PASSAGE = 40
VOCAB = 30_000
PASSAGES_PER_DOC = 1000


def synthetic_vectors(n: int, rng: np.random.Generator, chunk: int = 100_000) -> np.ndarray:
    centres = rng.standard_normal((max(n // 100, 10), DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, DIM), dtype=np.float32)
    for i in range(0, n, chunk):
        m = min(chunk, n - i)
        v = centres[rng.integers(0, len(centres), m)] + 0.08 * rng.standard_normal((m, DIM)).astype(np.float32)
        out[i:i + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def perturbed_queries(vecs: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    q = vecs[rng.integers(0, len(vecs), n)] + 0.05 * rng.standard_normal((n, DIM)).astype(np.float32)
    return np.ascontiguousarray(q / np.linalg.norm(q, axis=1, keepdims=True), dtype=np.float32)


def synthetic_texts(n: int, rng: np.random.Generator) -> list[str]:
    ranks = np.minimum(rng.zipf(1.2, size=(n, WORDS_PER_PASSAGE)), VOCAB)
    return [" ".join(f"w{r}x" for r in row) + "." for row in ranks]


def _lat(fn, queries) -> list[float]:
    out = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - t)
    return out


class _StubEmbedder:
    """Returns pre-made query vectors by question text: the library path without the model."""

    batch_size, dim, model_id, weights_sha256 = 32, DIM, "synthetic", ""

    def __init__(self):
        self.table: dict[str, np.ndarray] = {}

    def encode(self, texts, show_progress=False):
        return np.stack([self.table[t] for t in texts])


@contextlib.contextmanager
def omp_threads(n: int | None):
    """FAISS's OpenMP threads set to ``n`` inside the block (None: leave as is)."""
    import faiss

    before = faiss.omp_get_max_threads()
    if n is not None:
        faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _index_bytes(index) -> int:
    import faiss

    return int(faiss.serialize_index(index).nbytes)


def measure(n: int, n_queries: int, seed: int = 0) -> dict:
    from qa.index import vectors
    from qa.index.lexical import BM25
    from qa.index.table import PassageTable
    from qa.search import CANDIDATES, Searcher
    from qa.types import Block, Document

    rng = np.random.default_rng(seed + n)
    rss0 = rss_mb()
    vecs = synthetic_vectors(n, rng)
    queries = perturbed_queries(vecs, n_queries, rng)
    r: dict = {"n": n}

    t = time.perf_counter()
    flat = vectors.build(vecs, "flat")
    r["flat_build"] = time.perf_counter() - t
    r["flat_bytes"] = _index_bytes(flat)
    flat.search(queries[:5], CANDIDATES)
    r["flat_lat"] = _lat(lambda q: flat.search(q[None, :], CANDIDATES), queries)
    with omp_threads(1):
        r["flat1_lat"] = _lat(lambda q: flat.search(q[None, :], CANDIDATES), queries)
    _, truth = flat.search(queries, 10)

    t = time.perf_counter()
    hnsw = vectors.build(vecs, "hnsw")
    r["hnsw_build"] = time.perf_counter() - t
    r["hnsw_bytes"] = _index_bytes(hnsw)
    default_ef = hnsw.hnsw.efSearch
    r["hnsw"] = {}
    for ef in sorted(set(EF_SWEEP) | {default_ef}):  # the efSearch tuned at build, and the sweep
        hnsw.hnsw.efSearch = ef
        hnsw.search(queries[:5], 10)
        lat = _lat(lambda q: hnsw.search(q[None, :], CANDIDATES), queries)
        _, got = hnsw.search(queries, CANDIDATES)  # the library's call; its top 10 against exact top 10
        got = got[:, :10]
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth)]))
        r["hnsw"][ef] = (percentile(lat, 50), percentile(lat, 95), recall)
    hnsw.hnsw.efSearch = default_ef
    r["hnsw_default_ef"] = default_ef

    texts = synthetic_texts(n, rng)
    t = time.perf_counter()
    bm25 = BM25.build(texts)
    r["bm25_build"] = time.perf_counter() - t
    tmp = Path(tempfile.mkdtemp(prefix="qa-bench-bm25-"))
    try:
        bm25.save(tmp)
        r["bm25_bytes"] = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    qtexts = [" ".join(f"w{w}x" for w in rng.integers(5, 3000, 4)) + f" q{i}" for i in range(n_queries)]
    from qa.text import tokenize

    r["bm25_lat"] = _lat(lambda q: bm25.scores(tokenize(q)), qtexts)

    # the library path: Searcher.ask over documents of PASSAGES_PER_DOC passages each
    docs = []
    for d in range(0, n, PASSAGES_PER_DOC):
        parts = texts[d:d + PASSAGES_PER_DOC]
        text = "\n\n".join(parts)
        blocks, pos = [], 0
        for k, part in enumerate(parts, 1):
            blocks.append(Block(f"d{d // PASSAGES_PER_DOC}", "body", pos, pos + len(part), part, k))
            pos += len(part) + 2
        docs.append(Document(f"d{d // PASSAGES_PER_DOC}", f"doc {d}", "synthetic", "", "", text, blocks))
    stub = _StubEmbedder()
    for q, v in zip(qtexts, queries):
        stub.table[q] = v
    for kind, index, threads in (("flat", flat, None), ("flat1", flat, 1), ("hnsw", hnsw, None)):
        searcher = Searcher(PassageTable(docs, vecs, np.zeros((0, DIM), dtype=np.float32)), index, bm25, stub)
        with omp_threads(threads):
            for q in qtexts[:3]:
                searcher.ask(q)
            r[f"ask_{kind}"] = _lat(lambda q, s=searcher: s.ask(q, 5), qtexts)
    r["rss_mb"] = rss_mb() - rss0
    r["vectors_bytes"] = vecs.nbytes
    return r  # the indexes and vectors are freed here, before the next size is built


def render(results: list[dict]) -> str:
    rows = []
    for r in results:
        ef = r["hnsw_default_ef"]
        h50, h95, hrec = r["hnsw"][ef]
        rows.append([f"{r['n']:,}",
                     f"{percentile(r['flat_lat'], 50) * 1e3:.2f} / {percentile(r['flat_lat'], 95) * 1e3:.2f}",
                     f"{percentile(r['flat1_lat'], 50) * 1e3:.2f} / {percentile(r['flat1_lat'], 95) * 1e3:.2f}",
                     f"{h50 * 1e3:.2f} / {h95 * 1e3:.2f}", f"{hrec:.3f}",
                     f"{percentile(r['bm25_lat'], 50) * 1e3:.2f} / {percentile(r['bm25_lat'], 95) * 1e3:.2f}",
                     f"{percentile(r['ask_flat'], 50) * 1e3:.1f} / {percentile(r['ask_flat'], 95) * 1e3:.1f}",
                     f"{percentile(r['ask_flat1'], 50) * 1e3:.1f} / {percentile(r['ask_flat1'], 95) * 1e3:.1f}",
                     f"{percentile(r['ask_hnsw'], 50) * 1e3:.1f} / {percentile(r['ask_hnsw'], 95) * 1e3:.1f}"])
    t1 = table(["passages", "flat ms", "flat 1 thread ms", f"HNSW ef={results[0]['hnsw_default_ef']} ms",
                "HNSW recall@10", "BM25 ms", "Searcher.ask flat ms", "Searcher.ask flat 1 thread ms",
                "Searcher.ask HNSW ms"], rows)
    mem = [[f"{r['n']:,}", f"{r['vectors_bytes'] / 2**20:.0f}", f"{r['flat_bytes'] / 2**20:.0f}",
            f"{r['hnsw_bytes'] / 2**20:.0f}", f"{r['bm25_bytes'] / 2**20:.0f}", f"{r['rss_mb']:.0f}",
            f"{r['flat_build']:.2f}", f"{r['hnsw_build']:.1f}", f"{r['bm25_build']:.1f}"] for r in results]
    t_mem = table(["passages", "vectors MB", "flat index MB", "HNSW index MB", "BM25 on disk MB",
                   "process RSS growth MB", "flat build s", "HNSW build s", "BM25 build s"], mem)
    rows2 = []
    for r in results:
        for ef, (p50, p95, rec) in r["hnsw"].items():
            rows2.append([f"{r['n']:,}", ef, f"{p50 * 1e3:.3f}", f"{p95 * 1e3:.3f}", f"{rec:.3f}"])
        rows2.append([f"{r['n']:,}", "exact (flat, 1 thread)", f"{percentile(r['flat1_lat'], 50) * 1e3:.3f}",
                      f"{percentile(r['flat1_lat'], 95) * 1e3:.3f}", "1.000"])
    t2 = table(["passages", "HNSW efSearch", "p50 ms", "p95 ms", "recall@10 vs exact"], rows2)
    return (f"{len(results[0]['flat_lat'])} single queries per size, top {50} candidates (the library's depth). "
            "Searcher.ask excludes encoding the query (a stub returns its vector): add the encode time from the "
            "latency section. BM25 is bm25s get_scores on its sparse index (cost follows the query terms' postings); Searcher.ask then takes the top 50 with np.argpartition (qa.index.lexical.top_k; a full np.argsort before issue 14 was most of its HNSW time at 1M). "
            "\"flat\" runs with FAISS's default OpenMP threads (2 here), \"1 thread\" with "
            "faiss.omp_set_num_threads(1), the library's setting since QA_THREADS (default 1): on a busy 2-core "
            "machine one query is faster on one thread.\n\n"
            "Latency cells are p50 / p95 per query.\n\n"
            f"{t1}\n\nMemory and build time (RSS growth: the process after building vectors, both indexes, BM25 "
            f"and the Searcher's passages for that size, including the synthetic texts):\n\n{t_mem}\n\nRecall against latency (recall_vs_latency.png):\n\n{t2}\n\n"
            "![latency vs corpus size](latency_vs_size.png)\n![recall vs latency](recall_vs_latency.png)\n")


def points(results: list[dict]) -> list[dict]:
    """What the plots need (p50 seconds per series, the efSearch sweep), small enough to keep as JSON."""
    return [{"n": r["n"], "ef": r["hnsw_default_ef"],
             "flat": percentile(r["flat_lat"], 50), "flat1": percentile(r["flat1_lat"], 50),
             "hnsw": r["hnsw"][r["hnsw_default_ef"]][0], "bm25": percentile(r["bm25_lat"], 50),
             "ask_flat": percentile(r["ask_flat"], 50), "ask_flat1": percentile(r["ask_flat1"], 50),
             "ask_hnsw": percentile(r["ask_hnsw"], 50),
             "sweep": {str(ef): list(v) for ef, v in r["hnsw"].items()}} for r in results]


def plot(pts: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [p["n"] for p in pts]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    series = [("FAISS exact (flat), default threads", "flat", "o-"), ("FAISS exact (flat), 1 thread", "flat1", "o:"),
              (f"FAISS HNSW ef={pts[0]['ef']}", "hnsw", "s-"), ("BM25 (all passages scored)", "bm25", "^-"),
              ("Searcher.ask, flat (no encode)", "ask_flat", "D--"),
              ("Searcher.ask, flat 1 thread (no encode)", "ask_flat1", "d:"),
              ("Searcher.ask, HNSW (no encode)", "ask_hnsw", "v--")]
    for label, key, style in series:
        ax.plot(ns, [p[key] * 1e3 for p in pts], style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("passages in the index")
    ax.set_ylabel("p50 latency per query (ms)")
    ax.set_title("Query latency against corpus size (2 cores, synthetic 384-d vectors)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(BENCH_DIR / "latency_vs_size.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, p in enumerate(pts):
        efs = sorted(p["sweep"], key=int)
        xs = [p["sweep"][e][0] * 1e3 for e in efs]
        ys = [p["sweep"][e][2] for e in efs]
        line, = ax.plot(xs, ys, "o-", label=f"HNSW, {p['n']:,} passages")
        if i == len(pts) - 1:  # labels on the largest size only, where the points spread out
            for e, x, y in zip(efs, xs, ys):
                ax.annotate(f"ef={e}", (x, y), textcoords="offset points", xytext=(5, -4), fontsize=7)
        ax.plot([p["flat1"] * 1e3], [1.0], "*", ms=12, color=line.get_color(), label=f"exact (flat, 1 thread), {p['n']:,}")
    ax.set_xscale("log")
    ax.set_xlabel("p50 latency per query (ms), top 50")
    ax.set_ylabel("recall@10 against exact search")
    ax.set_title("HNSW recall against latency\n(efSearch 50, 64, 96, 128, 256 from left to right on each line)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(BENCH_DIR / "recall_vs_latency.png", dpi=110)
    plt.close(fig)


POINTS = BENCH_DIR / "cache" / "scale-points.json"


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--long", action="store_true", help="also 1M passages (several minutes, ~4 GB)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--sizes", help="comma list of sizes instead of 10K,100K[,1M] (for trying things)")
    ap.add_argument("--replot", action="store_true", help="only redraw the plots from the last run's points")
    args = ap.parse_args(argv)
    if args.replot:
        plot(json.loads(POINTS.read_text(encoding="utf-8")))
        return []
    sizes = [10_000, 100_000] + ([1_000_000] if args.long else [])
    if args.sizes:
        sizes = [int(x) for x in args.sizes.split(",")]
    measure(1000, 10)  # warm-up: imports and first-use allocations out of the first size's memory figure
    results = []
    for n in sizes:
        print(f"scale: {n:,} passages ...", flush=True)
        results.append(measure(n, args.queries))
    pts = points(results)
    POINTS.parent.mkdir(parents=True, exist_ok=True)
    POINTS.write_text(json.dumps(pts), encoding="utf-8")
    plot(pts)
    write_section("scale", "Scale: latency and memory against corpus size", render(results),
                  "python -m bench.scale" + (" --long" if args.long else ""))
    return results


if __name__ == "__main__":
    main()
