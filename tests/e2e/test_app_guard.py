"""The real server answers only at its own address and only to its own page (issue 19: DNS
rebinding, cross-site uploads); local clients without an Origin (curl, gradio_client) still work,
and uploads that never became documents are swept out of the upload folder."""
from __future__ import annotations

import json
import time

import httpx
import pytest

from .conftest import ARTICLE_IDS, FRESH_UPLOAD, STALE_UPLOAD

ASK = {"question": "Who confronted Putin about the war?"}


def routes(url: str, port: int) -> list[tuple[str, str, dict]]:
    """(method, path, request options) of every kind of route the server has."""
    join = {"data": ["", []], "fn_index": 0, "session_hash": "guardtest"}
    return [("GET", "/", {}), ("GET", "/config", {}), ("GET", "/gradio_api/info", {}),
            ("POST", "/api/ask", {"json": ASK}), ("POST", "/api/compare", {"json": {"topic": "war"}}),
            ("GET", f"/api/documents/{ARTICLE_IDS[0]}/original", {}),
            ("POST", "/gradio_api/upload", {"files": {"files": ("evil.txt", b"x" * 100_000)}}),
            ("POST", "/gradio_api/queue/join", {"json": join}),
            ("GET", "/gradio_api/queue/data?session_hash=guardtest", {}),
            ("OPTIONS", "/api/ask", {"headers": {"Access-Control-Request-Method": "POST"}})]


def send(app_server, method: str, path: str, sent: dict, **options) -> httpx.Response:
    """``method path`` with the headers ``sent`` (and those of ``options``, a route's own)."""
    headers = {**sent, **options.pop("headers", {})}
    return httpx.request(method, app_server.url.rstrip("/") + path, headers=headers, timeout=60, **options)


def upload_files(app_server) -> set:
    return {p for p in app_server.uploads.rglob("*") if p.is_file()}


def assert_refused(r: httpx.Response, status: int, words: str) -> None:
    assert r.status_code == status, (r.status_code, r.text[:300])
    error = r.json()["error"]
    assert words in error and "\n" not in error and len(error) < 400, error
    assert not any(k.lower().startswith("access-control-allow") for k in r.headers), dict(r.headers)


def test_a_foreign_host_is_refused_on_every_route(app_server):
    port, before = app_server.port, upload_files(app_server)
    evil = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
    for method, path, options in routes(app_server.url, port):
        for headers in (evil, {"Host": evil["Host"]}):  # a rebinding page's request, and a bare one
            r = send(app_server, method, path, headers, **dict(options))
            assert_refused(r, 400, f"the Host header 'evil.example:{port}' is not this app's address")
    fresh = send(app_server, "POST", "/gradio_api/upload", {}, files={"files": ("mine.txt", b"mine")}).json()[0]
    assert_refused(send(app_server, "GET", f"/gradio_api/file={fresh}", evil), 400, "Host")
    for host in (f"127.0.0.1.evil.example:{port}", f"localhost:{port + 1}", f"127.0.0.1:0{port}", ""):
        assert_refused(send(app_server, "GET", "/config", {"Host": host}), 400, "Host")
    assert len(upload_files(app_server) - before) == 1  # the local upload above, none of the refused ones


def test_a_foreign_origin_is_refused_even_at_the_right_host(app_server):
    port, before = app_server.port, upload_files(app_server)
    for origin in (f"http://evil.example:{port}", "http://evil.example", "null", f"http://localhost:{port + 1}",
                   f"http://127.0.0.1:{port}.evil.example"):
        for method, path, options in routes(app_server.url, port):  # every method: no answer is readable
            r = send(app_server, method, path, {"Origin": origin}, **dict(options))
            assert_refused(r, 403, "cross-site request refused")
    # no Origin, but a page elsewhere as Referer: an upload or a queue call is still refused
    for method, path, options in routes(app_server.url, port):
        if "upload" in path or "queue" in path or method == "POST":
            r = send(app_server, method, path, {"Referer": f"http://evil.example:{port}/page"}, **dict(options))
            assert_refused(r, 403, "cross-site request refused")
    assert upload_files(app_server) == before, "a refused upload left a file"
    # a link from another site still opens the page (a GET with a foreign Referer)
    assert send(app_server, "GET", "/", {"Referer": "https://search.example/?q=qa"}).status_code == 200


