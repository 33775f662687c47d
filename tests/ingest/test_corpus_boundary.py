"""The corpus folder is the boundary: links, special files, odd names and oversized or binary
files never make the product read, show or delete anything outside it, nor lose what is indexed."""
from __future__ import annotations

import json
import os
import random

import pytest

from qa import BadInput, Engine
from qa.index import update_index
from qa.ingest import add_files, doc_id_for, load_document, read_metadata
from qa.ingest.split import MAX_PASSAGE_CHARS

A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"


def test_removing_a_link_never_deletes_its_target(fake_settings, fake_embedder, corpus_copy):
    (corpus_copy / "alias.txt").symlink_to(f"{A}.txt")
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    assert sorted(d.doc_id for d in engine.documents) == [A, B], "a link is not indexed"
    assert any("alias.txt: is a symbolic link" in s for s in engine.last_update.skipped)
    with pytest.raises(BadInput):
        engine.remove("alias")
    engine.remove(B)
    assert (corpus_copy / f"{A}.txt").is_file() and (corpus_copy / "alias.txt").is_symlink()
    assert [d.doc_id for d in engine.documents] == [A]


def test_links_out_of_the_corpus_are_not_read(fake_settings, fake_embedder, corpus_copy, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret title\n\nThe password is swordfish, and nobody must read it.\n", encoding="utf-8")
    (corpus_copy / "passwd.txt").symlink_to("/etc/passwd")
    (corpus_copy / "secret.txt").symlink_to(secret)
    (corpus_copy / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    assert sorted(d.doc_id for d in engine.documents) == [A, B]
    assert len(engine.last_update.skipped) == 3
    assert not engine.ask("swordfish password").passages or all(
        "swordfish" not in h.text for h in engine.ask("swordfish password").passages)
    assert update_index(fake_settings, fake_embedder).unchanged, "skipped links do not make the index stale"


def test_a_link_swapped_in_for_an_indexed_file_is_not_followed(fake_settings, fake_embedder, corpus_copy, tmp_path):
    update_index(fake_settings, fake_embedder)
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret title\n\nThe password is swordfish, and nobody must read it.\n", encoding="utf-8")
    (corpus_copy / f"{B}.txt").unlink()
    (corpus_copy / f"{B}.txt").symlink_to(secret)
    report = update_index(fake_settings, fake_embedder)
    assert B not in report.kept and B in report.removed, "a link is never kept as the old copy either"
    engine = Engine.open(fake_settings, embedder=fake_embedder, build=False)
    assert all("swordfish" not in d.text for d in engine.documents)


def test_special_files_are_refused_without_blocking(fake_settings, fake_embedder, corpus_copy):
    os.mkfifo(corpus_copy / "pipe.txt")  # reading a FIFO would wait forever
    (corpus_copy / "folder.txt").mkdir()
    report = update_index(fake_settings, fake_embedder)
    assert report.documents == 2
    assert [s for s in report.skipped if "pipe.txt" in s and "not a regular file" in s]
    assert not [s for s in report.skipped if "folder.txt" in s], "folders are not documents"


def test_random_binary_without_nul_bytes_is_refused(tmp_path):
    rng = random.Random(7)
    data = bytes(b for b in (rng.randrange(256) for _ in range(20000)) if b)
    f = tmp_path / "noise.txt"
    f.write_bytes(data)
    with pytest.raises(BadInput, match="binary"):
        load_document(f)


def test_size_is_checked_before_reading(tmp_path, monkeypatch):
    import qa.ingest.readers as readers

    f = tmp_path / "big.txt"
    with open(f, "wb") as fh:  # sparse: 3 GB on paper, nothing on disk
        fh.truncate(3 * 2**30)
    read = []
    monkeypatch.setattr(readers.os, "fdopen", lambda *a, **k: read.append(a) or open(os.devnull, "rb"))
    with pytest.raises(BadInput, match="over the 10 MB limit"):
        load_document(f)
    assert not read, "refused from fstat, before any byte is read"


def test_a_one_line_file_is_split_into_capped_passages(tmp_path):
    f = tmp_path / "one_line.txt"
    f.write_text("Title here\n\n" + "Words of a very long single line go on. " * 2000, encoding="utf-8")
    doc = load_document(f)
    assert len(doc.passages) > 20
    assert max(len(p.text) for p in doc.passages) <= MAX_PASSAGE_CHARS
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text
        assert p.text.endswith("on."), "cut at a sentence end"
    assert [p.paragraph for p in doc.passages] == list(range(1, len(doc.passages) + 1))


def test_a_long_line_without_sentence_ends_is_cut_at_spaces_then_anywhere(tmp_path):
    f = tmp_path / "wall.txt"
    f.write_text("Title here\n\n" + "word " * 3000 + "x" * 7000 + ".", encoding="utf-8")
    doc = load_document(f)
    assert max(len(p.text) for p in doc.passages) <= MAX_PASSAGE_CHARS
    assert all(doc.text[p.start:p.end] == p.text for p in doc.passages)
    assert "".join(p.text for p in doc.passages).replace(" ", "") == doc.text[len("Title here\n\n"):].replace(" ", "")


def test_names_in_any_script_get_distinct_ids(fake_settings, tmp_path):
    ids = [doc_id_for(tmp_path / n) for n in ("война.txt", "мир.txt", "Café crème.md", "???.txt")]
    assert ids == ["война", "мир", "Café_crème", "document"]
    for name in ("война.txt", "мир.txt"):
        src = tmp_path / name
        src.write_text(f"{name} title\n\nA paragraph about {name} with enough words in it.\n", encoding="utf-8")
    added = add_files(fake_settings.corpus_dir, [tmp_path / "война.txt", tmp_path / "мир.txt"])
    assert [p.name for p in added] == ["война.txt", "мир.txt"]


def test_a_file_name_that_is_not_utf8_is_indexed_and_removable(fake_settings, fake_embedder, corpus_copy):
    raw = os.path.join(os.fsencode(corpus_copy), b"caf\xe9.txt")
    with open(raw, "wb") as fh:
        fh.write(b"Cafe title\n\nA paragraph about the cafe with enough words in it.\n")
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    doc = engine.document("caf")
    assert doc.source == "caf\ufffd.txt"
    json.dumps(engine.manifest.documents[0].__dict__)  # storable and printable
    engine.remove("caf")
    assert not os.path.exists(raw)
    assert Engine.open(fake_settings, embedder=fake_embedder).last_update is None


def test_adding_never_writes_through_a_link_in_the_corpus(fake_settings, tmp_path):
    target = tmp_path / "outside.txt"
    target.write_text("untouched", encoding="utf-8")
    (fake_settings.corpus_dir / "report.txt").symlink_to(target)
    src = tmp_path / "in" / "report.txt"
    src.parent.mkdir()
    src.write_text("Report title\n\nA paragraph of the report with enough words.\n", encoding="utf-8")
    with pytest.raises(BadInput, match="link or special file"):
        add_files(fake_settings.corpus_dir, [src])
    assert target.read_text(encoding="utf-8") == "untouched"


def test_adding_a_linked_file_copies_its_content(fake_settings, tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("Real title\n\nA paragraph of the real file with enough words.\n", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(real)
    [dest] = add_files(fake_settings.corpus_dir, [tmp_path / "link.txt"])
    assert not dest.is_symlink() and dest.read_bytes() == real.read_bytes()
    assert not [p for p in fake_settings.corpus_dir.iterdir() if ".part-" in p.name], "no temporary left"


@pytest.mark.parametrize("content, warning", [
    ({"a.txt": "not an object"}, "entry 'a.txt' ignored"),
    ({"a.txt": {"title": 7, "source": "S"}}, "field 'title' ignored"),
    (["a list"], "ignored, it must be an object"),
])
def test_metadata_of_the_wrong_shape_is_ignored_with_a_warning(tmp_path, content, warning):
    (tmp_path / "metadata.json").write_text(json.dumps(content), encoding="utf-8")
    meta, warnings = read_metadata(tmp_path)
    assert len(warnings) == 1 and warning in warnings[0] and "metadata.json" in warnings[0]
    assert all(isinstance(v, str) for entry in meta.values() for v in entry.values())


def test_deeply_nested_metadata_is_one_line(tmp_path):
    (tmp_path / "metadata.json").write_text("[" * 100000 + "]" * 100000, encoding="utf-8")
    with pytest.raises(BadInput) as err:
        read_metadata(tmp_path)
    assert "metadata.json" in str(err.value) and "\n" not in str(err.value)
