"""The vector index over passage vectors (FAISS, inner product = cosine on normalised vectors):
its kind by corpus size, building it, and searching it with an optional passage filter."""
from __future__ import annotations

import numpy as np

from ..config import APPROXIMATE_ABOVE
from ..errors import IndexProblem

KINDS = ("flat", "hnsw")


def choose_kind(setting: str, n_passages: int) -> str:
    """``setting`` as configured ("auto", "flat" or "hnsw"); "auto" is exact search up to
    APPROXIMATE_ABOVE passages and HNSW above."""
    if setting == "auto":
        return "hnsw" if n_passages > APPROXIMATE_ABOVE else "flat"
    return setting


def build(vectors: np.ndarray, kind: str):
    """An inner-product FAISS index of the given kind ("flat" exact, or "hnsw" approximate)."""
    import faiss

    dim = vectors.shape[1]
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
    elif kind == "flat":
        index = faiss.IndexFlatIP(dim)
    else:
        raise IndexProblem(f"unknown index kind {kind!r}; use {' or '.join(KINDS)}")
    if len(vectors):
        index.add(vectors)
    return index


def search(index, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    """Rows of the ``k`` passages nearest to ``qvec``, best first; only rows where the boolean
    mask ``allowed`` is True when it is given (FAISS's ID selector, so ``k`` stays exact)."""
    import faiss

    k = min(index.ntotal, int(k))
    if k <= 0:
        return []
    params = None
    if allowed is not None:
        ids = np.flatnonzero(allowed).astype("int64")
        if len(ids) == 0:
            return []
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))
        k = min(k, len(ids))
    _, idx = index.search(qvec[None, :], k, params=params)
    return [int(i) for i in idx[0] if i >= 0]
