"""PDF, DOCX and web pages by URL, on real files made here: the text built, the page of every
passage, running headers and footers left out, hyphenated line ends joined, offsets exact, and
every refusal one line (issue 13). Fast: no model (the fake embedder where an index is needed)."""
from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

from qa import BadInput, Engine
from qa.cli import main as cli_main
from qa.index import update_index
from qa.ingest import add_files, add_url, load_document
from qa.ingest import url as url_module
from qa.ingest.readers import read_data
from qa.present.html import reader_html
from qa.present.markdown import answer_markdown
from qa.present.text import answer_text
from qa.types import Answer

from .makers import (
    ARTICLE_HTML,
    DOCX_PARAGRAPHS,
    HEADER,
    REPORT,
    REPORT_PAGES,
    REPORT_TEXT,
    docx_bytes,
    encrypted_pdf_bytes,
    pdf_bytes,
    scanned_pdf_bytes,
    serve,
)


def one_line(exc) -> str:
    msg = str(exc)
    assert "\n" not in msg and msg, msg
    return msg


def refusal(path, data: bytes) -> str:
    """Write ``data`` to ``path`` and return the one-line refusal of reading it."""
    path.write_bytes(data)
    with pytest.raises(BadInput) as err:
        load_document(path)
    return one_line(err.value)


def check_offsets(doc) -> None:
    """The product's invariant on a read document: every block and sentence is a slice of its text."""
    for b in doc.blocks:
        assert doc.text[b.start:b.end] == b.text
        for s, e in b.sentences:
            assert b.start <= s < e <= b.end
    pages = [b.page for b in doc.blocks if b.page is not None]
    assert pages == sorted(pages)


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "station report.pdf"
    path.write_bytes(pdf_bytes(REPORT))
    return path


# -- PDF ---------------------------------------------------------------------------------------------

def test_pdf_text_pages_headers_and_hyphens(report):
    doc = load_document(report)
    assert doc.text == REPORT_TEXT
    assert [p.page for p in doc.passages] == REPORT_PAGES
    assert [p.paragraph for p in doc.passages] == [1, 2, 3, 4, 5, 6]
    assert HEADER not in doc.text and "Page 1" not in doc.text and "of 3" not in doc.text
    assert "temperatures" in doc.text and "tempera-" not in doc.text, "a hyphenated line end is joined"
    assert "The long-term plan" in doc.text, "a compound the document writes with its hyphen keeps it"
    check_offsets(doc)
    helicopter = doc.passages[4]
    assert helicopter.text.startswith("The supply helicopter") and helicopter.text.endswith("metres of snow.")
    assert helicopter.page == 2, "a paragraph running on to the next page is cited where it starts"


def test_pdf_title_from_its_properties_unless_meaningless(tmp_path):
    named = tmp_path / "named.pdf"
    named.write_bytes(pdf_bytes(REPORT, title="Winter at the Northern Station"))
    assert load_document(named).title == "Winter at the Northern Station"
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(pdf_bytes(REPORT, title="Microsoft Word - report7.docx"))
    assert load_document(junk).title == "junk"


def test_a_generic_first_heading_is_not_the_title(tmp_path):
    """A PDF without a title in its properties that opens on "Introduction" is titled by its file
    name, not "Introduction"; a DOCX titled in its properties keeps that title; a text file's first
    line that is not a generic heading is its title. The heading stays in the text, as a heading."""
    opening = [[["Introduction"]]] + [REPORT[0][:1]]
    pdf = tmp_path / "winter_report.pdf"
    pdf.write_bytes(pdf_bytes([opening[0] + opening[1]] + REPORT[1:], header=None, footer=False))
    doc = load_document(pdf)
    assert doc.title == "winter_report"
    heading = [b for b in doc.blocks if b.kind == "heading"]
    assert [b.text for b in heading] == ["Introduction"] and doc.text[heading[0].start:heading[0].end] == "Introduction"
    assert doc.passages[0].text.startswith("The northern station recorded")
    word = tmp_path / "plan.docx"
    word.write_bytes(docx_bytes([("Heading 1", "1. Background")] + DOCX_PARAGRAPHS[1:]))
    assert load_document(word).title == "plan"
    text = tmp_path / "notes.txt"
    text.write_text("Abstract\n\nKeepers of the north coast\n\nThe lighthouse was lit again in May after "
                    "forty years of darkness.\n", encoding="utf-8")
    assert load_document(text).title == "Keepers of the north coast"


