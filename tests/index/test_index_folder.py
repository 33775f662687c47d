"""The index folder itself: a file, a path through a file, an unreadable or read-only folder, a
full disk. Each is one line (BadInput or IndexProblem), and a read-only folder holding a good
index still answers: only writing fails.

The tests run as root here, which file permissions do not bind: ``permissions_apply`` drops
root's overrides (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from this thread while it runs.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import BadInput, Engine, IndexProblem
from qa.index import store, update_index

QUESTION = "Who voiced disagreement directly to the Russian president?"
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


@contextlib.contextmanager
def permissions_apply():
    """File permissions bind the calling thread inside, even as root (see the module)."""
    if os.geteuid() != 0:
        yield
        return
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()  # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(header), data) != 0:
        pytest.skip("running as root and cannot read its capabilities")
    saved = data[0].effective
    data[0].effective &= ~(1 << CAP_DAC_OVERRIDE | 1 << CAP_DAC_READ_SEARCH)
    if libc.capset(ctypes.byref(header), data) != 0:
        pytest.skip("running as root and cannot drop its file permission overrides")
    try:
        yield
    finally:
        data[0].effective = saved
        libc.capset(ctypes.byref(header), data)


@contextlib.contextmanager
def mode(path, bits: int):
    """``path`` (and, for a folder, what it holds) with permission ``bits`` inside; restored after."""
    paths = [path, *path.rglob("*")] if bits & 0o400 else [path]
    saved = {p: p.stat().st_mode & 0o7777 for p in paths}
    for p in reversed(paths):
        p.chmod(bits if p.is_dir() or p == path else bits & 0o666)
    try:
        yield
    finally:
        for p, bits in saved.items():
            p.chmod(bits)


def one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.fixture
def built(fake_settings, fake_embedder):
    return Engine.open(fake_settings, embedder=fake_embedder)


def test_permissions_apply_inside_the_helper(tmp_path):
    (tmp_path / "closed").mkdir()
    with mode(tmp_path / "closed", 0o000), permissions_apply(), pytest.raises(PermissionError):
        os.listdir(tmp_path / "closed")


@pytest.mark.parametrize("where", ["a file", "under a file", "under /dev/null"])
def test_an_index_path_that_is_no_folder_is_one_line(where, fake_settings, fake_embedder, tmp_path):
    (tmp_path / "notes.txt").write_text("not a folder", encoding="utf-8")
    index = {"a file": tmp_path / "notes.txt", "under a file": tmp_path / "notes.txt" / "index",
             "under /dev/null": Path("/dev/null/index")}[where]
    settings = fake_settings.with_(index_dir=index)
    for build in (True, False):
        with pytest.raises(BadInput) as err:
            Engine.open(settings, embedder=fake_embedder, build=build)
        message = one_line(err)
        assert str(index) in message and "not a folder" in message and "--index" in message
    with pytest.raises(BadInput):
        update_index(settings, fake_embedder)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "not a folder"


def test_an_unreadable_index_folder_is_one_line(built, fake_settings, fake_embedder):
    with mode(fake_settings.index_dir, 0o000), permissions_apply():
        with pytest.raises(IndexProblem) as err:
            Engine.open(fake_settings, embedder=fake_embedder, build=False)
        assert "cannot be read" in one_line(err) and "permissions" in str(err.value)
        with pytest.raises(IndexProblem) as err:
            Engine.open(fake_settings, embedder=fake_embedder, build=True)
        assert "cannot be rebuilt" in one_line(err) and "write" in str(err.value)
    assert Engine.open(fake_settings, embedder=fake_embedder, build=False).ask(QUESTION).passages


def test_a_read_only_index_answers_and_only_writing_fails(built, fake_settings, fake_embedder, corpus_copy, caplog):
    folder = store.live_version(fake_settings.index_dir)
    with mode(fake_settings.index_dir, 0o555), permissions_apply():
        for build in (False, True):
            engine = Engine.open(fake_settings, embedder=fake_embedder, build=build)
            assert engine.ask(QUESTION).passages and engine.last_update is None
        # a new document: the update cannot be written, the index as it is still answers
        (corpus_copy / "new.txt").write_text("A new title\n\nLighthouse keepers and their lamps.\n", encoding="utf-8")
        with pytest.raises(store.IndexNotWritable) as err:
            update_index(fake_settings, fake_embedder)
        assert "cannot write the index" in one_line(err) and "a folder you can write to" in str(err.value)
        with caplog.at_level(logging.WARNING, logger="qa.engine"):
            engine = Engine.open(fake_settings, embedder=fake_embedder)
        assert "answering from the index as it is" in caplog.text
        assert "new" not in [d.doc_id for d in engine.documents] and engine.ask(QUESTION).passages
        with pytest.raises(IndexProblem) as err:
            Engine.open(fake_settings, embedder=fake_embedder, build=False)
        assert "corpus folder changed" in one_line(err)
    assert store.live_version(fake_settings.index_dir) == folder, "nothing was written"
    engine = Engine.open(fake_settings, embedder=fake_embedder)  # writable again: updated
    assert "new" in [d.doc_id for d in engine.documents]


def test_a_damaged_index_in_a_read_only_folder_says_what_and_why_not_rebuilt(built, fake_settings, fake_embedder):
    (store.live_version(fake_settings.index_dir) / "passages.npy").write_bytes(b"garbage")
    with mode(fake_settings.index_dir, 0o555), permissions_apply():
        with pytest.raises(IndexProblem) as err:
            Engine.open(fake_settings, embedder=fake_embedder)
    message = one_line(err)
    assert "index damaged" in message and "cannot be rebuilt" in message and "a folder you can write to" in message


def test_an_index_folder_that_cannot_be_made_is_one_line(fake_settings, fake_embedder, tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    settings = fake_settings.with_(index_dir=parent / "index")
    with mode(parent, 0o555), permissions_apply():
        with pytest.raises(IndexProblem) as err:
            Engine.open(settings, embedder=fake_embedder)
    message = one_line(err)
    assert "no index yet" in message and "cannot make the index folder" in message


def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("part", ["vectors", "FAISS"])
def test_a_full_disk_while_writing_keeps_the_previous_index(part, built, fake_settings, fake_embedder, corpus_copy,
                                                            monkeypatch):
    import faiss

    folder = store.live_version(fake_settings.index_dir)
    (corpus_copy / "new.txt").write_text("A new title\n\nLighthouse keepers and their lamps.\n", encoding="utf-8")
    if part == "vectors":
        monkeypatch.setattr(np, "save", disk_full)
    else:  # FAISS's own file writer would only print the error: it must reach us
        writer = faiss.PyCallbackIOWriter
        monkeypatch.setattr(faiss, "PyCallbackIOWriter", lambda write: writer(disk_full))
    with pytest.raises(store.IndexNotWritable) as err:
        update_index(fake_settings, fake_embedder)
    assert "free some disk space" in one_line(err) and "as it was" in str(err.value)
    assert store.live_version(fake_settings.index_dir) == folder
    assert [p.name for p in fake_settings.index_dir.iterdir() if p.name.startswith((".tmp-", "v-"))] == [folder.name]
    monkeypatch.undo()
    assert "new" in [d.doc_id for d in Engine.open(fake_settings, embedder=fake_embedder).documents]


def test_a_folder_named_lock_is_one_line(built, fake_settings, fake_embedder):
    lock = fake_settings.index_dir / ".lock"
    lock.unlink()
    lock.mkdir()
    with pytest.raises(store.IndexNotWritable) as err:
        update_index(fake_settings, fake_embedder)
    assert ".lock" in one_line(err)
    shutil.rmtree(lock)
