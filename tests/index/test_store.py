"""The on-disk index: save, load, self-description, atomic writes, refusing what does not match.

All with the fake embedder (model id "fake"): no model is loaded here.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import Engine, IndexProblem
from qa.index import store
from qa.index import update_index
from qa.ingest import INGEST_VERSION, load_document

QUESTION = "Who voiced disagreement directly to the Russian president?"


def live(settings) -> Path:
    folder = store.live_version(settings.index_dir)
    assert folder is not None
    return folder


def edit_manifest(settings, **changes):
    path = live(settings) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key == "model_id":
            manifest["model"]["id"] = value
        elif key == "weights":
            manifest["model"]["weights_sha256"] = value
        else:
            manifest[key] = value
    path.write_text(json.dumps(manifest), encoding="utf-8")


def verbatim(engine, answer):
    for h in answer.passages:
        assert engine.document(h.doc_id).text[h.start:h.end] == h.text


@pytest.fixture
def built(fake_settings, fake_embedder):
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    return engine


# -- save and load -----------------------------------------------------------------------------------


def test_build_writes_a_self_describing_index(built, fake_settings, corpus_copy):
    folder = live(fake_settings)
    assert (fake_settings.index_dir / store.CURRENT).read_text(encoding="utf-8").strip() == folder.name
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["format_version"] == store.FORMAT_VERSION
    assert m["ingest_version"] == INGEST_VERSION
    assert m["model"] == {"id": "fake", "weights_sha256": "fake", "dimension": 64, "encoder": "fake"}
    assert m["index_kind"] == "flat"
    files = sorted(corpus_copy.glob("*.txt"))
    assert [d["sha256"] for d in m["documents"]] == [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    assert m["counts"]["documents"] == 2
    assert m["counts"]["passages"] == sum(len(d.passages) for d in built.documents)
    assert m["counts"]["sentences"] == sum(len(p.sentences) for d in built.documents for p in d.passages)


def test_load_gives_back_what_was_built(built, fake_settings, corpus_copy):
    version = store.read_version(live(fake_settings))
    manifest, docs = version.manifest, version.table.documents
    pvecs, svecs, index, bm25 = version.table.passage_vecs, version.table.sentence_vecs, version.vectors, version.lexical
    meta = json.loads((corpus_copy / "metadata.json").read_text(encoding="utf-8"))
    for d in docs:
        fresh = load_document(Path(d.path), meta[Path(d.path).name])
        assert d.text == fresh.text == Path(d.path).read_text(encoding="utf-8")
        assert d.blocks == fresh.blocks
        assert (d.title, d.source, d.sha256) == (fresh.title, fresh.source, fresh.sha256)
    n = sum(len(d.passages) for d in docs)
    assert pvecs.shape == (n, 64) and pvecs.dtype == np.float32
    assert svecs.shape == (manifest.counts.sentences, 64)
    assert index.ntotal == n and bm25.n_docs == n


def test_loaded_index_answers_with_verbatim_passages(built, fake_settings, fake_embedder):
    again = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    ans = again.ask(QUESTION, top_k=3)
    assert len(ans.passages) == 3
    verbatim(again, ans)
    assert [h.text for h in ans.passages] == [h.text for h in built.ask(QUESTION, top_k=3).passages]


def test_vectors_are_mapped_from_the_files_read_only_and_outlive_a_removed_version(built, fake_settings, fake_embedder):
    """Opening an index maps passages.npy and sentences.npy instead of reading them whole (at 1M
    passages they are gigabytes); nothing writes into them, and an engine keeps answering after a
    later index update removed the version it mapped."""
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    folder = engine.version.folder
    for vecs, name in ((engine.version.table.passage_vecs, "passages.npy"),
                       (engine.version.table.sentence_vecs, "sentences.npy")):
        mapped = vecs if isinstance(vecs, np.memmap) else vecs.base
        assert isinstance(mapped, np.memmap) and Path(mapped.filename) == (folder / name).resolve()
        assert not vecs.flags.writeable
        assert np.array_equal(vecs, np.load(folder / name))
    before = [h.text for h in engine.ask(QUESTION, top_k=3).passages]
    shutil.rmtree(folder)  # what a later `qa index` does to a version nobody reads
    assert [h.text for h in engine.ask(QUESTION, top_k=3).passages] == before


def test_no_pickles_anywhere(built, fake_settings):
    folder = live(fake_settings)
    arrays = [p for p in folder.rglob("*") if p.suffix in (".npy", ".npz")]
    assert {p.name for p in arrays} >= {"passages.npy", "sentences.npy"}
    for p in arrays:
        loaded = np.load(p, allow_pickle=False)  # raises on any pickled object array
        if isinstance(loaded, np.lib.npyio.NpzFile):
            for k in loaded.files:
                assert loaded[k].dtype != object
        else:
            assert loaded.dtype != object
    assert not [p for p in fake_settings.index_dir.rglob("*") if p.suffix in (".pkl", ".pickle", ".joblib")]
    for p in folder.rglob("*.json"):
        json.loads(p.read_text(encoding="utf-8"))
    for p in folder.rglob("*.jsonl"):
        for line in p.read_text(encoding="utf-8").splitlines():
            json.loads(line)


def test_crlf_document_survives_save_and_load(fake_settings, fake_embedder, corpus_copy):
    f = corpus_copy / "crlf.txt"
    f.write_bytes("Windows title\r\n\r\nFirst paragraph, written on Windows.\r\nSecond line.\r\n\r\n"
                  "Another paragraph about lighthouses.\r\n".encode("utf-8"))
    Engine.open(fake_settings, embedder=fake_embedder)
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    doc = engine.document("crlf")
    original = f.read_bytes().decode("utf-8")
    assert doc.text == original
    for p in doc.passages:
        assert original[p.start:p.end] == p.text
    ans = engine.ask("lighthouses paragraph written on Windows", top_k=5, doc_ids=["crlf"])
    for h in ans.passages:
        assert original[h.start:h.end] == h.text


# -- crash while writing ------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["documents", "vectors", "search", "rename"])
def test_crash_while_writing_leaves_the_previous_index_usable(built, fake_settings, fake_embedder, corpus_copy, step):
    before = live(fake_settings)
    new = corpus_copy / "new.txt"
    new.write_text("A new title\n\nA new paragraph about lighthouse keepers and their lamps.\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="simulated crash"):
        update_index(fake_settings, fake_embedder, _fail_after=step)
    assert live(fake_settings) == before
    docs = store.read_version(before).table.documents
    assert sorted(d.doc_id for d in docs) == sorted(d.doc_id for d in built.documents)
    # with the corpus as it was, the old index loads as is and answers
    new.unlink()
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    ans = engine.ask(QUESTION)
    assert ans.passages
    verbatim(engine, ans)
    # and the next complete update succeeds and clears the crash's leftovers
    new.write_text("A new title\n\nA new paragraph about lighthouse keepers and their lamps.\n", encoding="utf-8")
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    assert "new" in [d.doc_id for d in engine.documents]
    leftovers = [p.name for p in fake_settings.index_dir.iterdir() if p.name.startswith((".tmp-", "v-"))]
    assert leftovers == [live(fake_settings).name]


# -- refusing what does not match ----------------------------------------------------------------------


@pytest.mark.parametrize("changes, why", [
    ({"model_id": "sentence-transformers/other-model"}, "model"),
    ({"weights": "0" * 64}, "weights"),
    ({"format_version": store.FORMAT_VERSION + 1}, "format"),
    ({"format_version": 0}, "format"),
    ({"ingest_version": INGEST_VERSION - 1}, "reader"),
])
def test_mismatched_manifest_is_refused_then_rebuilt(built, fake_settings, fake_embedder, changes, why):
    edit_manifest(fake_settings, **changes)
    with pytest.raises(IndexProblem) as err:
        Engine.open(fake_settings, embedder=fake_embedder, build=False)
    msg = str(err.value)
    assert why in msg and "python -m qa index" in msg and "\n" not in msg
    encoded, folder = fake_embedder.encoded, live(fake_settings)
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=True)
    assert live(fake_settings) != folder, "a mismatched index is rewritten"
    if why in ("model", "weights"):
        assert fake_embedder.encoded > encoded, "vectors of another model are never reused"
    assert engine.manifest.format_version == store.FORMAT_VERSION
    assert engine.manifest.ingest_version == INGEST_VERSION
    assert engine.manifest.model.id == "fake"
    verbatim(engine, engine.ask(QUESTION))
    Engine.open(fake_settings, embedder=fake_embedder, build=False)  # now accepted as is


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def garbage(path: Path) -> None:
    path.write_bytes(b"\x00garbage\xff" * 3)


CORRUPTIONS = {
    "passages.npy truncated": lambda f: truncate(f / "passages.npy"),
    "sentences.npy truncated": lambda f: truncate(f / "sentences.npy"),
    "vectors.faiss garbage": lambda f: garbage(f / "vectors.faiss"),
    "documents.jsonl truncated": lambda f: truncate(f / "documents.jsonl"),
    "bm25 part missing": lambda f: (f / "bm25" / "vocab.index.json").unlink(),
    "text missing": lambda f: next((f / "texts").iterdir()).unlink(),
    "manifest garbage": lambda f: garbage(f / "manifest.json"),
    "fewer passage vectors": lambda f: np.save(f / "passages.npy", np.load(f / "passages.npy")[:-1]),
    "fewer sentence vectors": lambda f: np.save(f / "sentences.npy", np.load(f / "sentences.npy")[:-2]),
    "vectors of another dimension": lambda f: np.save(f / "passages.npy", np.load(f / "passages.npy")[:, :32].copy()),
    "text shorter than its spans": lambda f: truncate(next((f / "texts").iterdir())),
}


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS), ids=list(CORRUPTIONS))
def test_corrupt_part_is_refused_with_how_to_rebuild(built, fake_settings, corrupt):
    folder = live(fake_settings)
    CORRUPTIONS[corrupt](folder)
    with pytest.raises(IndexProblem) as err:
        store.read_version(folder)
    msg = str(err.value)
    assert "python -m qa index" in msg and "\n" not in msg


@pytest.mark.parametrize("corrupt", ["passages.npy truncated", "vectors.faiss garbage", "manifest garbage",
                                     "fewer sentence vectors"])
def test_corrupt_index_is_refused_without_build_and_recovered_with_build(built, fake_settings, fake_embedder, corrupt):
    CORRUPTIONS[corrupt](live(fake_settings))
    with pytest.raises(IndexProblem) as err:
        Engine.open(fake_settings, embedder=fake_embedder, build=False)
    assert "python -m qa index" in str(err.value)
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=True)
    ans = engine.ask(QUESTION)
    assert ans.passages
    verbatim(engine, ans)
    store.read_version(live(fake_settings))


def test_current_naming_a_missing_version_is_refused_then_rebuilt(built, fake_settings, fake_embedder):
    shutil.rmtree(live(fake_settings))
    with pytest.raises(IndexProblem) as err:
        Engine.open(fake_settings, embedder=fake_embedder, build=False)
    assert "python -m qa index" in str(err.value)
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=True)
    assert engine.ask(QUESTION).passages


def test_missing_index_is_refused_without_build(fake_settings, fake_embedder):
    with pytest.raises(IndexProblem) as err:
        Engine.open(fake_settings, embedder=fake_embedder, build=False)
    assert "python -m qa index" in str(err.value)
    assert not (fake_settings.index_dir / store.CURRENT).exists()
