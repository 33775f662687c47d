"""The vector index: its kind by size, its depth tuned to a recall target at build time, the
parameters through the manifest and back, and filters on every kind (checked against exact
search, as faiss's own tests check against IndexFlat)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from qa.config import APPROXIMATE_ABOVE, Settings
from qa.index import store, vectors
from qa.index.manifest import Manifest
from qa.index.vectors import VectorParams

DIM = 32


def clustered(n: int, seed: int = 0, centres: int = 200, spread: float = 0.35) -> np.ndarray:
    """Unit vectors around random centres (real embeddings cluster; uniform ones are the worst case)."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, DIM)).astype(np.float32)
    v = c[rng.integers(0, centres, n)] / np.sqrt(DIM) * 3 + spread * rng.standard_normal((n, DIM)).astype(np.float32) / np.sqrt(DIM) * 3
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """FAISS on one OpenMP thread, as the product runs (QA_THREADS=1): two spinning threads on a
    busy 2-core machine make builds several times slower."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


@pytest.fixture(scope="module")
def corpus() -> np.ndarray:
    return clustered(20_000)


_BUILT: dict = {}


def built(corpus: np.ndarray, kind: str):
    """Each kind built once per session over the 20K corpus (ivf-pq over its first 5K: slower to train)."""
    if kind not in _BUILT:
        vecs = corpus[:5_000] if kind == "ivf-pq" else corpus
        _BUILT[kind] = (vecs, *vectors.build_tuned(vecs, kind, 0.95))
    return _BUILT[kind]


def exact(vecs: np.ndarray, q: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    s = vecs @ q
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    return [int(i) for i in np.argsort(-s, kind="stable")[:k] if np.isfinite(s[i])]


def recall(index, vecs, queries, allowed=None, k: int = 10) -> float:
    got = [len(set(vectors.search(index, q, k, allowed)) & set(exact(vecs, q, k, allowed))) / k for q in queries]
    return float(np.mean(got))


def test_kind_by_size_and_setting():
    assert vectors.choose_kind("auto", 10) == "flat"
    assert vectors.choose_kind("auto", APPROXIMATE_ABOVE) == "flat"
    assert vectors.choose_kind("auto", APPROXIMATE_ABOVE + 1) == "ivf-sq8"
    for kind in vectors.KINDS:
        assert vectors.choose_kind(kind, 5) == kind
    with pytest.raises(Exception, match="unknown index kind"):
        vectors.choose_kind("annoy", 5)


def test_cells_grow_with_the_corpus_and_stay_trainable():
    assert vectors.nlist_for(1_000_000) == 2048
    assert vectors.nlist_for(20_000) == 256
    assert vectors.nlist_for(100) == 1
    assert all(vectors.nlist_for(n) * vectors.TRAIN_PER_CELL <= max(n, 64) for n in (100, 5_000, 20_000, 10**6))


def test_recall_target_setting(monkeypatch):
    monkeypatch.setenv("QA_RECALL_TARGET", "0.9")
    assert Settings().recall_target == 0.9
    monkeypatch.setenv("QA_RECALL_TARGET", "7")
    assert Settings().recall_target == 0.95


@pytest.mark.parametrize("kind", ["ivf-sq8", "hnsw"])
def test_tuning_reaches_the_target_with_the_smallest_depth(corpus, kind):
    _, index, params = built(corpus, kind)
    assert params.kind == kind and params.target == 0.95 and params.sample == vectors.TUNE_QUERIES
    assert params.recall >= 0.95
    depth = params.nprobe if kind == "ivf-sq8" else params.ef_search // vectors.HNSW_DEPTH_FACTOR
    ladder = vectors.NPROBE_LADDER if kind == "ivf-sq8" else vectors.EF_LADDER
    assert depth in ladder
    # fresh queries near the corpus (not the tuning sample) reach the target too
    rng = np.random.default_rng(7)
    q = corpus[rng.integers(0, len(corpus), 100)] + 0.05 * rng.standard_normal((100, DIM)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    assert recall(index, corpus, q) >= 0.93
    if depth != ladder[0]:  # one step shallower misses the target on the same sample
        smaller = ladder[ladder.index(depth) - 1]
        again = vectors.tune(index, corpus, 0.95, params=VectorParams(kind, params.nlist))
        assert again == params
        vectors._set_depth(index, kind, smaller)
        assert vectors.tune(index, corpus, 0.0, params=VectorParams(kind, params.nlist)).recall <= params.recall
        vectors.configure(index, params)


def test_an_unreachable_target_keeps_the_deepest_setting_and_says_so(corpus, caplog):
    _, params = vectors.build_tuned(corpus[:2_000], "ivf-pq", 0.9999)
    assert params.recall < 0.9999 and params.nprobe in vectors.NPROBE_LADDER + (params.nlist,)
    assert "target" in caplog.text


def test_flat_needs_no_tuning(corpus):
    _, params = vectors.build_tuned(corpus[:100], "flat", 0.95)
    assert params == VectorParams("flat")


@pytest.mark.parametrize("kind", vectors.KINDS)
def test_filters_return_only_allowed_rows_with_the_recall_target(corpus, kind):
    corpus, index, params = built(corpus, kind)
    rng = np.random.default_rng(3)
    queries = corpus[rng.integers(0, len(corpus), 40)]
    doc = np.zeros(len(corpus), dtype=bool)
    doc[1_000:1_500] = True  # one "document": 500 consecutive passages
    wide = rng.random(len(corpus)) < 0.3  # a filter allowing 30% of the rows
    floor = 0.95 if kind != "ivf-pq" else params.recall - 0.05  # ivf-pq's codes cap its recall
    for allowed in (doc, wide):
        for q in queries:
            rows = vectors.search(index, q, 10, allowed)
            assert len(rows) == 10 and all(allowed[r] for r in rows)
        assert recall(index, corpus, queries, allowed) >= floor, (kind, int(allowed.sum()))
    assert vectors.search(index, queries[0], 10, np.zeros(len(corpus), dtype=bool)) == []
    few = np.zeros(len(corpus), dtype=bool)
    few[[3, 99, 4_321]] = True
    assert sorted(vectors.search(index, queries[0], 10, few)) == [3, 99, 4_321]


def test_parameters_go_through_the_manifest_and_are_applied_at_load(corpus, tmp_path):
    index, params = vectors.build_tuned(corpus[:5_000], "ivf-sq8", 0.95)
    assert params.nlist == vectors.nlist_for(5_000)
    data = json.loads(json.dumps(Manifest(1, 1, Manifest.from_json({}).model, "ivf-sq8", "",
                                          vector_index=params.to_json()).to_json()))
    back = Manifest.from_json(data)
    assert VectorParams.from_json(back.vector_index) == params
    import faiss

    faiss.write_index(index, str(tmp_path / "v.faiss"))
    loaded = faiss.read_index(str(tmp_path / "v.faiss"))
    faiss.extract_index_ivf(loaded).nprobe = 1
    vectors.configure(loaded, params)
    assert faiss.extract_index_ivf(loaded).nprobe == params.nprobe
    assert vectors.search(loaded, corpus[0], 10, np.arange(5_000) < 50)  # direct map made again for filters


def test_old_manifests_read_leniently_and_damage_is_refused():
    old = Manifest.from_json({"format_version": 1, "index_kind": "hnsw"})
    assert old.vector_index == {}
    assert VectorParams.from_json({"kind": "hnsw", "ef_search": 96, "later_key": 1}) == VectorParams("hnsw", ef_search=96)
    with pytest.raises(Exception, match="manifest damaged"):
        Manifest.from_json({"vector_index": {"nprobe": "many"}})
    with pytest.raises(Exception, match="manifest damaged"):
        Manifest.from_json({"vector_index": []})


def test_index_built_by_the_library_records_its_parameters(fake_settings, fake_embedder):
    from qa import Engine

    Engine.open(fake_settings.with_(index_kind="ivf-sq8"), embedder=fake_embedder)
    folder = store.live_version(fake_settings.index_dir)
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["index_kind"] == "ivf-sq8" and m["vector_index"]["kind"] == "ivf-sq8"
    assert m["vector_index"]["target"] == fake_settings.recall_target and m["vector_index"]["nprobe"] >= 1
    version = store.read_version(folder)
    assert vectors.kind_of(version.vectors) == "ivf-sq8"
