"""The Documents tab takes PDF and DOCX uploads and web pages by URL; the reader shows a PDF
passage with its page (issue 13). Handlers called directly on a fake-embedder engine."""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import pytest  # noqa: E402

from qa import Engine  # noqa: E402
from qa.ingest import url as url_module  # noqa: E402
from qa.present import span_href  # noqa: E402
from qa.serving import LazyEngine  # noqa: E402
from tests.ingest.makers import ARTICLE_HTML, REPORT, docx_bytes, pdf_bytes, serve  # noqa: E402
from ui.documents import Handlers, layout  # noqa: E402


@pytest.fixture
def handlers(fake_settings, fake_embedder):
    holder = LazyEngine(fake_settings)
    holder._engine = Engine.open(fake_settings, embedder=fake_embedder)
    return Handlers(holder), holder._engine


def test_upload_accepts_pdf_and_docx(handlers, tmp_path):
    h, engine = handlers
    (tmp_path / "up").mkdir()
    pdf, docx = tmp_path / "up" / "report.pdf", tmp_path / "up" / "plan.docx"
    pdf.write_bytes(pdf_bytes(REPORT))
    docx.write_bytes(docx_bytes())
    status, *_ = h.on_upload([str(pdf), str(docx)], None, progress=lambda *a, **k: None)
    assert "Added **report.pdf**" in status and "Added **plan.docx**" in status
    assert {"report", "plan"} <= {d.doc_id for d in engine.documents}
    doc = engine.document("report")
    passage = doc.passages[2]
    target = span_href("report", passage.start, passage.end, [(passage.start, passage.end)])
    html, *_ = h.on_open(target.removeprefix("#qa-open:"))
    assert "page 2, paragraph 3" in html and 'id="qa-page-2"' in html and "3 pages" in html
    # "open the original": the PDF at the focused passage's page; a DOCX as it is; none for text
    assert 'class="qa-original" href="/api/documents/report/original#page=2"' in html
    assert 'href="/api/documents/plan/original"' in h.on_pick("plan")
    assert "qa-original" not in h.on_pick(next(d.doc_id for d in engine.documents if d.path.endswith(".txt")))


def test_add_from_url(handlers, tmp_path, monkeypatch):
    h, engine = handlers
    monkeypatch.setenv(url_module.ALLOW_PRIVATE_ENV, "1")
    web = tmp_path / "web"
    web.mkdir()
    (web / "lighthouse.html").write_text(ARTICLE_HTML, encoding="utf-8")
    with serve(web) as base:
        url = f"{base}/lighthouse.html"
        status, _, table, _, box = h.on_url(url, None, progress=lambda *a, **k: None)
        assert "Added “Lighthouse keepers return to Skerry Island”" in status and box == ""
        assert url in table, "the document's source is its URL"
        again = h.on_url(url, None, progress=lambda *a, **k: None)[0]
        assert "already in the corpus" in again
    refused = h.on_url("file:///etc/passwd", None, progress=lambda *a, **k: None)[0]
    assert "Refused" in refused and "only http" in refused
    with pytest.raises(gr.Error):
        h.on_url("  ", None, progress=lambda *a, **k: None)


def test_layout_has_the_url_box_and_names_the_new_types():
    with gr.Blocks():
        tab = layout()
    # no browser-side type filter: a file of another type reaches the server, which refuses it by name
    assert tab.files.file_types is None and ".pdf" in tab.files.label and ".docx" in tab.files.label
    assert tab.url.elem_id == "qa-url" and tab.url_btn.elem_id == "qa-url-add"
