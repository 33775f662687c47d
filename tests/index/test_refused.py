"""Refused files in the index (issue 19): a file over a reading budget is recorded with the stat it was
refused with and not read again until it (or the limits) change, so it never blocks `qa docs`, `qa ask`
or the app's start; and a file edited while it is indexed is read again by the next update."""
from __future__ import annotations

import json
import os
from collections import Counter

import pytest

from bench.hostile import expanding_docx, shared_stream_pdf
from qa import Engine
from qa.index import is_fresh, store, update_index
from qa.index.manifest import Manifest
from qa.ingest import corpus as corpus_module
from tests.ingest.makers import REPORT, REPORT_TEXT, docx_bytes, pdf_bytes

A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"


@pytest.fixture
def reads(monkeypatch):
    """How many times each file name was parsed (``read_data``: after its bytes were read)."""
    counts: Counter = Counter()
    real = corpus_module.read_data

    def counting(data, name, suffix, meter=None):
        counts[name] += 1
        return real(data, name, suffix, meter)

    monkeypatch.setattr(corpus_module, "read_data", counting)
    return counts


@pytest.fixture
def hostile(fake_settings, corpus_copy, monkeypatch):
    """The corpus with a slow PDF (pages sharing one big stream) that only the time limit stops."""
    monkeypatch.setenv("QA_MAX_READ_SECONDS", "1")
    monkeypatch.setenv("QA_MAX_UNPACKED_MB", "1000")
    path = corpus_copy / "shared.pdf"
    path.write_bytes(shared_stream_pdf(pages=40, stream_bytes=3_000_000))
    return path


def live_manifest(settings) -> Manifest:
    return store.read_manifest(store.live_version(settings.index_dir))


def test_a_refused_file_is_recorded_and_not_read_again_until_it_changes(fake_settings, fake_embedder, hostile,
                                                                        reads):
    report = update_index(fake_settings, fake_embedder)
    reason = "shared.pdf: reading took over 1 s (QA_MAX_READ_SECONDS); refused"
    assert report.skipped == [reason] and report.documents == 2
    manifest = live_manifest(fake_settings)
    key = str(hostile.resolve())
    refusal = manifest.refused[key]
    st = hostile.stat()
    assert (refusal.size, refusal.mtime_ns, refusal.reason) == (st.st_size, st.st_mtime_ns, reason)
    assert manifest.skipped == {key: reason}
    assert is_fresh(manifest, fake_settings), "an unchanged refused file leaves the index fresh"
    assert reads["shared.pdf"] == 1

    # qa index again, qa docs / qa ask / the app's start (Engine.open): not read again, same line
    again = update_index(fake_settings, fake_embedder)
    assert again.unchanged and again.skipped == [reason]
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    assert engine.ask("Who confronted Putin?").passages
    assert reads["shared.pdf"] == 1

    # changed: stale, read again (and here, now readable)
    hostile.write_bytes(pdf_bytes(REPORT))
    assert not is_fresh(live_manifest(fake_settings), fake_settings)
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    assert reads["shared.pdf"] == 2
    assert engine.last_update.added == ["shared"] and not engine.last_update.skipped
    assert engine.manifest.refused == {} and engine.document("shared").text == REPORT_TEXT


def test_a_refused_file_is_read_again_under_other_limits(fake_settings, fake_embedder, hostile, reads, monkeypatch):
    update_index(fake_settings, fake_embedder)
    update_index(fake_settings, fake_embedder)
    assert reads["shared.pdf"] == 1
    monkeypatch.setenv("QA_MAX_READ_SECONDS", "1.5")
    report = update_index(fake_settings, fake_embedder)
    assert reads["shared.pdf"] == 2
    assert report.skipped == ["shared.pdf: reading took over 1.5 s (QA_MAX_READ_SECONDS); refused"]


def test_an_indexed_file_that_turns_hostile_is_kept_and_not_read_again(fake_settings, fake_embedder, corpus_copy,
                                                                        reads, monkeypatch):
    path = corpus_copy / "plan.docx"
    path.write_bytes(docx_bytes())
    update_index(fake_settings, fake_embedder)
    monkeypatch.setenv("QA_MAX_DOCUMENT_CHARS", "100000")
    path.write_bytes(expanding_docx(chars=400_000))
    report = update_index(fake_settings, fake_embedder)
    assert report.kept == ["plan"] and not report.skipped
    assert "plan.docx: over 100,000 characters of text (QA_MAX_DOCUMENT_CHARS); refused; the indexed copy is kept" \
        in report.notes[0]
    assert reads["plan.docx"] == 2
    again = update_index(fake_settings, fake_embedder)
    assert again.unchanged and again.kept == ["plan"] and reads["plan.docx"] == 2


