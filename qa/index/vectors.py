"""The vector index over passage vectors (FAISS, inner product = cosine on normalised vectors):
its kind by corpus size, building it with its search depth tuned to a recall target, and
searching it with an optional passage filter.

Kinds (bytes per 384-d vector in brackets):

- ``flat``: exact search (4 d = 1,536 B). The default up to ``APPROXIMATE_ABOVE`` passages.
- ``ivf-sq8``: an inverted file of ``nlist`` k-means cells over 8-bit scalar-quantised vectors
  (d + 8 id = 392 B); a query scans the ``nprobe`` nearest cells. The default above.
- ``ivf-pq``: the same cells over product-quantised codes (``PQ_M`` = 48 B + 8 id); smallest,
  but its recall levels off below 0.95 on the bundled model's vectors (bench/RESULTS.md).
- ``hnsw``: a graph (M=32) over full vectors (4 d + 2 M x 4 = 1,792 B); slow to build at 1M.

At build time the search depth (``nprobe`` for IVF, ``efSearch`` for HNSW) is the smallest
value of a ladder whose recall@10 against exact search on a held-out sample of the corpus's
own vectors reaches ``sample_goal(target)``: stricter than the target, because real questions
are harder than corpus vectors (``QUESTION_MISS_RATIO``; ``tune``); it is recorded in the manifest
(``Manifest.vector_index``) and applied again when the index is loaded (``configure``).

Filters (``allowed``): a bitmap ID selector, so ``k`` stays exact, with the depth widened in
proportion to the share of rows allowed (``nprobe / share``, up to every cell, which is exact
over the allowed rows); HNSW with few allowed rows searches them exhaustively instead, since a
graph walk that may only return a small share of what it visits loses recall.
"""
from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass

import numpy as np

from ..config import APPROXIMATE_ABOVE, RECALL_TARGET
from ..errors import IndexProblem

log = logging.getLogger(__name__)

KINDS = ("flat", "ivf-sq8", "ivf-pq", "hnsw")
#: product-quantiser sub-vectors for ivf-pq (must divide the dimension; 384 / 48 = 8 dims each)
PQ_M = 48
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 80
#: the depths tried, smallest first (IVF: cells probed; HNSW: efSearch)
NPROBE_LADDER = (1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 2048, 4096)
EF_LADDER = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
#: held-out queries drawn from the corpus for tuning, and the recall@k they are scored at
TUNE_QUERIES, TUNE_K = 200, 10
#: Real questions miss about this many times as often as held-out corpus vectors at the same
#: depth (they lie farther from the passages, between cells). Fitted on training questions
#: (300 of SciFact train and SQuAD dev articles 1-38) over 1M real-like vectors
#: (``python -m bench.scale_real calibrate``): 5.1, 5.5, 5.3, 4.8 at nprobe 8, 16, 24, 32.
#: So the sample must reach 1 - (1 - target) / 5 (0.99 for a target of 0.95).
QUESTION_MISS_RATIO = 5.0
#: HNSW: a graph finds the neighbours of its own nodes' neighbourhood far more easily than those of
#: a question (corpus vectors 0.993 at efSearch 64 but training questions 0.886; the miss ratio runs
#: from 8 to 45), so efSearch is this many times the depth that reaches the sample goal: 64 x 4 =
#: 256 gave 0.961 on the training questions (``python -m bench.scale_real calibrate --kinds hnsw``).
HNSW_DEPTH_FACTOR = 4
#: a depth ladder stops where recall gains less than this over two steps: the codes' ceiling
#: (SQ8 levels off near 0.99 on the corpus's own vectors, PQ near 0.7)
PLATEAU = 0.002
#: k-means training points per IVF cell (FAISS warns below 39)
TRAIN_PER_CELL = 64
#: HNSW with at most this many allowed rows searches them exhaustively. Measured on 100K
#: real-like vectors with held-out questions: a bitmap selector at the unfiltered efSearch kept
#: recall@10 0.835 / 0.663 / 0.305 with 32% / 11% / 2% of rows allowed; efSearch / share (32%)
#: gave 0.991 in 0.85 ms p95, and exhaustive search over 11,000 or 2,000 rows 1.000 in 8 ms p95.
HNSW_EXACT_ROWS = 20_000


