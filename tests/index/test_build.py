"""Building and updating the index: only new or changed text is embedded; the folder is the truth."""
from __future__ import annotations

import os

import pytest

from qa import BadInput, Engine
from qa.index import is_fresh, store, update_index
from qa.ingest import add_files

NEW_DOC = ("Lighthouse keepers of the north coast\n\n"
           "The last lighthouse keeper on the north coast retired in 1987. He kept the light for years.\n\n"
           "Keepers worked in pairs and rotated every six weeks. Supplies came by boat.\n")
A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"


def n_texts(docs):
    """Distinct passage and sentence texts: what a first build must embed."""
    texts = {p.text for d in docs for p in d.passages}
    texts |= {d.text[s:e] for d in docs for p in d.passages for s, e in p.sentences}
    return len(texts)


def test_first_build_embeds_every_passage_once(fake_settings, fake_embedder):
    report = update_index(fake_settings, fake_embedder)
    assert sorted(report.added) == [A, B] and not report.changed and not report.removed
    assert not report.unchanged
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    assert report.documents == 2
    assert report.passages == sum(len(d.passages) for d in engine.documents)
    assert report.embedded_passages == report.passages  # the two articles share no paragraph
    assert fake_embedder.encoded == report.embedded_passages + report.embedded_sentences
    assert fake_embedder.encoded <= n_texts(engine.documents) + report.passages


def test_another_index_kind_or_recall_target_rebuilds_the_vector_index_only(fake_settings, fake_embedder):
    update_index(fake_settings, fake_embedder)
    hnsw = fake_settings.with_(index_kind="hnsw")
    report = update_index(hnsw, fake_embedder)
    assert not report.unchanged and (report.embedded_passages, report.embedded_sentences) == (0, 0)
    manifest = Engine.open(hnsw, embedder=fake_embedder, build=False).manifest
    assert manifest.index_kind == "hnsw" and manifest.vector_index["target"] == hnsw.recall_target
    assert update_index(hnsw, fake_embedder).unchanged
    stricter = hnsw.with_(recall_target=0.99)
    assert not update_index(stricter, fake_embedder).unchanged
    assert update_index(stricter, fake_embedder).unchanged
    assert not update_index(fake_settings, fake_embedder).unchanged, "back to exact search"


def test_second_update_with_nothing_changed_embeds_nothing(fake_settings, fake_embedder):
    update_index(fake_settings, fake_embedder)
    folder = store.live_version(fake_settings.index_dir)
    encoded, calls = fake_embedder.encoded, fake_embedder.calls
    report = update_index(fake_settings, fake_embedder)
    assert report.unchanged
    assert (report.embedded_passages, report.embedded_sentences) == (0, 0)
    assert (fake_embedder.encoded, fake_embedder.calls) == (encoded, calls)
    assert not report.added and not report.changed and not report.removed
    assert store.live_version(fake_settings.index_dir) == folder, "nothing rewritten"
    Engine.open(fake_settings, embedder=fake_embedder)  # fresh: no update at all
    assert fake_embedder.encoded == encoded


def test_adding_a_file_embeds_only_its_passages(fake_settings, fake_embedder, corpus_copy):
    update_index(fake_settings, fake_embedder)
    encoded = fake_embedder.encoded
    (corpus_copy / "keepers.txt").write_text(NEW_DOC, encoding="utf-8")
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    report = engine.last_update
    assert report.added == ["keepers"] and not report.changed and not report.removed
    keepers = engine.document("keepers")
    assert report.embedded_passages == len(keepers.passages) == 2
    assert fake_embedder.encoded - encoded == report.embedded_passages + report.embedded_sentences
    assert fake_embedder.encoded - encoded <= n_texts([keepers])
    ans = engine.ask("When did the last lighthouse keeper retire?", top_k=3, doc_ids=["keepers"])
    assert ans.passages[0].doc_id == "keepers"


def test_changing_one_paragraph_re_embeds_only_that_paragraph(fake_settings, fake_embedder, corpus_copy):
    update_index(fake_settings, fake_embedder)
    path = corpus_copy / f"{A}.txt"
    text = path.read_text(encoding="utf-8")
    old = "The men were gone."
    assert text.count(old) == 1
    path.write_text(text.replace(old, old + " Nobody came back for the vehicle."), encoding="utf-8")
    encoded = fake_embedder.encoded
    report = update_index(fake_settings, fake_embedder)
    assert report.changed == [A] and not report.added and not report.removed
    assert report.embedded_passages == 1
    assert report.embedded_sentences == 1  # only the new sentence; the others are reused
    assert fake_embedder.encoded - encoded == 2
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    doc = engine.document(A)
    assert doc.text == path.read_text(encoding="utf-8")
    changed = [p for p in doc.passages if "Nobody came back" in p.text]
    assert len(changed) == 1 and doc.text[changed[0].start:changed[0].end] == changed[0].text


