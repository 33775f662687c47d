"""Removing a document can lose nothing (issue 19): the index is written first and the file deleted
after, only while it is still the file that was indexed; and an engine that stays open (the app)
takes up a version another process (the CLI) wrote before it acts on it. Real files, a real index
on disk, the fake embedder; a second Engine over the same folders stands in for the other process
(the disk is all they share)."""
from __future__ import annotations

import errno
import os
import pathlib
import stat

import pytest

from qa import BadInput, Engine
from qa.index import is_fresh, store, update_index
from qa.ingest.corpus import file_key
from qa.serving import LazyEngine

A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"
NOTES = "Notes\n\nThe old notes about the harbour cranes and the spring count of fishing boats at the quay.\n"
OTHER = "Notes\n\nUnrelated new notes: the recipe for fish soup that my grandmother wrote down in 1950.\n"


def on_disk(settings) -> set[str]:
    """The document ids of the live version on disk, read afresh."""
    return {d.doc_id for d in store.read_version(store.live_version(settings.index_dir)).table.documents}


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", "passages.npy")


def test_an_index_that_cannot_be_written_deletes_nothing(fake_settings, fake_embedder, corpus_copy, monkeypatch):
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    pointer = (fake_settings.index_dir / "CURRENT").read_bytes()
    monkeypatch.setattr(store, "_write_parts", full_disk)
    with pytest.raises(store.IndexNotWritable) as err:
        engine.remove(B)
    line = str(err.value)
    assert "\n" not in line and "cannot write the index" in line and "No space left" in line, line
    assert line.endswith(f"{B} not removed: its file and the index are as they were"), line
    assert (corpus_copy / f"{B}.txt").is_file(), "the file outlives a failed write"
    assert (fake_settings.index_dir / "CURRENT").read_bytes() == pointer and on_disk(fake_settings) == {A, B}
    assert {d.doc_id for d in engine.documents} == {A, B}


def test_the_file_is_deleted_only_once_a_version_without_it_is_live(fake_settings, fake_embedder, corpus_copy,
                                                                     monkeypatch):
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    path = corpus_copy / f"{B}.txt"
    seen = []
    write, unlink = store.write_version, pathlib.Path.unlink

    def watched_write(*args, **kwargs):
        seen.append(("write", path.exists()))
        return write(*args, **kwargs)

    def watched_unlink(self, *args, **kwargs):
        if self.name == path.name:
            seen.append(("unlink", on_disk(fake_settings)))
        return unlink(self, *args, **kwargs)

    monkeypatch.setattr(store, "write_version", watched_write)
    monkeypatch.setattr(pathlib.Path, "unlink", watched_unlink)
    report = engine.remove(B)
    assert report.removed == [B] and not path.exists()
    assert seen == [("write", True), ("unlink", {A})], "written (file still there), then deleted (index without it)"


def test_a_delete_that_fails_after_the_write_says_so_and_the_file_comes_back(fake_settings, fake_embedder,
                                                                             corpus_copy, monkeypatch):
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    unlink = pathlib.Path.unlink

    def refused(self, *args, **kwargs):
        if self.name == f"{B}.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return unlink(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "unlink", refused)
    with pytest.raises(BadInput) as err:
        engine.remove(B)
    line = str(err.value)
    assert "\n" not in line and line.startswith(f"{B}: removed from the index, but {B}.txt cannot be deleted "
                                                 "(Permission denied)") and "next update" in line, line
    assert (corpus_copy / f"{B}.txt").is_file() and on_disk(fake_settings) == {A}
    assert [d.doc_id for d in engine.documents] == [A], "the engine answers from what it wrote"
    monkeypatch.undo()
    assert B in Engine.open(fake_settings, embedder=fake_embedder).last_update.added, "the next update reads it"


def test_a_kill_between_the_write_and_the_delete_loses_nothing(fake_settings, fake_embedder, corpus_copy):
    """What SIGKILL right after the write leaves (``make crash`` kills real runs there): a version
    without the document, its file still in the folder. The index is usable, and the next update
    indexes the file again."""
    update_index(fake_settings, fake_embedder)
    report = update_index(fake_settings, fake_embedder, forget=frozenset({file_key(corpus_copy, corpus_copy / f"{B}.txt")}))
    assert report.removed == [B] and not report.kept and (corpus_copy / f"{B}.txt").is_file()
    manifest = store.read_manifest(store.live_version(fake_settings.index_dir))
    assert on_disk(fake_settings) == {A} and not is_fresh(manifest, fake_settings), "stale: the file is unindexed"
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    assert engine.last_update.added == [B] and {d.doc_id for d in engine.documents} == {A, B}