@dataclass(frozen=True)
class VectorParams:
    """How the vector index was built and must be searched; what the manifest records.

    ``recall``: recall@10 measured at build time with ``depth`` on ``sample`` held-out corpus
    vectors (None for exact search); ``target``: the recall questions should reach;
    ``sample_target``: what the corpus vectors had to reach for that (``sample_goal``)."""

    kind: str = "flat"
    nlist: int = 0
    nprobe: int = 0
    ef_search: int = 0
    target: float | None = None
    recall: float | None = None
    sample: int = 0
    sample_target: float | None = None

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> VectorParams:
        """Lenient: unknown keys are ignored, missing ones take their defaults; TypeError for a
        value of the wrong type (a damaged manifest)."""
        out = {}
        for key, default in asdict(cls()).items():
            value = data.get(key)
            if value is None:
                continue
            want = (int, float) if key in ("target", "recall", "sample_target") else type(default)
            if not isinstance(value, want) or isinstance(value, bool):
                raise TypeError(f"vector_index {key!r} is {type(value).__name__}")
            out[key] = value
        return cls(**out)


def choose_kind(setting: str, n_passages: int) -> str:
    """``setting`` as configured ("auto" or one of KINDS); "auto" is exact search up to
    APPROXIMATE_ABOVE passages and ivf-sq8 above (a quarter of the memory, tuned recall)."""
    if setting == "auto":
        return "ivf-sq8" if n_passages > APPROXIMATE_ABOVE else "flat"
    if setting not in KINDS:
        raise IndexProblem(f"unknown index kind {setting!r}; use auto or {', '.join(KINDS)}")
    return setting