def test_a_file_gone_from_the_folder_is_kept_until_the_user_removes_it(fake_settings, fake_embedder, corpus_copy):
    update_index(fake_settings, fake_embedder)
    (corpus_copy / f"{B}.txt").unlink()
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    report = engine.last_update
    assert report.kept == [B] and not report.removed
    assert any(f"{B}.txt: the file is gone" in n and f"qa remove {B}" in n for n in report.notes)
    assert sorted(d.doc_id for d in engine.documents) == [A, B]
    assert update_index(fake_settings, fake_embedder).unchanged, "kept, and fresh while the file stays gone"
    report = engine.remove(B)
    assert report.removed == [B]
    assert [d.doc_id for d in engine.documents] == [A]
    for method in ("hybrid", "dense", "bm25"):
        ans = engine.ask("mobilisation exemptions for officials", top_k=10, method=method)
        assert {h.doc_id for h in ans.passages} == {A}
    with pytest.raises(BadInput):
        engine.ask("mobilisation", doc_ids=[B])
    assert engine.manifest.counts.documents == 1
    assert Engine.open(fake_settings, embedder=fake_embedder).last_update is None, "removed stays removed"


def test_a_file_that_becomes_unreadable_is_kept_with_a_warning(fake_settings, fake_embedder, corpus_copy):
    update_index(fake_settings, fake_embedder)
    path = corpus_copy / f"{B}.txt"
    path.unlink()
    os.mkfifo(path)  # unreadable as a document (tests run as root, so chmod 000 would not do)
    report = update_index(fake_settings, fake_embedder)
    assert report.kept == [B] and not report.removed and not report.skipped
    assert any("not a regular file" in n and "indexed copy is kept" in n for n in report.notes)
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    assert engine.document(B).passages


def test_unreadable_file_in_the_folder_is_skipped_and_the_rest_indexed(fake_settings, fake_embedder, corpus_copy):
    (corpus_copy / "image.txt").write_bytes(b"\x89PNG\x00\x00\x00" * 20)
    report = update_index(fake_settings, fake_embedder)
    assert report.documents == 2
    assert len(report.skipped) == 1 and "image.txt" in report.skipped[0] and "\n" not in report.skipped[0]
    manifest = store.read_manifest(store.live_version(fake_settings.index_dir))
    assert is_fresh(manifest, fake_settings), "a skipped file does not make the index stale forever"
    encoded = fake_embedder.encoded
    assert update_index(fake_settings, fake_embedder).unchanged
    assert fake_embedder.encoded == encoded


def test_non_utf8_file_is_indexed_with_a_note(fake_settings, fake_embedder, corpus_copy):
    (corpus_copy / "old.txt").write_bytes("Old title\n\n\u201cQuoted,\u201d said the caf\u00e9 owner.\n".encode("cp1252"))
    report = update_index(fake_settings, fake_embedder)
    assert "old" in report.added
    assert [n for n in report.notes if "old.txt" in n] == ["old.txt: not valid UTF-8, decoded as cp1252"]
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    doc = engine.document("old")
    assert doc.passages[0].text == "\u201cQuoted,\u201d said the caf\u00e9 owner."
    assert any("cp1252" in n for n in doc.notes)


def test_emptied_corpus_folder_loses_nothing(fake_settings, fake_embedder, corpus_copy, tmp_path):
    update_index(fake_settings, fake_embedder)
    for f in corpus_copy.glob("*.txt"):
        f.unlink()
    report = update_index(fake_settings, fake_embedder)
    assert sorted(report.kept) == [A, B] and report.documents == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BadInput) as err:  # a new folder with nothing in it: documents of another folder are not kept
        update_index(fake_settings.with_(corpus_dir=empty), fake_embedder)
    assert "no readable" in str(err.value) and "\n" not in str(err.value)
    assert Engine.open(fake_settings, embedder=fake_embedder, build=False).manifest.counts.documents == 2


