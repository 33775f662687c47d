"""Scale on real-like vectors: 1M passages whose vectors behave like the bundled model's.

    python -m bench.scale_real embed        # once: real vectors of SciFact + SQuAD (cached)
    python -m bench.scale_real run [--n 1000000] [--queries 200]

Stage 1 (``embed``): the SciFact corpus (5,183 abstracts and a sample of their sentences) and the
SQuAD v1.1 dev paragraphs and their sentences, embedded with the product's encoder
(``embedder_for(Settings())``) through the evaluation cache (bench/cache/embeddings), saved as
bench/cache/scale-real/real.npy with the token streams BM25 needs.

Stage 2 (``run``): ``n`` vectors = the real ones + vectors drawn from a mixture fitted to them:
k-means (``MIX_CLUSTERS`` cells, FAISS) on the real vectors; per cell its mean, the top
``MIX_RANK`` principal directions of its members' residuals with their variances, and the
residual variance left over spread isotropically; a draw picks a cell by its share of the real
vectors, adds Gaussian noise of that covariance to the mean, and is normalised to unit length.
The nearest-neighbour cosine distribution of the synthetic vectors is compared with the real
ones' (same set size). Queries are real held-out questions (SciFact test queries, SQuAD dev
articles 39-48) encoded with the product's encoder; truth is exact search. Every index kind is built through
the library (``qa.index.vectors.build_tuned``) and swept over its depth; latency is one query at
a time through ``vectors.search`` with FAISS on one thread (QA_THREADS=1), 50 candidates (the
library's depth), recall@10 = the top 10 of that call against the exact top 10. Filters: a
document of 1,000 consecutive passages, and a filter allowing 10% of the documents. BM25: 1M
token streams, each of a real text's length, its tokens drawn from the real texts' unigram
distribution; scored with real questions.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from .common import BENCH_DIR, SHARED, SQUAD, percentile, rss_mb, table, write_section

CACHE = BENCH_DIR / "cache" / "scale-real"
SCIFACT = SHARED / "datasets" / "scifact"
#: how many SciFact sentences join the abstracts, paragraphs and SQuAD sentences (~30K texts in all)
SCIFACT_SENTENCES = 12_000


def real_texts(seed: int = 0) -> tuple[list[str], list[str]]:
    """(texts, source label per text): SciFact abstracts + sampled sentences, SQuAD paragraphs + sentences."""
    from qa.eval.datasets import load_beir, load_squad

    texts, labels = [], []
    sci = load_beir(SCIFACT, "test", sentences=True)
    sci_sents = []
    for d in sci.documents:
        for p in d.passages:
            texts.append(p.text)
            labels.append("scifact-abstract")
            sci_sents += [d.text[a:b] for a, b in p.sentences]
    rng = np.random.default_rng(seed)
    for i in sorted(rng.choice(len(sci_sents), min(SCIFACT_SENTENCES, len(sci_sents)), replace=False)):
        texts.append(sci_sents[i])
        labels.append("scifact-sentence")
    sq = load_squad(SQUAD, sentences=True)
    for d in sq.documents:
        for p in d.passages:
            texts.append(p.text)
            labels.append("squad-paragraph")
            for a, b in p.sentences:
                texts.append(d.text[a:b])
                labels.append("squad-sentence")
    return texts, labels


def embed() -> None:
    from qa.config import Settings
    from qa.eval.cache import CachedEmbedder
    from qa.models.encoders import embedder_for

    texts, labels = real_texts()
    print(f"{len(texts):,} texts: " + ", ".join(f"{lab} {labels.count(lab):,}" for lab in sorted(set(labels))), flush=True)
    settings = Settings()
    emb = CachedEmbedder(embedder_for(settings), settings.cache_dir)
    t = time.perf_counter()
    done = []
    for i in range(0, len(texts), 2000):  # flushed per chunk: an interrupted run keeps what it encoded
        done.append(emb.encode(texts[i:i + 2000]))
        emb.flush()
        print(f"  {i + len(done[-1]):,} / {len(texts):,} in {time.perf_counter() - t:.0f} s", flush=True)
    vecs = np.concatenate(done).astype(np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(CACHE / "real.npy", vecs, allow_pickle=False)
    (CACHE / "real.json").write_text(json.dumps({"labels": labels, "encoded": emb.encoded,
                                                 "seconds": time.perf_counter() - t,
                                                 "encoder": settings.encoder}), encoding="utf-8")
    from qa.text import tokenize

    with open(CACHE / "tokens.jsonl", "w", encoding="utf-8") as f:
        for text in texts:
            f.write(json.dumps(tokenize(text)) + "\n")
    print(f"saved {vecs.shape} to {CACHE}", flush=True)


MIX_CLUSTERS, MIX_RANK = 2048, 24
DEPTH = 50  # candidates the library asks the vector index for (qa.search.CANDIDATES)
DOC_ROWS = 1000  # passages per synthetic document (filters)
SWEEP = {"ivf-sq8": (8, 16, 24, 32, 48, 64, 96, 128), "ivf-pq": (16, 32, 64, 128, 256),
         "hnsw": (64, 128, 256, 512)}


def fit_mixture(real: np.ndarray, seed: int = 0) -> dict:
    """k-means cells over the real vectors, each with a low-rank + isotropic residual covariance."""
    import faiss

    km = faiss.Kmeans(real.shape[1], MIX_CLUSTERS, niter=20, seed=seed, spherical=True, verbose=False)
    km.train(real)
    _, assign = km.index.search(real, 1)
    assign = assign[:, 0]
    cells = []
    for c in range(MIX_CLUSTERS):
        members = real[assign == c]
        if len(members) < 2:
            continue
        mean = members.mean(0)
        resid = members - mean
        _, sv, vt = np.linalg.svd(resid, full_matrices=False)
        r = min(MIX_RANK, len(members) - 1)
        var = sv ** 2 / (len(members) - 1)
        iso = float(var[r:].sum() / max(1, real.shape[1] - r))  # what the top r directions leave, per dimension
        cells.append({"n": len(members), "mean": mean, "dirs": vt[:r], "sd": np.sqrt(var[:r]), "iso": np.sqrt(iso)})
    return {"cells": cells, "weights": np.array([c["n"] for c in cells], dtype=float) / sum(c["n"] for c in cells)}


def draw(mix: dict, n: int, rng: np.random.Generator, chunk: int = 100_000) -> np.ndarray:
    cells, dim = mix["cells"], len(mix["cells"][0]["mean"])
    out = np.empty((n, dim), dtype=np.float32)
    which = rng.choice(len(cells), n, p=mix["weights"])
    for i in range(0, n, chunk):
        w = which[i:i + chunk]
        part = np.empty((len(w), dim), dtype=np.float32)
        for c in np.unique(w):
            rows = np.flatnonzero(w == c)
            cell = cells[c]
            z = rng.standard_normal((len(rows), len(cell["sd"]))) * cell["sd"]
            part[rows] = cell["mean"] + z @ cell["dirs"] + cell["iso"] * rng.standard_normal((len(rows), dim))
        out[i:i + len(w)] = part / np.linalg.norm(part, axis=1, keepdims=True)
    return out


def nn_cosines(vecs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Cosine of each sampled row's nearest other vector in ``vecs`` (exact)."""
    s = vecs[rows] @ vecs.T
    s[np.arange(len(rows)), rows] = -np.inf
    return s.max(1)


