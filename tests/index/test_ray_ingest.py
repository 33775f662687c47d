"""The Ray engine writes the index version the local path writes: same manifest (but its
creation time), same documents and passage ids, same BM25 and texts, vectors within 1e-5; and
an update after a change embeds the same new texts as the local path does."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa import BadInput, Settings
from qa.index import store, update_index
from qa.models.encoders import embedder_for

from ..conftest import CORPUS, ROOT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")  # Ray Data's own settings

EXTRA = {
    "lighthouses.md": "# Lighthouse keepers\n\nThe last keeper on the north coast retired in 1987. He kept the light "
                      "for years.\n\nKeepers worked in pairs and rotated every six weeks. Supplies came by boat.\n",
    "lighthouses.txt": "Lighthouses, again\n\nA second file whose name clashes with the Markdown one: its id gets -2."
                       "\n\nKeepers worked in pairs and rotated every six weeks. Supplies came by boat.\n",
    "bees.txt": "Bees in winter\n\nHoney bees form a cluster in winter. The queen stays at its centre.\n\n"
                "Workers shiver their flight muscles to make heat. The cluster moves slowly over the comb.\n",
    "binary.txt": "not text \x00\x00\x00 at all",  # refused by both engines, with the same reason
}


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    for name, text in EXTRA.items():
        (folder / name).write_text(text, encoding="utf-8")
    # a name that is not UTF-8 (Latin-1 "café"): Python holds it with a lone surrogate
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("Cafes\n\nA cafe serves coffee. Tea too.\n", encoding="utf-8")
    # "added" given for every file: otherwise it is the time each engine read the file
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    for name in (p.name for p in folder.iterdir() if p.name != "metadata.json"):
        meta.setdefault(name, {})["added"] = "2026-01-01T00:00:00+00:00"
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def _version(index_dir: Path) -> Path:
    return store.live_version(index_dir)


def _assert_same_index(local: Path, ray: Path) -> None:
    a, b = _version(local), _version(ray)
    ma, mb = (json.loads((v / "manifest.json").read_text(encoding="utf-8")) for v in (a, b))
    ma.pop("created"), mb.pop("created")
    assert ma == mb
    assert (a / "documents.jsonl").read_bytes() == (b / "documents.jsonl").read_bytes()
    for part in sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file()):
        if part.suffix not in (".npy", ".faiss") and part.name not in ("manifest.json",):
            assert (a / part).read_bytes() == (b / part).read_bytes(), part  # texts/, BM25 parts
    va, vb = store.read_version(a), store.read_version(b)
    assert [p.passage_id for p in va.table.passages] == [p.passage_id for p in vb.table.passages]
    assert [(p.start, p.end, p.sentences) for p in va.table.passages] == \
           [(p.start, p.end, p.sentences) for p in vb.table.passages]
    for x, y in ((va.table.passage_vecs, vb.table.passage_vecs), (va.table.sentence_vecs, vb.table.sentence_vecs)):
        assert x.shape == y.shape and x.dtype == y.dtype == np.float32
        assert np.abs(x - y).max() <= 1e-5


def _summary(report) -> tuple:
    return (report.documents, report.passages, report.embedded_passages, report.embedded_sentences,
            sorted(report.added), sorted(report.changed), sorted(report.removed), report.skipped, report.notes,
            report.unchanged)


def test_ray_and_local_write_the_same_index(ray_cluster, corpus, tmp_path):
    from qa.index.ray_ingest import RayEngine

    local = Settings(corpus_dir=corpus, index_dir=tmp_path / "local")
    ray = local.with_(index_dir=tmp_path / "ray")
    embedder = embedder_for(local)
    engine = RayEngine(batch_size=16, concurrency=2)  # several batches per actor
    first_local = update_index(local, embedder)
    first_ray = update_index(ray, embedder, engine=engine)
    assert _summary(first_local) == _summary(first_ray)
    assert {"lighthouses-2", "caf"} <= set(first_ray.added) and any("binary.txt" in s for s in first_ray.skipped)
    _assert_same_index(local.index_dir, ray.index_dir)

    # an update: one file changed, one added, one removed; only their new texts are embedded
    (corpus / "bees.txt").write_text(EXTRA["bees.txt"].replace("centre", "center, kept warm"), encoding="utf-8")
    (corpus / "wasps.txt").write_text("Wasps\n\nWasp colonies die out in autumn. Only new queens survive "
                                      "the winter.\n", encoding="utf-8")
    (corpus / "lighthouses.txt").unlink()
    meta = json.loads((corpus / "metadata.json").read_text(encoding="utf-8"))
    meta["wasps.txt"] = {"added": "2026-01-02T00:00:00+00:00"}
    (corpus / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    second_local = update_index(local, embedder, forget=frozenset({str(corpus / "lighthouses.txt")}))
    second_ray = update_index(ray, embedder, engine="ray", forget=frozenset({str(corpus / "lighthouses.txt")}))
    assert _summary(second_local) == _summary(second_ray)
    assert 0 < second_ray.embedded_passages < second_ray.passages  # the unchanged ones were reused
    _assert_same_index(local.index_dir, ray.index_dir)


def test_without_ray_the_error_names_the_install_line(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", model="fake")
    with pytest.raises(BadInput, match=r"pip install -r requirements-ray\.txt"):
        update_index(settings, None, engine="ray")
    assert not (tmp_path / "index").exists()
    from qa.cli import main

    assert main(["--corpus", str(CORPUS), "--index", str(tmp_path / "index"), "index", "--engine", "ray"]) == 2


def test_engine_options_are_checked(tmp_path):
    from qa.index.ray_ingest import RayEngine

    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", model="fake")
    with pytest.raises(BadInput, match="unknown indexing engine"):
        update_index(settings, None, engine="spark")
    for bad in ({"batch_size": 0}, {"concurrency": -1}, {"concurrency": 1.5}):
        with pytest.raises(BadInput, match=">= 1"):
            RayEngine(**bad)
    from qa.cli import main

    assert main(["--corpus", str(CORPUS), "--index", str(tmp_path / "index"), "index", "--ray-concurrency", "2"]) == 2


def test_env_defaults(monkeypatch):
    from qa.index.ray_ingest import RayEngine

    monkeypatch.setenv("QA_RAY_BATCH_SIZE", "64")
    monkeypatch.setenv("QA_RAY_CONCURRENCY", "3")
    assert RayEngine() == RayEngine(batch_size=64, concurrency=3)
    monkeypatch.setenv("QA_RAY_CONCURRENCY", "many")
    with pytest.raises(BadInput, match="QA_RAY_CONCURRENCY"):
        RayEngine()


def test_the_library_imports_without_ray():
    code = ("import sys, qa, qa.index, qa.index.build, qa.index.ray_ingest, qa.cli.index; "
            "assert 'ray' not in sys.modules, 'ray imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