def test_missing_corpus_folder_is_refused(fake_settings, fake_embedder, tmp_path):
    settings = fake_settings.with_(corpus_dir=tmp_path / "nope")
    with pytest.raises(BadInput) as err:
        update_index(settings, fake_embedder)
    assert "no such folder" in str(err.value)


def test_same_stem_in_two_formats_gets_two_ids(fake_settings, fake_embedder, corpus_copy):
    (corpus_copy / "note.txt").write_text("A text note\n\nThe first note is plain text.\n", encoding="utf-8")
    (corpus_copy / "note.md").write_text("# A markdown note\n\nThe second note is Markdown.\n", encoding="utf-8")
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    ids = sorted(d.doc_id for d in engine.documents)
    assert ids == sorted([A, B, "note", "note-2"])
    assert update_index(fake_settings, fake_embedder).unchanged  # and ids are stable


def test_touching_a_file_without_changing_it_embeds_nothing(fake_settings, fake_embedder, corpus_copy):
    update_index(fake_settings, fake_embedder)
    path = corpus_copy / f"{A}.txt"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    manifest = store.read_manifest(store.live_version(fake_settings.index_dir))
    assert not is_fresh(manifest, fake_settings)
    encoded = fake_embedder.encoded
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    assert fake_embedder.encoded == encoded
    assert not engine.last_update.changed
    assert is_fresh(engine.manifest, fake_settings)


def test_progress_is_reported_per_stage(fake_settings, fake_embedder):
    seen = []
    update_index(fake_settings, fake_embedder, progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = [s for s, _, _ in seen]
    for stage in ("read", "embed passages", "embed sentences", "write"):
        assert stage in stages
    for stage in set(stages):
        last = [(d, t) for s, d, t in seen if s == stage][-1]
        assert last[0] == last[1], f"{stage} ends complete"


def test_engine_add_and_remove(fake_settings, fake_embedder, tmp_path):
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    src = tmp_path / "outside" / "Keepers (draft).txt"
    src.parent.mkdir()
    src.write_text(NEW_DOC, encoding="utf-8")
    report = engine.add([src])
    assert report.added == ["Keepers_draft"]
    assert (fake_settings.corpus_dir / "Keepers_draft.txt").read_bytes() == src.read_bytes()
    assert engine.document("Keepers_draft").title == "Lighthouse keepers of the north coast"
    copy = tmp_path / "outside" / "keepers-again.txt"
    copy.write_bytes(src.read_bytes())
    with pytest.raises(BadInput, match="^keepers-again.txt: the same content is already in the corpus as "
                                       "Keepers_draft \\(Lighthouse keepers of the north coast\\); not added again$"):
        engine.add([copy])
    assert not (fake_settings.corpus_dir / "keepers-again.txt").exists()
    report = engine.remove("Keepers_draft")
    assert report.removed == ["Keepers_draft"]
    assert not (fake_settings.corpus_dir / "Keepers_draft.txt").exists()
    with pytest.raises(BadInput):
        engine.document("Keepers_draft")


def test_add_files_refuses_bad_files_before_copying(fake_settings, tmp_path):
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(BadInput, match="binary"):
        add_files(fake_settings.corpus_dir, [binary])
    with pytest.raises(BadInput, match="no such file"):
        add_files(fake_settings.corpus_dir, [tmp_path / "missing.txt"])
    assert not (fake_settings.corpus_dir / "binary.txt").exists()
    other = tmp_path / f"{A}.txt"
    other.write_text("A different article\n\nWith different text.\n", encoding="utf-8")
    with pytest.raises(BadInput, match="already in the corpus"):
        add_files(fake_settings.corpus_dir, [other])
    same = tmp_path / "same" / f"{A}.txt"
    same.parent.mkdir()
    same.write_bytes((fake_settings.corpus_dir / f"{A}.txt").read_bytes())
    assert add_files(fake_settings.corpus_dir, [same]) == [fake_settings.corpus_dir / f"{A}.txt"]


def test_metadata_title_change_is_picked_up_without_embedding(fake_settings, fake_embedder, corpus_copy):
    import json

    update_index(fake_settings, fake_embedder)
    meta_path = corpus_copy / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta[f"{A}.txt"]["title"] = "A shorter title"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    encoded = fake_embedder.encoded
    update_index(fake_settings, fake_embedder)
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    assert engine.document(A).title == "A shorter title"
    assert fake_embedder.encoded == encoded