def nlist_for(n: int) -> int:
    """IVF cells for ``n`` vectors: the power of two nearest 1.5 sqrt(n) (2,048 at 1M), at
    least 1 and never more than n / TRAIN_PER_CELL (so every cell is trained on enough points)."""
    if n <= 0:
        return 1
    want = 2 ** round(math.log2(max(1.0, 1.5 * math.sqrt(n))))
    return int(max(1, min(want, n // TRAIN_PER_CELL)))


def _make(dim: int, kind: str, n: int):
    import faiss

    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = 64
        return index
    nlist = nlist_for(n)
    if kind == "ivf-sq8":
        return faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
    if kind == "ivf-pq":
        m = PQ_M if dim % PQ_M == 0 else next(m for m in (32, 24, 16, 12, 8, 6, 4, 3, 2, 1) if dim % m == 0)
        # with few vectors, fewer than 8 bits per code (256 centroids need 256 x 39 points)
        bits = 8 if n >= 256 * 39 else max(1, int(math.log2(max(2, n // 39))))
        index = faiss.index_factory(dim, f"IVF{nlist},PQ{m}x{bits}", faiss.METRIC_INNER_PRODUCT)
        index.do_polysemous_training = False  # Hamming-filter training we never use, and slow
        return index
    raise IndexProblem(f"unknown index kind {kind!r}; use {' or '.join(KINDS)}")


def _ivf(index):
    import faiss

    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def kind_of(index) -> str:
    """The kind of a FAISS index built by ``build`` (from its class, for old manifests)."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return "hnsw"
    ivf = _ivf(index)
    if ivf is not None:
        return "ivf-pq" if isinstance(ivf, faiss.IndexIVFPQ) else "ivf-sq8"
    return "flat"


def build(vectors: np.ndarray, kind: str, recall_target: float | None = None, seed: int = 0):
    """An inner-product FAISS index of the given kind over ``vectors``; approximate kinds have
    their depth tuned to ``recall_target`` (see ``build_tuned`` for the parameters)."""
    return build_tuned(vectors, kind, recall_target, seed)[0]


def build_tuned(vectors: np.ndarray, kind: str, recall_target: float | None = None,
                seed: int = 0) -> tuple[object, VectorParams]:
    """``(index, params)``: the index of ``kind`` over ``vectors`` and how it is to be searched.

    IVF kinds are trained (k-means) on at most TRAIN_PER_CELL x nlist vectors drawn at random;
    approximate kinds are then tuned (``tune``) to ``recall_target`` (default RECALL_TARGET)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    index = _make(dim, kind, n)
    ivf = _ivf(index)
    if ivf is not None:
        rng = np.random.default_rng(seed)
        train = vectors if n <= TRAIN_PER_CELL * ivf.nlist else vectors[np.sort(rng.choice(n, TRAIN_PER_CELL * ivf.nlist, replace=False))]
        index.train(train)
    if n:
        index.add(vectors)
    if ivf is not None:
        ivf.make_direct_map()  # rows can be read back (exact search over a few allowed rows)
    params = VectorParams(kind=kind, nlist=ivf.nlist if ivf is not None else 0)
    if kind != "flat":
        params = tune(index, vectors, RECALL_TARGET if recall_target is None else recall_target, seed, params)
    configure(index, params)
    return index, params


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a[a >= 0]) & set(b)) / len(b) for a, b in zip(found, truth)]))


def sample_goal(target: float) -> float:
    """The recall held-out corpus vectors must reach so that questions reach ``target``."""
    return 1.0 - (1.0 - target) / QUESTION_MISS_RATIO


def tune(index, vectors: np.ndarray, target: float, seed: int = 0, params: VectorParams | None = None,
         queries: int = TUNE_QUERIES, k: int = TUNE_K) -> VectorParams:
    """The smallest depth on the ladder whose recall@k reaches ``sample_goal(target)``.

    Queries are ``queries`` of the corpus's own vectors drawn at random and held out: each one's
    own row is dropped from both the exact top k (brute force over ``vectors``) and the index's
    answer, as if it were a new text near the corpus. When no depth reaches the goal (the ladder
    ends, or recall levels off: ``PLATEAU``), the last depth tried is kept and a warning logged
    (the recall recorded says by how much it falls short)."""
    params = params or VectorParams(kind=kind_of(index))
    n = len(vectors)
    if n <= k + 1:
        return _with_depth(params, index, 1, 1.0, target, 0)
    rng = np.random.default_rng(seed + 1)
    rows = np.sort(rng.choice(n, min(queries, n), replace=False))
    q = vectors[rows]
    truth = _exact_top(vectors, q, k + 1, rows)[:, :k]
    ladder = [d for d in (NPROBE_LADDER if params.kind.startswith("ivf") else EF_LADDER)
              if not params.kind.startswith("ivf") or d <= params.nlist]
    if params.kind.startswith("ivf") and params.nlist not in ladder:
        ladder.append(params.nlist)
    goal = sample_goal(target)
    best, seen = None, []
    for depth in ladder:
        _set_depth(index, params.kind, depth)
        _, found = index.search(q, k + 1)
        found = np.array([[i for i in row if i != r][:k] for row, r in zip(found, rows)])
        recall = _recall(found, truth)
        seen.append(recall)
        best = (depth, recall)
        if recall >= goal - 1e-9 or (len(seen) >= 3 and seen[-1] - seen[-3] < PLATEAU):
            break
    depth, recall = best
    if params.kind == "hnsw" and HNSW_DEPTH_FACTOR > 1:
        depth = min(max(EF_LADDER), depth * HNSW_DEPTH_FACTOR)
        _set_depth(index, "hnsw", depth)
        _, found = index.search(q, k + 1)
        recall = _recall(np.array([[i for i in row if i != r][:k] for row, r in zip(found, rows)]), truth)
    if recall < goal - 1e-9:
        log.warning("%s index: recall@%d %.3f < %.4f (for a target of %.2f) even at depth %d", params.kind, k, recall,
                    goal, target, depth)
    return _with_depth(params, index, depth, recall, target, len(rows))


def _exact_top(vectors: np.ndarray, q: np.ndarray, k: int, rows: np.ndarray, chunk: int = 65_536) -> np.ndarray:
    """Exact top-k rows for each query by brute force in chunks (each query's own row excluded)."""
    best_s = np.full((len(q), k), -np.inf, dtype=np.float32)
    best_i = np.full((len(q), k), -1, dtype=np.int64)
    for start in range(0, len(vectors), chunk):
        s = q @ vectors[start:start + chunk].T
        own = (rows >= start) & (rows < start + chunk)
        s[np.flatnonzero(own), rows[own] - start] = -np.inf
        kk = min(k, s.shape[1])
        part = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        cand_s = np.concatenate([best_s, np.take_along_axis(s, part, 1)], axis=1)
        cand_i = np.concatenate([best_i, part + start], axis=1)
        order = np.argsort(-cand_s, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(cand_s, order, 1), np.take_along_axis(cand_i, order, 1)
    return best_i


def _with_depth(params: VectorParams, index, depth: int, recall: float, target: float, sample: int) -> VectorParams:
    goal = round(sample_goal(target), 4)
    if params.kind.startswith("ivf"):
        return VectorParams(params.kind, params.nlist, depth, 0, target, round(recall, 4), sample, goal)
    return VectorParams(params.kind, 0, 0, depth, target, round(recall, 4), sample, goal)


def _set_depth(index, kind: str, depth: int) -> None:
    if kind == "hnsw":
        index.hnsw.efSearch = int(depth)
    elif kind.startswith("ivf"):
        _ivf(index).nprobe = int(depth)


def configure(index, params: VectorParams | None) -> None:
    """Apply recorded search parameters to a loaded index (nothing for exact search, or for an
    index from before they were recorded: it keeps what its file holds)."""
    if params is None:
        return
    if params.kind == "hnsw" and params.ef_search > 0 and kind_of(index) == "hnsw":
        index.hnsw.efSearch = params.ef_search
    ivf = _ivf(index)
    if ivf is not None:
        if params.nprobe > 0:
            ivf.nprobe = min(params.nprobe, ivf.nlist)
        if ivf.direct_map.type == 0:  # NoMap: made again on load (FAISS may not store it)
            ivf.make_direct_map()


def search(index, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    """Rows of the ``k`` passages nearest to ``qvec``, best first; only rows where the boolean
    mask ``allowed`` is True when it is given (an ID selector, so ``k`` stays exact, with the
    depth widened by the share of rows allowed; see the module's docstring)."""
    k = min(index.ntotal, int(k))
    if k <= 0:
        return []
    qvec = np.ascontiguousarray(qvec, dtype=np.float32)
    if allowed is None:
        _, idx = index.search(qvec[None, :], k)
        return [int(i) for i in idx[0] if i >= 0]
    allowed = np.asarray(allowed, dtype=bool)
    count = int(allowed.sum())
    if count == 0:
        return []
    k = min(k, count)
    kind = kind_of(index)
    if kind == "hnsw" and count <= HNSW_EXACT_ROWS:
        return _exact_over(index, qvec, np.flatnonzero(allowed), k)
    return _filtered(index, kind, qvec, k, allowed, count)


def _exact_over(index, qvec: np.ndarray, rows: np.ndarray, k: int) -> list[int]:
    """Exhaustive search over the given rows (their vectors read back from the index)."""
    vecs = index.reconstruct_batch(rows.astype("int64"))
    sims = vecs @ qvec
    top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
    top = top[np.argsort(-sims[top], kind="stable")]
    return [int(rows[i]) for i in top]


def _filtered(index, kind: str, qvec: np.ndarray, k: int, allowed: np.ndarray, count: int) -> list[int]:
    import faiss

    bits = np.packbits(allowed, bitorder="little")
    sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
    share = count / max(1, index.ntotal)
    if kind.startswith("ivf"):
        ivf = _ivf(index)
        params = faiss.SearchParametersIVF(sel=sel, nprobe=min(ivf.nlist, math.ceil(ivf.nprobe / share)))
    elif kind == "hnsw":
        ef = min(max(EF_LADDER), math.ceil(max(index.hnsw.efSearch, k) / share))
        params = faiss.SearchParametersHNSW(sel=sel, efSearch=ef)
    else:
        params = faiss.SearchParameters(sel=sel)
    _, idx = index.search(qvec[None, :], k, params=params)
    del bits  # kept alive until FAISS has read it
    return [int(i) for i in idx[0] if i >= 0]
