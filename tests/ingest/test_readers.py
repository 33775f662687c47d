"""Readers: .txt, .md, .html (trafilatura), encodings, and the files that must be refused."""
from __future__ import annotations

import hashlib
import json

import pytest

import qa.ingest.readers as readers
from qa.errors import BadInput
from qa.ingest import corpus_files, doc_id_for, load_document, read_metadata
from qa.ingest.readers import read_file

ARTICLE = ("Lighthouse keepers of the north coast\n\n"
           "The last lighthouse keeper on the north coast retired in 1987. He had kept the light for years.\n\n"
           "Keepers worked in pairs and rotated every six weeks.\n")

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lighthouse keepers of the north coast</title>
<meta name="author" content="Jane Doe"></head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About us</a> | <a href="/shop">Shop</a></nav>
<article>
<h1>Lighthouse keepers of the north coast</h1>
<p>The last lighthouse keeper on the north coast retired in 1987, after the lamp was automated.
He had kept the light for thirty-one years.</p>
<p>Keepers worked in pairs and rotated every six weeks. Supplies came by boat when the sea allowed it,
which in winter was rarely.</p>
<p>Today the lighthouse is a museum &amp; visitors can climb the 142 steps to the lantern room.</p>
<script>var tracking = "do not index me";</script>
</article>
<footer>Copyright 2024 Coastal Times. All rights reserved.</footer>
</body></html>
"""


def one_line(exc: BaseException) -> str:
    msg = str(exc)
    assert msg and "\n" not in msg
    return msg


def test_txt_is_read_as_is_with_its_hash(tmp_path):
    f = tmp_path / "keepers.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    raw = read_file(f)
    assert raw.text == ARTICLE
    assert raw.sha256 == hashlib.sha256(f.read_bytes()).hexdigest()
    assert raw.notes == [] and not raw.markdown
    doc = load_document(f)
    assert doc.doc_id == "keepers"
    assert doc.title == "Lighthouse keepers of the north coast"
    assert [p.paragraph for p in doc.passages] == [1, 2]
    assert all(doc.text[p.start:p.end] == p.text for p in doc.passages)


def test_utf8_bom_is_not_part_of_the_text(tmp_path):
    f = tmp_path / "bom.txt"
    f.write_bytes("\ufeff".encode("utf-8") + ARTICLE.encode("utf-8"))
    raw = read_file(f)
    assert raw.text == ARTICLE and raw.notes == []


def test_crlf_text_keeps_offsets_into_the_file_text(tmp_path):
    f = tmp_path / "crlf.txt"
    f.write_bytes(ARTICLE.replace("\n", "\r\n").encode("utf-8"))
    doc = load_document(f)
    text = f.read_bytes().decode("utf-8")
    assert doc.text == text
    assert len(doc.passages) == 2
    for p in doc.passages:
        assert text[p.start:p.end] == p.text and not p.text.endswith("\r")


def test_markdown_title_comes_from_the_heading(tmp_path):
    f = tmp_path / "notes.md"
    f.write_text("# Keepers of the light\n\nThe keeper retired in 1987.\n\n## Later\n\nIt became a museum.\n",
                 encoding="utf-8")
    doc = load_document(f)
    assert read_file(f).markdown
    assert doc.title == "Keepers of the light"
    title = next(b for b in doc.blocks if b.kind == "title")
    assert doc.text[title.start:title.end] == "Keepers of the light"
    assert [p.text for p in doc.passages] == ["The keeper retired in 1987.", "It became a museum."]


def test_metadata_title_and_source_win_over_the_text(tmp_path):
    f = tmp_path / "notes.md"
    f.write_text("# Heading title\n\nBody paragraph of the note.\n", encoding="utf-8")
    doc = load_document(f, {"title": "Given title", "source": "Given source"})
    assert (doc.title, doc.source) == ("Given title", "Given source")


def test_html_main_text_is_extracted_with_trafilatura(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(PAGE, encoding="utf-8")
    doc = load_document(f)
    assert doc.title == "Lighthouse keepers of the north coast"
    assert doc.source == "Jane Doe"
    body = " ".join(p.text for p in doc.passages)
    assert "retired in 1987" in body and "142 steps" in body
    assert "museum & visitors" in body  # entities decoded
    for junk in ("<p>", "tracking", "About us", "All rights reserved"):
        assert junk not in doc.text
    assert all(doc.text[p.start:p.end] == p.text for p in doc.passages)
    assert doc.sha256 == hashlib.sha256(f.read_bytes()).hexdigest()  # hash of the file, not the text


def test_html_without_readable_text_is_refused(tmp_path):
    f = tmp_path / "empty.html"
    f.write_text("<html><head><title></title></head><body><script>x()</script></body></html>", encoding="utf-8")
    with pytest.raises(BadInput) as err:
        load_document(f)
    assert "empty.html" in one_line(err.value)


def test_cp1252_file_is_decoded_and_says_so(tmp_path):
    f = tmp_path / "old.txt"
    text = "A café title\n\n\u201cWe will win,\u201d he said \u2014 twice. It cost \u20ac5.\n"
    f.write_bytes(text.encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        f.read_bytes().decode("utf-8")
    raw = read_file(f)
    assert raw.text == text
    assert len(raw.notes) == 1 and "cp1252" in raw.notes[0] and "old.txt" in raw.notes[0]
    doc = load_document(f)
    assert doc.notes == tuple(raw.notes)
    assert doc.passages[0].text == "\u201cWe will win,\u201d he said \u2014 twice. It cost \u20ac5."


def test_bytes_cp1252_cannot_decode_fall_back_to_latin1(tmp_path):
    f = tmp_path / "odd.txt"
    f.write_bytes(b"Title\n\nA line with \x81 and \x8d in it, and more words here.\n")
    raw = read_file(f)
    assert "latin-1" in raw.notes[0]
    assert "\x81" in raw.text


@pytest.mark.parametrize("name, data", [
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4),
    ("zeros.md", b"\x00" * 100),
    ("mixed.html", b"<html>" + b"\x00\x01\x02" * 50),
])
def test_binary_file_is_refused(tmp_path, name, data):
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(BadInput) as err:
        read_file(f)
    msg = one_line(err.value)
    assert name in msg and "binary" in msg


@pytest.mark.parametrize("content", [b"", b"   \n\n\t\r\n", "\ufeff".encode("utf-8")])
def test_empty_or_blank_file_is_refused(tmp_path, content):
    f = tmp_path / "empty.txt"
    f.write_bytes(content)
    with pytest.raises(BadInput) as err:
        read_file(f)
    assert "empty.txt" in one_line(err.value)


def test_file_of_only_web_leftovers_is_refused_as_having_no_paragraph(tmp_path):
    f = tmp_path / "ads.txt"
    f.write_text("Advertisement\n\nTrending on HotAir Videos\n\nAdvertisement\n", encoding="utf-8")
    with pytest.raises(BadInput) as err:
        load_document(f)
    assert "no paragraph" in one_line(err.value)


def test_oversized_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    f = tmp_path / "big.txt"
    f.write_text("Long paragraph. " * 100, encoding="utf-8")
    with pytest.raises(BadInput) as err:
        read_file(f)
    msg = one_line(err.value)
    assert "big.txt" in msg and "limit" in msg
    small = tmp_path / "small.txt"
    small.write_text("Short paragraph here.", encoding="utf-8")
    assert read_file(small).text == "Short paragraph here."


@pytest.mark.parametrize("name", ["report.odt", "data.json", "noext", "old.doc"])
def test_unsupported_type_is_refused(tmp_path, name):
    f = tmp_path / name
    f.write_text("Some text.", encoding="utf-8")
    with pytest.raises(BadInput) as err:
        read_file(f)
    assert "unsupported" in one_line(err.value)


def test_missing_or_unreadable_path_is_refused(tmp_path):
    with pytest.raises(BadInput):
        read_file(tmp_path / "missing.txt")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(BadInput) as err:
        read_file(folder)
    assert "not a regular file" in one_line(err.value)


def test_doc_ids_are_safe_and_stable(tmp_path):
    from pathlib import Path

    assert doc_id_for(Path("000_cd7150e585f9c9d3.txt")) == "000_cd7150e585f9c9d3"
    assert doc_id_for(Path("My report (final) v2.md")) == "My_report_final_v2"
    assert doc_id_for(Path("../../etc/passwd.txt")) == "passwd"
    assert doc_id_for(Path("???.txt")) == "document"


def test_corpus_files_lists_supported_files_only(tmp_path):
    for name in ("b.txt", "a.md", "c.html", "d.pdf", "e.docx", "f.odt", "metadata.json", ".hidden.bin"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    assert [p.name for p in corpus_files(tmp_path)] == ["a.md", "b.txt", "c.html", "d.pdf", "e.docx"]
    with pytest.raises(BadInput) as err:
        corpus_files(tmp_path / "nope")
    assert "no such folder" in one_line(err.value)


def test_metadata_file_is_optional_and_bad_json_is_refused(tmp_path):
    assert read_metadata(tmp_path) == ({}, [])
    (tmp_path / "metadata.json").write_text(json.dumps({"a.txt": {"title": "T"}}), encoding="utf-8")
    assert read_metadata(tmp_path) == ({"a.txt": {"title": "T"}}, [])
    (tmp_path / "metadata.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BadInput) as err:
        read_metadata(tmp_path)
    assert "metadata.json" in one_line(err.value)