def test_the_apps_own_page_and_local_clients_still_work(app_server):
    port = app_server.port
    for headers in ({}, {"Origin": f"http://127.0.0.1:{port}"},
                    {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}", "Referer": f"http://localhost:{port}/"},
                    {"Host": "localhost"}, {"Host": f"[::1]:{port}", "Origin": f"http://[::1]:{port}"}):
        r = send(app_server, "POST", "/api/ask", headers, json=ASK)
        assert r.status_code == 200 and r.json()["passages"], (headers, r.text[:300])
        assert send(app_server, "GET", "/config", headers).status_code == 200
    page_headers = {"Origin": f"http://127.0.0.1:{port}", "Referer": app_server.url}
    r = send(app_server, "POST", "/gradio_api/upload", page_headers, files={"files": ("ok.txt", b"our own page")})
    assert r.status_code == 200, r.text[:300]
    served = send(app_server, "GET", f"/gradio_api/file={r.json()[0]}", {"Referer": app_server.url})
    assert served.status_code == 200 and served.content == b"our own page"
    from gradio_client import Client

    for url in (app_server.url, f"http://localhost:{port}/"):
        out = Client(url, verbose=False).predict(ASK["question"], 3, ARTICLE_IDS, api_name="/ask")
        assert len(out["passages"]) == 3


def remove_event(app_server) -> int:
    """The fn_index of the Documents tab's Remove button, from the page's config."""
    config = httpx.get(app_server.url + "config", timeout=30).json()
    button = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "qa-remove")
    return next(d.get("id", i) for i, d in enumerate(config["dependencies"]) if [button, "click"] in d["targets"])


def test_a_queue_call_from_a_foreign_page_removes_nothing(app_server):
    """What the issue saw: two queue calls from a rebinding page ran Remove on a document."""
    port, doc = app_server.port, ARTICLE_IDS[-1]
    files = sorted(p.name for p in app_server.corpus.iterdir())
    body = {"data": [doc, [doc]], "fn_index": remove_event(app_server), "session_hash": "rebinding"}
    for headers, status in (({"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}, 400),
                            ({"Origin": f"http://evil.example:{port}"}, 403)):
        assert send(app_server, "POST", "/gradio_api/queue/join", headers, json=body).status_code == status
        with httpx.stream("GET", app_server.url + "gradio_api/queue/data?session_hash=rebinding",
                          headers=headers, timeout=30) as r:
            assert r.status_code == status
    time.sleep(0.5)
    assert sorted(p.name for p in app_server.corpus.iterdir()) == files
    answer = send(app_server, "POST", "/api/ask", {}, json={**ASK, "doc_ids": [doc]})
    assert answer.status_code == 200 and answer.json()["passages"][0]["doc_id"] == doc


def test_uploads_left_behind_are_swept_at_start_and_fresh_ones_kept(app_server):
    stale = app_server.uploads / STALE_UPLOAD
    deadline = time.monotonic() + 10
    while stale.exists() and time.monotonic() < deadline:  # the sweep runs beside the start
        time.sleep(0.1)
    assert not stale.exists() and not stale.parent.exists()
    assert (app_server.uploads / FRESH_UPLOAD).is_file()


@pytest.mark.parametrize("path", ["/api/ask", "/gradio_api/upload"])
def test_a_refusal_is_one_json_line(app_server, path):
    r = send(app_server, "POST", path, {"Origin": "http://evil.example"}, content=b"{}")
    assert r.headers["content-type"] == "application/json" and list(json.loads(r.text)) == ["error"]
