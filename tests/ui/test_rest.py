"""The REST endpoints without a server: FastAPI's test client on a fake-embedder engine."""
from __future__ import annotations

import fastapi  # noqa: E402
import pytest
from fastapi.testclient import TestClient  # noqa: E402

from qa import Engine
from qa.serving import LazyEngine  # noqa: E402
from tests.conftest import FakeEmbedder
from ui.rest import add_routes  # noqa: E402


@pytest.fixture
def client(fake_settings):
    holder = LazyEngine(fake_settings)
    holder._engine = Engine.open(fake_settings, embedder=FakeEmbedder())
    return TestClient(add_routes(fastapi.FastAPI(), holder)), holder._engine


def test_ask_and_compare_return_the_library_json(client):
    http, engine = client
    r = http.post("/api/ask", json={"question": "Who confronted Putin about the war?", "top_k": 2})
    assert r.status_code == 200 and r.json() == engine.ask("Who confronted Putin about the war?", 2).to_json()
    r = http.post("/api/compare", json={"topic": "mobilisation"})
    assert r.status_code == 200 and r.json() == engine.compare("mobilisation").to_json()


def test_errors_are_json_with_a_status(client):
    http, _ = client
    r = http.post("/api/ask", json={"question": "q", "doc_ids": ["nope"]})
    assert r.status_code == 400 and r.json()["error"].startswith("unknown document id 'nope'")
    assert http.post("/api/ask", json={"top_k": 3}).status_code == 422
    assert http.post("/api/ask", json={"question": "q", "method": "magic"}).status_code == 400


def test_original_file_is_served_from_the_corpus_only(client, tmp_path):
    """``GET /api/documents/{id}/original``: the indexed file's bytes; a PDF opens in the browser,
    anything else downloads and cannot run as a page of the app; a file changed since it was
    indexed, gone, or swapped for a link is refused with one JSON line, and nothing else is read."""
    from tests.ingest.makers import ARTICLE_HTML, REPORT, pdf_bytes

    http, engine = client
    corpus = engine.settings.corpus_dir
    pdf = pdf_bytes(REPORT)
    (corpus / "report.pdf").write_bytes(pdf)
    (corpus / "lighthouse.html").write_text(ARTICLE_HTML, encoding="utf-8")
    engine.refresh()
    r = http.get("/api/documents/report/original")
    assert r.status_code == 200 and r.content == pdf
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == "inline; filename*=UTF-8''report.pdf"
    assert r.headers["x-content-type-options"] == "nosniff"
    r = http.get("/api/documents/lighthouse/original")
    assert r.status_code == 200 and r.content == ARTICLE_HTML.encode("utf-8")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["content-security-policy"] == "sandbox"

    r = http.get("/api/documents/nope/original")
    assert r.status_code == 404 and r.json()["error"].startswith("unknown document id 'nope'")
    for probe in ("..%2F..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "report.pdf", "..", "%00"):
        r = http.get(f"/api/documents/{probe}/original")  # the id is a key, never a path
        assert r.status_code == 404 and b"root:" not in r.content, probe
    (corpus / "report.pdf").write_bytes(pdf + b"\n%changed")
    r = http.get("/api/documents/report/original")
    assert r.status_code == 404 and "changed since it was indexed" in r.json()["error"]
    secret = tmp_path / "secret.html"
    secret.write_text("<p>not in the corpus</p>", encoding="utf-8")
    (corpus / "lighthouse.html").unlink()
    (corpus / "lighthouse.html").symlink_to(secret)
    r = http.get("/api/documents/lighthouse/original")
    assert r.status_code == 404 and "symbolic link" in r.json()["error"] and b"not in the corpus" not in r.content
    (corpus / "lighthouse.html").unlink()
    r = http.get("/api/documents/lighthouse/original")
    assert r.status_code == 404 and "no longer in the corpus folder" in r.json()["error"]


def test_wrong_method_is_405_json_and_head_works_where_get_does(client):
    """Another method than POST on the question endpoints is a 405 naming the right one, in the
    API's own JSON (not the page's 404 {"detail": ...}); HEAD answers wherever GET does."""
    http, engine = client
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        r = http.request(method, "/api/ask")
        assert r.status_code == 405 and r.headers["allow"] == "POST", method
        assert r.json()["error"].startswith(f"{method} is not allowed on /api/ask: send POST"), method
    assert http.get("/api/compare").json()["error"].endswith('e.g. {"topic": "partial mobilisation"}')
    doc_id = engine.documents[0].doc_id
    got, head = http.get(f"/api/documents/{doc_id}/original"), http.head(f"/api/documents/{doc_id}/original")
    assert got.status_code == head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert http.head("/api/documents/nope/original").status_code == 404


def test_docs_page_lists_the_rest_endpoints(client):
    http, _ = client
    r = http.get("/api/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for line in ("POST /api/ask", "POST /api/compare", "GET /api/documents/{doc_id}/original",
                 "curl -s -X POST http://testserver/api/ask"):
        assert line in r.text, line
    assert "Ask a question: the passages that answer it" in r.text
    assert "GET /api/ask" not in r.text  # the 405 routes are not endpoints
    assert "<script" not in r.text and "cdn" not in r.text.lower()