def real_queries(n: int, seed: int = 0, split: str = "test") -> tuple[np.ndarray, list[list[str]]]:
    """Vectors and tokens of ``n`` real questions, half SciFact, half SQuAD dev: "test" (SciFact test
    queries, SQuAD articles 39-48, held out) or "train" (SciFact train, SQuAD articles 1-38)."""
    from qa.config import Settings
    from qa.eval.cache import CachedEmbedder
    from qa.eval.datasets import load_beir
    from qa.models.encoders import embedder_for
    from qa.text import tokenize

    rng = np.random.default_rng(seed)
    sci = list(load_beir(SCIFACT, split).queries.values())
    articles = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    articles = articles[38:] if split == "test" else articles[:38]
    squad = [q["question"] for art in articles for p in art["paragraphs"] for q in p["qas"]]
    texts = [sci[i] for i in rng.choice(len(sci), n // 2, replace=False)] + \
            [squad[i] for i in rng.choice(len(squad), n - n // 2, replace=False)]
    settings = Settings()
    emb = CachedEmbedder(embedder_for(settings), settings.cache_dir)
    vecs = emb.encode(texts)
    emb.flush()
    return vecs, [tokenize(t) for t in texts]


def corpus_vectors(n: int, real: np.ndarray, seed: int = 0) -> tuple[np.ndarray, dict]:
    path = CACHE / f"vecs-{n}.npy"
    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    mix = fit_mixture(real, seed)
    fit_s = time.perf_counter() - t
    synth_same = draw(mix, len(real), np.random.default_rng(seed + 5))
    sample = rng.choice(len(real), 1000, replace=False)
    check = {"real": nn_cosines(real, sample), "synthetic": nn_cosines(synth_same, sample),
             "fit_s": fit_s, "cells": len(mix["cells"])}
    if path.exists():
        vecs = np.load(path, mmap_mode="r")
        vecs = np.ascontiguousarray(vecs)
    else:
        vecs = np.concatenate([real, draw(mix, n - len(real), rng)]).astype(np.float32)
        # real and synthetic rows interleaved, so documents (consecutive rows) mix them as a corpus would
        vecs = vecs[rng.permutation(n)]
        np.save(path, vecs, allow_pickle=False)
    return vecs, check


def _one_thread():
    import faiss

    faiss.omp_set_num_threads(1)


def latency_recall(index, queries: np.ndarray, truth: np.ndarray, allowed=None, truth_allowed=None) -> dict:
    from qa.index import vectors

    lat, found = [], []
    for q in queries[:5]:
        vectors.search(index, q, DEPTH, allowed)
    for q in queries:
        t = time.perf_counter()
        rows = vectors.search(index, q, DEPTH, allowed)
        lat.append(time.perf_counter() - t)
        found.append(rows[:10])
    ref = truth if truth_allowed is None else truth_allowed
    recall = float(np.mean([len(set(f) & set(r[:10])) / 10 for f, r in zip(found, ref)]))
    only = allowed is None or all(allowed[r] for f in found for r in f)
    return {"p50": percentile(lat, 50), "p95": percentile(lat, 95), "recall": recall, "only_allowed": only}


def exact_filtered(vecs: np.ndarray, queries: np.ndarray, allowed: np.ndarray, k: int = 10) -> np.ndarray:
    rows = np.flatnonzero(allowed)
    s = queries @ vecs[rows].T
    return rows[np.argsort(-s, axis=1)[:, :k]]


def measure_vectors(vecs: np.ndarray, queries: np.ndarray, kinds: list[str], target: float) -> dict:
    import faiss

    from qa.index import vectors

    n = len(vecs)
    out: dict = {"kinds": {}}
    _one_thread()
    flat = vectors.build(vecs, "flat")
    _, truth = flat.search(queries, 10)
    out["flat"] = latency_recall(flat, queries, truth)
    out["flat"]["bytes"] = int(flat.ntotal * flat.d * 4)
    docs = n // DOC_ROWS
    rng = np.random.default_rng(11)
    one_doc = np.zeros(n, dtype=bool)
    d = int(rng.integers(0, docs))
    one_doc[d * DOC_ROWS:(d + 1) * DOC_ROWS] = True
    tenth = np.repeat(rng.random(docs) < 0.1, DOC_ROWS)
    tenth = np.concatenate([tenth, np.zeros(n - len(tenth), dtype=bool)])
    filters = {"one document (1,000 passages)": one_doc, f"10% of documents ({int(tenth.sum()):,} passages)": tenth}
    ftruth = {name: exact_filtered(vecs, queries, m) for name, m in filters.items()}
    out["filters"] = {}
    for name, m in filters.items():
        out["filters"][(name, "flat")] = latency_recall(flat, queries, truth, m, ftruth[name])
    del flat
    for kind in kinds:
        faiss.omp_set_num_threads(2)  # building is offline: both cores
        rss0 = rss_mb()
        t = time.perf_counter()
        index, params = vectors.build_tuned(vecs, kind, target)
        build_s = time.perf_counter() - t
        _one_thread()
        r = {"params": params, "build_s": build_s, "bytes": int(faiss.serialize_index(index).nbytes),
             "rss_mb": rss_mb() - rss0, "sweep": {}}
        chosen = params.nprobe or params.ef_search
        for depth in sorted(set(SWEEP[kind]) | {chosen}):
            vectors._set_depth(index, kind, depth)
            r["sweep"][depth] = latency_recall(index, queries, truth)
        vectors.configure(index, params)
        r["chosen"] = chosen
        for name, m in filters.items():
            out["filters"][(name, kind)] = latency_recall(index, queries, truth, m, ftruth[name])
        out["kinds"][kind] = r
        print(f"  {kind}: build {build_s:.0f} s, {params}", flush=True)
        del index
    return out


def synthetic_tokens(n: int, real_tokens: list[list[str]], rng: np.random.Generator) -> list[list[str]]:
    """``n`` token streams: lengths drawn from the real texts', tokens from their unigram distribution."""
    vocab: dict[str, int] = {}
    for toks in real_tokens:
        for t in toks:
            vocab[t] = vocab.get(t, 0) + 1
    words = np.array(list(vocab))
    p = np.array(list(vocab.values()), dtype=float)
    p /= p.sum()
    lengths = np.array([len(t) for t in real_tokens])[rng.integers(0, len(real_tokens), n)]
    flat = words[rng.choice(len(words), int(lengths.sum()), p=p)].tolist()
    out, pos = [], 0
    for ln in lengths:
        out.append(flat[pos:pos + ln])
        pos += ln
    return out


def measure_bm25(n: int, real_tokens: list[list[str]], qtokens: list[list[str]]) -> dict:
    import shutil
    import tempfile

    from qa.index.lexical import BM25, top_k

    rng = np.random.default_rng(3)
    toks = synthetic_tokens(n, real_tokens, rng)
    rss0 = rss_mb()
    t = time.perf_counter()
    bm25 = BM25.from_tokens(toks)
    build_s = time.perf_counter() - t
    del toks
    rss = rss_mb() - rss0
    arrays = sum(int(bm25._r.scores[k].nbytes) for k in ("data", "indices", "indptr"))
    tmp = Path(tempfile.mkdtemp(prefix="qa-bench-bm25-"))
    try:
        bm25.save(tmp)
        disk = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    score_lat, sort_lat, top_lat = [], [], []
    for q in qtokens:
        t0 = time.perf_counter()
        s = bm25.scores(q)
        t1 = time.perf_counter()
        full = [int(r) for r in np.argsort(-s)[:DEPTH] if s[r] > 0]
        t2 = time.perf_counter()
        top = top_k(s, DEPTH, positive=True)
        t3 = time.perf_counter()
        assert set(top.tolist()) <= set(np.flatnonzero(s > 0).tolist()) and len(top) == len(full)
        score_lat.append(t1 - t0)
        sort_lat.append(t2 - t1)
        top_lat.append(t3 - t2)
    return {"n": n, "build_s": build_s, "rss_mb": rss, "arrays": arrays, "disk": disk, "vocab": len(bm25.doc_freq),
            "score": score_lat, "sort": sort_lat, "top": top_lat}


def calibrate(n: int, kind: str = "ivf-sq8") -> None:
    """How much more often training questions miss than held-out corpus vectors, per depth
    (what ``vectors.QUESTION_MISS_RATIO`` is fitted on); run after ``run`` has cached the vectors."""
    import faiss

    from qa.index import vectors

    faiss.omp_set_num_threads(2)
    v = np.load(CACHE / f"vecs-{n}.npy")
    q, _ = real_queries(300, seed=0, split="train")
    flat = faiss.IndexFlatIP(v.shape[1])
    flat.add(v)
    _, truth = flat.search(q, 10)
    index, _ = vectors.build_tuned(v, kind, 0.0)
    faiss.omp_set_num_threads(1)
    rows = np.sort(np.random.default_rng(1).choice(len(v), vectors.TUNE_QUERIES, replace=False))
    sample_truth = vectors._exact_top(v, v[rows], 11, rows)[:, :10]
    depths = (8, 16, 24, 32, 48, 64, 96) if kind.startswith("ivf") else (32, 64, 96, 128, 192, 256, 384)
    for depth in depths:
        vectors._set_depth(index, kind, depth)
        _, found = index.search(v[rows], 11)
        found = np.array([[i for i in row if i != r][:10] for row, r in zip(found, rows)])
        rs = vectors._recall(found, sample_truth)
        _, fq = index.search(q, 50)  # as the library asks (HNSW searches with max(efSearch, k))
        rq = vectors._recall(fq[:, :10], truth)
        print(f"{kind} depth {depth}: corpus vectors {rs:.4f}, training questions {rq:.4f}, "
              f"miss ratio {(1 - rq) / max(1e-9, 1 - rs):.2f}", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage", choices=("embed", "calibrate", "run"))
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--kinds", default="ivf-sq8,ivf-pq", help="approximate kinds to build (hnsw: ~12 min at 1M)")
    ap.add_argument("--no-bm25", action="store_true")
    ap.add_argument("--section", default="scale_real", help="RESULTS.md section (and plot) name")
    args = ap.parse_args(argv)
    if args.stage == "embed":
        embed()
        return
    from qa.config import RECALL_TARGET

    real = np.load(CACHE / "real.npy")
    real_tokens = [json.loads(line) for line in (CACHE / "tokens.jsonl").read_text(encoding="utf-8").splitlines()]
    if args.stage == "calibrate":
        for kind in args.kinds.split(","):
            calibrate(args.n, kind)
        return
    queries, qtokens = real_queries(args.queries, seed=1)  # held out: QUESTION_MISS_RATIO came from train questions
    vecs, check = corpus_vectors(args.n, real)
    print(f"scale_real: {len(vecs):,} vectors ({len(real):,} real)", flush=True)
    res = measure_vectors(vecs, queries, args.kinds.split(","), RECALL_TARGET)
    del vecs
    bm = None if args.no_bm25 else measure_bm25(args.n, real_tokens, qtokens)
    (CACHE / f"points-{args.section}.json").write_text(json.dumps(points(res)), encoding="utf-8")
    plot(points(res), args.n, args.section)
    cmd = "python -m bench.scale_real run" + (f" --n {args.n}" if args.n != 1_000_000 else "") + \
        (f" --kinds {args.kinds}" if args.kinds != "ivf-sq8,ivf-pq" else "") + \
        (" --no-bm25" if args.no_bm25 else "") + (f" --section {args.section}" if args.section != "scale_real" else "")
    write_section(args.section, f"Scale on real-like vectors: {args.n:,} passages",
                  render(res, check, bm, args.n, len(real), len(queries), RECALL_TARGET, args.section), cmd)


def points(res: dict) -> dict:
    pts = {"flat": [res["flat"]["p95"], 1.0], "kinds": {}}
    for kind, r in res["kinds"].items():
        pts["kinds"][kind] = {"chosen": r["chosen"], "bytes": r["bytes"],
                              "sweep": {str(d): [v["p95"], v["recall"]] for d, v in r["sweep"].items()}}
    return pts


def plot(pts: dict, n: int, name: str = "scale_real") -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for kind, p in pts["kinds"].items():
        depths = sorted(p["sweep"], key=int)
        xs = [p["sweep"][d][0] * 1e3 for d in depths]
        ys = [p["sweep"][d][1] for d in depths]
        line, = ax.plot(xs, ys, "o-", label=f"{kind} ({p['bytes'] / 2**20:,.0f} MB)")
        for d, x, y in zip(depths, xs, ys):
            ax.annotate(d, (x, y), textcoords="offset points", xytext=(4, -9), fontsize=7)
        c = p["sweep"][str(p["chosen"])]
        ax.plot([c[0] * 1e3], [c[1]], "*", ms=14, color=line.get_color())
    ax.plot([pts["flat"][0] * 1e3], [1.0], "s", ms=9, color="black", label="flat, exact")
    ax.axhline(0.95, color="grey", ls="--", lw=0.8)
    ax.axvline(50, color="grey", ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("p95 latency per query (ms), one thread, 50 candidates")
    ax.set_ylabel("recall@10 against exact search")
    ax.set_title(f"{n:,} real-like vectors: recall against latency\n(numbers: nprobe / efSearch; star: chosen at build "
                 "for recall 0.95)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(BENCH_DIR / f"{name}.png", dpi=110)


def _q(a) -> str:
    return " / ".join(f"{np.percentile(a, q):.3f}" for q in (10, 50, 90))


def render(res: dict, check: dict, bm: dict | None, n: int, n_real: int, n_q: int, target: float,
           section: str = "scale_real") -> str:
    f = res["flat"]
    rows = [["flat (exact)", "-", f"{f['bytes'] / 2**20:,.0f}", f"{f['bytes'] / n:,.0f}", "-",
             f"{f['p50'] * 1e3:.2f}", f"{f['p95'] * 1e3:.2f}", "1.000", ""]]
    for kind, r in res["kinds"].items():
        p = r["params"]
        for depth, v in r["sweep"].items():
            chosen = depth == r["chosen"]
            name = f"nprobe {depth} of {p.nlist}" if kind.startswith("ivf") else f"efSearch {depth}"
            rows.append([f"**{kind}**" if chosen else kind, name, f"{r['bytes'] / 2**20:,.0f}", f"{r['bytes'] / n:,.0f}",
                         f"{r['build_s']:.0f}", f"{v['p50'] * 1e3:.2f}", f"{v['p95'] * 1e3:.2f}", f"{v['recall']:.3f}",
                         f"chosen at build (sample recall {p.recall:.3f})" if chosen else ""])
    t1 = table(["index", "setting", "index MB", "bytes / vector", "build s (train + add + tune)", "p50 ms", "p95 ms",
                "recall@10", ""], rows)
    frows = [[name, kind, f"{v['p50'] * 1e3:.2f}", f"{v['p95'] * 1e3:.2f}", f"{v['recall']:.3f}",
              "yes" if v["only_allowed"] else "**no**"] for (name, kind), v in res["filters"].items()]
    t2 = table(["filter", "index", "p50 ms", "p95 ms", "recall@10 vs exact over the allowed rows",
                "only allowed rows returned"], frows)
    build = [[kind, f"{r['build_s']:.0f}", f"{r['rss_mb']:,.0f}"] for kind, r in res["kinds"].items()]
    text = (f"{n:,} vectors of 384 dimensions: the {n_real:,} real vectors of SciFact abstracts and sentences and "
            f"SQuAD dev paragraphs and sentences (the bundled model, ONNX encoder), and {n - n_real:,} drawn from a "
            f"mixture fitted to them ({check['cells']} spherical k-means cells, each with its top {MIX_RANK} principal "
            f"directions and an isotropic rest, normalised; fitted in {check['fit_s']:.0f} s). Queries: {n_q} real "
            "questions (half SciFact test queries, half questions of SQuAD dev articles 39-48: held out) encoded by the same model. One query at a "
            "time through `qa.index.vectors.search`, FAISS on one thread (QA_THREADS=1), 50 candidates; recall@10 "
            "is the top 10 of that call against exact search. Build on two threads.\n\n"
            "Nearest-neighbour cosine of 1,000 sampled vectors within a set of the real set's size "
            "(10th / 50th / 90th percentile): real "
            f"{_q(check['real'])}, synthetic {_q(check['synthetic'])}.\n\n{t1}\n\n"
            f"The chosen index is the smallest depth whose recall@10 on 200 held-out corpus vectors reaches "
            f"{1 - (1 - target) / 5:.4f}, so that questions reach {target} (QA_RECALL_TARGET; training questions "
            "miss about 5 times as often as corpus vectors at 1M, `vectors.QUESTION_MISS_RATIO`, "
            "`python -m bench.scale_real calibrate`), or where its recall levels off; for HNSW 4 times that "
            "efSearch (`vectors.HNSW_DEPTH_FACTOR`: a graph finds its own nodes' neighbours far more easily than a "
            "question's); found at build time and recorded in the manifest. Filters (`--doc`): "
            "a bitmap ID selector, nprobe widened by the share of rows allowed (a 1,000-passage document at 1M: "
            f"every cell, i.e. exact over its rows):\n\n{t2}\n\n"
            + table(["index", "build s", "process RSS growth MB while building"], build) + "\n\n"
            f"![recall against latency on real-like vectors]({section}.png)\n")
    if bm:
        per = bm["arrays"] / bm["n"]
        text += ("\n" + f"BM25 on {bm['n']:,} token streams (lengths of the real texts, tokens drawn from their "
                 f"unigram distribution, {bm['vocab']:,} distinct terms), {n_q} real questions; top 50 as the "
                 "library asks:\n\n" + table(
                     ["", "value"],
                     [["build s", f"{bm['build_s']:.0f}"],
                      ["score arrays in memory (CSC data + indices + indptr)", f"{bm['arrays'] / 2**20:,.0f} MB, {per:.0f} B / passage"],
                      ["on disk", f"{bm['disk'] / 2**20:,.0f} MB, {bm['disk'] / bm['n']:.0f} B / passage"],
                      ["scoring (get_scores) p50 / p95 ms", f"{percentile(bm['score'], 50) * 1e3:.2f} / {percentile(bm['score'], 95) * 1e3:.2f}"],
                      ["top 50 by full sort (np.argsort, before) p50 / p95 ms", f"{percentile(bm['sort'], 50) * 1e3:.2f} / {percentile(bm['sort'], 95) * 1e3:.2f}"],
                      ["top 50 by `lexical.top_k` (argpartition over matches) p50 / p95 ms", f"{percentile(bm['top'], 50) * 1e3:.2f} / {percentile(bm['top'], 95) * 1e3:.2f}"]]) + "\n")
    return text


if __name__ == "__main__":
    main()
