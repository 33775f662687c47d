"""An index remembers the corpus folder it was built from: a later command on the same index that
names no folder searches that one, instead of rebuilding from the default folder."""
from __future__ import annotations

import shutil
from types import SimpleNamespace

from qa import Engine
from qa.index import remembered_corpus, update_index
from qa.serving import LazyEngine


def test_an_index_keeps_its_corpus_for_later_commands(fake_settings, fake_embedder, corpus_copy, tmp_path):
    mydocs = tmp_path / "mydocs"
    mydocs.mkdir()
    shutil.copy(next(corpus_copy.glob("000_*.txt")), mydocs / "only.txt")
    update_index(fake_settings.with_(corpus_dir=mydocs), fake_embedder)
    settings, note = remembered_corpus(fake_settings)  # fake_settings name corpus_copy
    assert settings.corpus_dir == mydocs.resolve()
    assert str(mydocs.resolve()) in note and "--corpus" in note
    engine = Engine.open(settings, embedder=fake_embedder)
    assert engine.last_update is None, "nothing rebuilt"
    assert [d.doc_id for d in engine.documents] == ["only"]


def test_nothing_remembered_without_an_index_or_when_the_folder_is_gone(fake_settings, fake_embedder, tmp_path):
    assert remembered_corpus(fake_settings) == (fake_settings, None)
    gone = tmp_path / "gone"
    shutil.copytree(fake_settings.corpus_dir, gone)
    update_index(fake_settings.with_(corpus_dir=gone), fake_embedder)
    shutil.rmtree(gone)
    assert remembered_corpus(fake_settings) == (fake_settings, None)


def test_the_app_uses_the_remembered_corpus_unless_one_is_set(fake_settings, fake_embedder, tmp_path, monkeypatch):
    mydocs = tmp_path / "mydocs"
    shutil.copytree(fake_settings.corpus_dir, mydocs)
    update_index(fake_settings.with_(corpus_dir=mydocs), fake_embedder)
    monkeypatch.setenv("QA_INDEX_DIR", str(fake_settings.index_dir))
    monkeypatch.delenv("QA_CORPUS_DIR", raising=False)
    opened = []
    monkeypatch.setattr(Engine, "open", classmethod(lambda cls, settings, **kw: opened.append(settings) or SimpleNamespace(documents=[])))
    LazyEngine().get()
    assert opened[-1].corpus_dir == mydocs.resolve()
    monkeypatch.setenv("QA_CORPUS_DIR", str(fake_settings.corpus_dir))
    LazyEngine().get()
    assert opened[-1].corpus_dir == fake_settings.corpus_dir
