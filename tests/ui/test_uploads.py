"""Uploaded files leave Gradio's cache once handled, or once stale; nothing outside that cache is ever deleted."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from qa.config import PROJECT_ROOT
from tests.conftest import ROOT
from ui.documents import discard_upload
from ui.server import UPLOAD_MAX_AGE_S, sweep_uploads


def test_an_upload_is_deleted_from_the_cache_with_its_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "cache"))
    upload = tmp_path / "cache" / "3f2a" / "notes.txt"
    upload.parent.mkdir(parents=True)
    upload.write_text("x", encoding="utf-8")
    discard_upload(upload)
    assert not upload.exists() and not upload.parent.exists()
    assert (tmp_path / "cache").is_dir()


def test_paths_outside_the_cache_are_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    outside = tmp_path / "mine.txt"
    outside.write_text("keep me", encoding="utf-8")
    (tmp_path / "cache" / "link.txt").symlink_to(outside)
    for path in (outside, tmp_path / "cache" / ".." / "mine.txt", tmp_path / "cache" / "link.txt", tmp_path / "cache"):
        discard_upload(path)
    assert outside.read_text(encoding="utf-8") == "keep me"


def age(path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old), follow_symlinks=False)


def test_uploads_older_than_the_limit_are_swept_with_their_folders(tmp_path):
    cache = tmp_path / "uploads"
    stale, fresh, mixed_old, mixed_new = (cache / "a1" / "old.pdf", cache / "b2" / "new.txt",
                                          cache / "c3" / "old.txt", cache / "c3" / "new.txt")
    for path in (stale, fresh, mixed_old, mixed_new):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 1000)
    outside = tmp_path / "mine.txt"
    outside.write_text("keep me", encoding="utf-8")
    (cache / "a1" / "link.txt").symlink_to(outside)
    for path in (outside, stale, mixed_old, cache / "a1" / "link.txt", cache / "a1", cache / "c3"):
        age(path, UPLOAD_MAX_AGE_S + 60)
    assert sweep_uploads(cache, UPLOAD_MAX_AGE_S) == 3  # old.pdf, the link, c3/old.txt
    assert not (cache / "a1").exists() and outside.read_text(encoding="utf-8") == "keep me"
    assert fresh.is_file() and mixed_new.is_file() and not mixed_old.exists() and cache.is_dir()
    assert sweep_uploads(cache, UPLOAD_MAX_AGE_S) == 0
    assert sweep_uploads(tmp_path / "none", UPLOAD_MAX_AGE_S) == 0  # no folder yet: nothing to do


def test_the_app_keeps_uploads_in_the_projects_cache():
    """app.py sets GRADIO_TEMP_DIR before Gradio is imported, unless it is set already."""
    env = {k: v for k, v in os.environ.items() if k != "GRADIO_TEMP_DIR"}
    show = "import os, app; print(os.environ['GRADIO_TEMP_DIR'])"
    out = subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(PROJECT_ROOT / ".cache" / "uploads")
    out = subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=dict(env, GRADIO_TEMP_DIR="/srv/up"),
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "/srv/up"