def test_a_folder_of_hostile_files_and_good_ones_is_indexed_and_answers(fake_settings, fake_embedder, corpus_copy,
                                                                          monkeypatch):
    from bench.hostile import many_passages_txt, zip_bomb_docx

    monkeypatch.setenv("QA_MAX_READ_SECONDS", "2")
    monkeypatch.setenv("QA_MAX_UNPACKED_MB", "20")
    monkeypatch.setenv("QA_MAX_DOCUMENT_PASSAGES", "200")
    (corpus_copy / "shared.pdf").write_bytes(shared_stream_pdf(pages=40, stream_bytes=3_000_000))
    (corpus_copy / "bomb.docx").write_bytes(zip_bomb_docx(inflated=30_000_000, declared=None))
    (corpus_copy / "liar.docx").write_bytes(zip_bomb_docx(inflated=30_000_000, declared=1000))
    (corpus_copy / "log.txt").write_bytes(many_passages_txt(size=50_000))
    report = update_index(fake_settings, fake_embedder)
    assert report.documents == 2
    assert sorted(report.skipped) == [
        "bomb.docx: unpacks to over 20 MB (QA_MAX_UNPACKED_MB); refused",
        "liar.docx: not a readable .docx file (not a Word package, or damaged)",
        "log.txt: over 200 passages (QA_MAX_DOCUMENT_PASSAGES); refused",
        "shared.pdf: reading took over 2 s (QA_MAX_READ_SECONDS); refused",
    ]
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    # the two articles, and nothing of the refused files, answer
    hits = engine.ask("Who confronted Putin?").passages
    assert hits and {h.doc_id for h in hits} <= {A, B}


def test_a_file_edited_while_it_is_indexed_is_read_again_next_time(fake_settings, fake_embedder, corpus_copy,
                                                                    monkeypatch):
    path = corpus_copy / "keepers.txt"
    old_text = "Lighthouse keepers\n\nThe last keeper retired in 1987. He kept the light for years.\n"
    new_text = "Lighthouse keepers\n\nThe last keeper retired in 1991, after thirty winters on the rock.\n"
    path.write_text(old_text, encoding="utf-8")
    real = corpus_module.document_from

    def edited_meanwhile(raw, name, *args, **kwargs):
        if name == "keepers.txt":  # its bytes are read: the user saves a new version now
            path.write_text(new_text, encoding="utf-8")
            os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
        return real(raw, name, *args, **kwargs)

    monkeypatch.setattr(corpus_module, "document_from", edited_meanwhile)
    update_index(fake_settings, fake_embedder)
    monkeypatch.setattr(corpus_module, "document_from", real)
    manifest = live_manifest(fake_settings)
    entry = next(d for d in manifest.documents if d.doc_id == "keepers")
    indexed = store.read_version(store.live_version(fake_settings.index_dir), 1).table.document("keepers")
    assert "1987" in indexed.text, "the text of the bytes read"
    assert (entry.size, entry.mtime_ns) != (path.stat().st_size, path.stat().st_mtime_ns), \
        "recorded with the stat of the bytes read, not the edited file's"
    assert not is_fresh(manifest, fake_settings)
    engine = Engine.open(fake_settings, embedder=fake_embedder)  # qa ask / qa docs: updates first
    assert engine.last_update.changed == ["keepers"] and "1991" in engine.document("keepers").text


def test_manifests_without_refusals_still_load(fake_settings, fake_embedder, hostile):
    update_index(fake_settings, fake_embedder)
    folder = store.live_version(fake_settings.index_dir)
    data = json.loads((folder / "manifest.json").read_text())
    assert set(data["refused"][str(hostile.resolve())]) == {"size", "mtime_ns", "limits", "reason"}
    del data["refused"]  # as written before refusals were recorded
    old = Manifest.from_json(data)
    assert old.refused == {} and is_fresh(old, fake_settings)