def test_pdf_without_headers_or_with_one_page(tmp_path):
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(pdf_bytes(REPORT, header=None, footer=False))
    assert load_document(plain).text == REPORT_TEXT
    single = tmp_path / "single.pdf"
    single.write_bytes(pdf_bytes(REPORT[:1]))
    doc = load_document(single)
    assert "Page 1 of 1" not in doc.text, "a page number alone at the foot of the page is not text"
    assert {p.page for p in doc.passages} == {1}
    check_offsets(doc)


def _truncated() -> bytes:
    data = pdf_bytes(REPORT)
    return data[: len(data) // 3]


@pytest.mark.parametrize("name, data, words", [
    ("scan.pdf", scanned_pdf_bytes, ["no text layer", "OCR"]),
    ("locked.pdf", encrypted_pdf_bytes, ["encrypted", "password"]),
    ("garbage.pdf", lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40, ["not a readable PDF"]),
    ("truncated.pdf", _truncated, ["PDF"]),
    ("fake.pdf", lambda: b"Just some text pretending to be a PDF.", ["not a PDF"]),
])
def test_pdf_refusals_are_one_line(tmp_path, name, data, words):
    msg = refusal(tmp_path / name, data())
    assert name in msg and all(w in msg for w in words), msg


def test_pdf_page_limit_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_MAX_PDF_PAGES", "2")
    msg = refusal(tmp_path / "long.pdf", pdf_bytes(REPORT))
    assert "3 pages is over the 2-page limit" in msg and "(QA_MAX_PDF_PAGES)" in msg


def test_pdf_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from qa.ingest import readers

    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    assert "limit" in refusal(tmp_path / "big.pdf", pdf_bytes(REPORT))


# -- DOCX --------------------------------------------------------------------------------------------

def test_docx_paragraphs_title_table_and_no_header(tmp_path):
    path = tmp_path / "harbour plan.docx"
    path.write_bytes(docx_bytes(table=[["Phase", "Cost"], ["Pier", "9 million euros"]], header="Draft - internal"))
    doc = load_document(path)
    assert doc.title == "Harbour Renovation Plan"
    assert "Draft - internal" not in doc.text, "page headers are not body text"
    bodies = [p.text for p in doc.passages]
    assert bodies[0] == DOCX_PARAGRAPHS[1][1]
    assert "Fishermen asked that the fish market stay open during the works." in bodies
    assert "Phase | Cost\nPier | 9 million euros" in bodies
    assert all(b.page is None for b in doc.blocks), "a DOCX has no fixed pages"
    check_offsets(doc)


@pytest.mark.parametrize("name, data, words", [
    ("old.docx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ["encrypted", ".doc"]),
    ("broken.docx", lambda: b"PK\x03\x04" + bytes(range(256)) * 4, ["not a readable .docx"]),
    ("other.docx", lambda: _zip({"content.xml": b"<x/>"}), ["no word/document.xml"]),
    ("bad xml.docx", lambda: _zip({"[Content_Types].xml": b"<", "word/document.xml": b"<w:document"}),
     ["damaged"]),
])
def test_docx_refusals_are_one_line(tmp_path, name, data, words):
    msg = refusal(tmp_path / name, data())
    assert name in msg and all(w in msg for w in words), msg


def test_docx_that_unpacks_too_large_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_MAX_UNPACKED_MB", str(2000 / 2**20))
    msg = refusal(tmp_path / "bomb.docx", docx_bytes())
    assert "unpacks to over" in msg and "(QA_MAX_UNPACKED_MB)" in msg


def _zip(parts: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


# -- URL ---------------------------------------------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    web = tmp_path / "web"
    (web / "news").mkdir(parents=True)
    (web / "news" / "lighthouse.html").write_text(ARTICLE_HTML, encoding="utf-8")
    (web / "report").write_bytes(pdf_bytes(REPORT))
    with serve(web) as base:
        yield web, base


def test_url_page_is_stored_with_its_source(site, tmp_path, monkeypatch):
    web, base = site
    monkeypatch.setenv(url_module.ALLOW_PRIVATE_ENV, "1")
    corpus = tmp_path / "corpus"
    url = f"{base}/news/lighthouse.html"
    dest = add_url(corpus, url)
    assert dest.parent == corpus and dest.name == "127.0.0.1-lighthouse.html"
    assert dest.read_bytes() == ARTICLE_HTML.encode("utf-8"), "the original bytes are kept"
    assert json.loads((corpus / "metadata.json").read_text())[dest.name] == {"source": url}
    doc = load_document(dest, {"source": url})
    assert doc.source == url and doc.title == "Lighthouse keepers return to Skerry Island"
    assert "Cookie" not in doc.text and "maritime museum" in doc.text
    check_offsets(doc)
    assert sorted(p.name for p in corpus.iterdir()) == [dest.name, "metadata.json"], "nothing else is written"
    # the same URL again: same file; the page changed: replaced; another page of that name: a new file
    assert add_url(corpus, url) == dest
    (web / "news" / "lighthouse.html").write_text(ARTICLE_HTML.replace("fifty", "sixty"), encoding="utf-8")
    assert add_url(corpus, url) == dest and b"sixty years" in dest.read_bytes()
    (web / "other").mkdir()
    (web / "other" / "lighthouse.html").write_text(ARTICLE_HTML.replace("Skerry", "Rona"), encoding="utf-8")
    assert add_url(corpus, f"{base}/other/lighthouse.html").name == "127.0.0.1-lighthouse-2.html"


def test_url_of_a_pdf_is_stored_as_a_pdf(site, tmp_path, monkeypatch):
    web, base = site
    monkeypatch.setenv(url_module.ALLOW_PRIVATE_ENV, "1")
    dest = add_url(tmp_path / "corpus", f"{base}/report")
    assert dest.suffix == ".pdf" and load_document(dest).text == REPORT_TEXT


@pytest.mark.parametrize("url, words", [
    ("file:///etc/passwd", ["only http:// and https://"]),
    ("ftp://example.com/a.html", ["only http:// and https://"]),
    ("javascript://alert(1)", ["only http:// and https://"]),
    ("http://", ["no host"]),
    ("http://exa mple.com/", ["spaces or control"]),
    ("https://example.com/" + "a" * 3000, ["2000-character limit"]),
])
def test_url_refusals_before_fetching(tmp_path, url, words):
    with pytest.raises(BadInput) as err:
        add_url(tmp_path / "corpus", url)
    msg = one_line(err.value)
    assert all(w in msg for w in words), msg
    assert not (tmp_path / "corpus").exists()


def test_url_refusals_when_fetching(site, tmp_path, monkeypatch):
    web, base = site
    corpus = tmp_path / "corpus"
    monkeypatch.delenv(url_module.ALLOW_PRIVATE_ENV, raising=False)
    with pytest.raises(BadInput) as err:
        add_url(corpus, f"{base}/news/lighthouse.html")
    assert "local or private" in one_line(err.value) and url_module.ALLOW_PRIVATE_ENV in str(err.value)
    monkeypatch.setenv(url_module.ALLOW_PRIVATE_ENV, "1")
    with pytest.raises(BadInput) as err:
        add_url(corpus, f"{base}/missing.html")
    assert "HTTP 404" in one_line(err.value)
    monkeypatch.setattr(url_module, "MAX_FILE_BYTES", 100)
    with pytest.raises(BadInput) as err:
        add_url(corpus, f"{base}/news/lighthouse.html")
    assert "over the" in one_line(err.value) and "limit" in str(err.value)
    assert not corpus.exists() or not any(corpus.iterdir()), "a refused page leaves nothing behind"


def test_url_fetch_has_a_timeout(tmp_path, monkeypatch):
    import http.server
    import threading

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(4)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(url_module.ALLOW_PRIVATE_ENV, "1")
    monkeypatch.setattr(url_module, "FETCH_TIMEOUT", 1)
    t0 = time.monotonic()
    try:
        with pytest.raises(BadInput) as err:
            add_url(tmp_path / "corpus", f"http://127.0.0.1:{server.server_address[1]}/slow")
    finally:
        server.shutdown()
        server.server_close()
    assert time.monotonic() - t0 < 2.5
    assert "within 1 s" in one_line(err.value) or "cannot be fetched" in str(err.value)


# -- through the index and the renderings ---------------------------------------------------------------

def test_mixed_corpus_citations_carry_pages(fake_settings, fake_embedder, corpus_copy, report, tmp_path):
    add_files(corpus_copy, [report])
    (corpus_copy / "harbour.docx").write_bytes(docx_bytes())
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    ids = {d.doc_id for d in engine.documents}
    assert {"station_report", "harbour"} <= ids
    ans = engine.ask("How many reindeer crossing the valley were counted in March?", top_k=5)
    top = ans.passages[0]
    assert top.doc_id == "station_report" and top.page == 2 and "412 reindeer" in top.text
    assert top.to_json()["page"] == 2
    for h in ans.passages:
        doc = engine.document(h.doc_id)
        assert doc.text[h.start:h.end] == h.text
        assert ("page" in h.to_json()) == (h.doc_id == "station_report"), "page only for PDFs"
    assert "page 2, paragraph 3" in answer_text(ans) and "page 2, paragraph 3" in answer_markdown(ans)
    # the index on disk keeps the extracted text and the pages
    reopened = Engine.open(fake_settings, embedder=fake_embedder)
    doc = reopened.document("station_report")
    assert doc.text == REPORT_TEXT and [p.page for p in doc.passages] == REPORT_PAGES
    stored = (reopened.version.folder / "texts" / "station_report.txt").read_bytes().decode("utf-8")
    assert stored == REPORT_TEXT
    html = reader_html(doc, (top.start, top.end), top.highlight)
    assert "page 2, paragraph 3" in html and html.count('class="qa-page"') == 3


def test_bad_files_in_the_folder_are_skipped_and_nothing_indexed_is_lost(fake_settings, fake_embedder,
                                                                          corpus_copy, report):
    add_files(corpus_copy, [report])
    first = update_index(fake_settings, fake_embedder)
    assert "station_report" in first.added
    (corpus_copy / "scan.pdf").write_bytes(scanned_pdf_bytes())
    (corpus_copy / "locked.pdf").write_bytes(encrypted_pdf_bytes())
    (corpus_copy / "broken.docx").write_bytes(b"PK\x03\x04broken")
    (corpus_copy / "station_report.pdf").write_bytes(b"%PDF-1.4\ncorrupted since")
    second = update_index(fake_settings, fake_embedder)
    assert len(second.skipped) == 3 and all("\n" not in s for s in second.skipped)
    assert any("scan.pdf" in s and "no text layer" in s for s in second.skipped)
    assert any("locked.pdf" in s and "encrypted" in s for s in second.skipped)
    engine = Engine.open(fake_settings, embedder=fake_embedder)
    assert engine.document("station_report").text == REPORT_TEXT, "the damaged file's indexed copy is kept"


@pytest.mark.parametrize("maker, name, words", [
    (scanned_pdf_bytes, "scan.pdf", "no text layer"),
    (encrypted_pdf_bytes, "locked.pdf", "encrypted"),
    (lambda: b"%PDF-1.4\n" + b"\x00garbage" * 50, "corrupt.pdf", "not a readable PDF"),
])
def test_cli_index_refuses_a_bad_pdf_in_one_line(tmp_path, capsys, maker, name, words):
    path = tmp_path / name
    path.write_bytes(maker())
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    rc = cli_main(["--corpus", str(corpus), "--index", str(index), "index", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("error: ") and words in err[0], err
    assert not (corpus / name).exists() and not index.exists()


def test_cli_index_refuses_a_non_http_url_in_one_line(tmp_path, capsys):
    rc = cli_main(["--corpus", str(tmp_path / "c"), "--index", str(tmp_path / "i"), "index", "file:///etc/passwd"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "only http:// and https://" in err[0]


def test_hits_without_pages_render_as_before():
    from tests.conftest import make_hit

    hit = make_hit()
    assert "page" not in hit.to_json()
    ans = Answer("q?", True, (hit,))
    assert "paragraph 3 (chars" in answer_text(ans) and "page" not in answer_text(ans)


def test_read_data_refuses_an_unsupported_suffix():
    with pytest.raises(BadInput):
        read_data(b"x", "a.odt", ".odt")
