"""Uploaded files leave Gradio's cache once handled; nothing outside that cache is ever deleted."""
from __future__ import annotations

from ui.documents import discard_upload


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