def test_a_file_edited_since_it_was_indexed_is_not_deleted(fake_settings, fake_embedder, corpus_copy):
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    path = corpus_copy / f"{B}.txt"
    path.write_text(OTHER, encoding="utf-8")
    pointer = (fake_settings.index_dir / "CURRENT").read_bytes()
    with pytest.raises(BadInput) as err:
        engine.remove(B)
    assert str(err.value) == (f"{B}: {B}.txt changed since it was indexed (or is another file); not deleting it; "
                              "run `qa index` to update")
    assert path.read_text(encoding="utf-8") == OTHER
    assert (fake_settings.index_dir / "CURRENT").read_bytes() == pointer, "nothing written either"
    assert {d.doc_id for d in engine.documents} == {A, B}


def test_a_file_that_cannot_be_read_is_not_deleted(fake_settings, fake_embedder, corpus_copy):
    """Not checked, not deleted: a pipe (tests run as root, so chmod 000 would not stop a read)."""
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    path = corpus_copy / f"{B}.txt"
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(BadInput) as err:
        engine.remove(B)
    assert "\n" not in str(err.value) and str(err.value).startswith(f"{B}: {B}.txt: is not a regular file")
    assert str(err.value).endswith("not deleting it") and stat.S_ISFIFO(path.lstat().st_mode)


def test_a_file_that_changes_during_the_removal_is_kept(fake_settings, fake_embedder, corpus_copy, monkeypatch):
    """Checked before the write and again just before the delete: an edit landing in between stays."""
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    path = corpus_copy / f"{B}.txt"
    write = store.write_version

    def write_then_edit(*args, **kwargs):
        out = write(*args, **kwargs)
        path.write_text(OTHER, encoding="utf-8")
        return out

    monkeypatch.setattr(store, "write_version", write_then_edit)
    with pytest.raises(BadInput, match=f"^{B}: removed from the index, but its file changed meanwhile"):
        engine.remove(B)
    assert path.read_text(encoding="utf-8") == OTHER
    monkeypatch.undo()
    assert Engine.open(fake_settings, embedder=fake_embedder).document(B).text.startswith("Notes")


@pytest.fixture
def with_notes(fake_settings, corpus_copy):
    (corpus_copy / "notes.txt").write_text(NOTES, encoding="utf-8")
    return fake_settings


def test_the_app_does_not_delete_a_file_that_took_a_removed_documents_name(with_notes, fake_embedder, corpus_copy):
    """Issue 19: the CLI removed `notes` and an unrelated notes.txt took its place; the app's
    Remove of `notes` must not delete it."""
    app = LazyEngine(with_notes)
    app._engine = Engine.open(with_notes, embedder=fake_embedder)
    assert "notes" in {d.doc_id for d in app.get().documents}
    Engine.open(with_notes, embedder=fake_embedder).remove("notes")  # the CLI
    (corpus_copy / "notes.txt").write_text(OTHER, encoding="utf-8")
    with pytest.raises(BadInput, match="unknown document id 'notes'"):
        app.get().remove("notes")
    assert (corpus_copy / "notes.txt").read_text(encoding="utf-8") == OTHER


def test_without_the_refresh_the_hash_still_keeps_the_other_file(with_notes, fake_embedder, corpus_copy, monkeypatch):
    """The two guards hold each on its own: an engine that did not take up the CLI's version still
    compares the file with the indexed sha256 before deleting it."""
    app = Engine.open(with_notes, embedder=fake_embedder)
    monkeypatch.setattr(app, "_sync", lambda: False)
    Engine.open(with_notes, embedder=fake_embedder).remove("notes")
    (corpus_copy / "notes.txt").write_text(OTHER, encoding="utf-8")
    with pytest.raises(BadInput, match="notes.txt changed since it was indexed .or is another file.; not deleting"):
        app.remove("notes")
    assert (corpus_copy / "notes.txt").read_text(encoding="utf-8") == OTHER


def test_an_open_engine_takes_up_a_version_another_process_wrote(fake_settings, fake_embedder, corpus_copy):
    app = LazyEngine(fake_settings)
    app._engine = engine = Engine.open(fake_settings, embedder=fake_embedder)
    assert not engine.sync(), "nothing changed: nothing loaded"
    Engine.open(fake_settings, embedder=fake_embedder).remove(B)  # another process
    assert {d.doc_id for d in engine.documents} == {A, B}, "not before it is asked"
    assert app.get() is engine and [d.doc_id for d in engine.documents] == [A]
    assert {h.doc_id for h in engine.ask("mobilisation exemptions", top_k=10).passages} == {A}
    assert not engine.sync()


def test_a_damaged_version_from_another_process_leaves_the_loaded_one_answering(fake_settings, fake_embedder):
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    (fake_settings.index_dir / "CURRENT").write_text("v-gone", encoding="utf-8")
    assert not engine.sync()
    assert {d.doc_id for d in engine.documents} == {A, B} and engine.ask("mobilisation").passages


def test_checking_for_another_version_costs_a_stat(fake_settings, fake_embedder, monkeypatch):
    """Every request of the app calls ``sync``: while CURRENT is untouched it is one stat, and
    CURRENT is not even read."""
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    calls = []
    monkeypatch.setattr(store, "live_version", lambda *a: calls.append(a))
    for _ in range(100):
        assert not engine.sync()
    assert calls == []
