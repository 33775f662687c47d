"""The host and origin check (``ui.guard``) in front of the staged server: which addresses pass,
that it covers the "warming up" app and websockets, and that QA_ALLOWED_HOSTS adds names.
The real server's routes (Gradio's included) are checked in tests/e2e/test_app_guard.py."""
from __future__ import annotations

import pytest
from fastapi import FastAPI, WebSocket
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from qa import Engine
from qa.serving import LazyEngine
from tests.conftest import FakeEmbedder
from ui.guard import AllowedHosts, HostGuard
from ui.server import StagedApp, early_app, guarded

PORT = 7860
ASK = {"question": "Who confronted Putin about the war?"}


@pytest.mark.parametrize("host, ok", [
    ("127.0.0.1:7860", True), ("localhost:7860", True), ("LocalHost:7860", True), ("[::1]:7860", True),
    ("127.0.0.1", True), ("localhost", True), ("[::1]", True),
    ("evil.example:7860", False), ("evil.example", False), ("127.0.0.1:7861", False), ("localhost:80", False),
    ("127.0.0.1.evil.example:7860", False), ("localhost.:7860", False), ("127.0.0.1:07860", False),
    ("localhost:", False), ("::1", False), ("[::1", False), ("[::1]x", False), ("", False), ("user@localhost", False),
    ("localhost:7860:7860", False), ("l\u00f6calhost", False), ("127.1:7860", False), ("0.0.0.0:7860", False),
])
def test_host_values(host, ok):
    assert AllowedHosts(PORT).host(host) is ok


@pytest.mark.parametrize("origin, ok", [
    ("http://127.0.0.1:7860", True), ("http://localhost:7860", True), ("HTTP://LOCALHOST:7860", True),
    ("https://localhost:7860", True), ("http://[::1]:7860", True),
    ("http://localhost", False),  # port 80: another server on this machine, not this app
    ("http://evil.example:7860", False), ("null", False), ("", False), ("file://", False),
    ("http://localhost:7860/", False), ("http://evil@localhost:7860", False), ("ws://localhost:7860", False),
    ("http://localhost:7861", False), ("http://127.0.0.1:7860.evil.example", False),
])
def test_origin_values(origin, ok):
    assert AllowedHosts(PORT).origin(origin) is ok


def test_referers_are_read_up_to_the_path():
    allowed = AllowedHosts(PORT)
    assert allowed.origin("http://127.0.0.1:7860/?__theme=dark", whole=False)
    assert allowed.origin("http://localhost:7860#x", whole=False)
    assert not allowed.origin("http://localhost:7860@evil.example/", whole=False)
    assert not allowed.origin("http://evil.example:7860/http://localhost:7860/", whole=False)


def test_configured_names_are_allowed_as_written():
    allowed = AllowedHosts(PORT, ["qa.example.org", "localhost:9000", "http://tunnel.lan:8443/", "0:0::1"])
    assert allowed.host("qa.example.org") and allowed.host("qa.example.org:443")
    assert allowed.origin("https://qa.example.org") and allowed.origin("http://qa.example.org:8080")
    assert allowed.host("localhost:9000") and allowed.origin("http://localhost:9000")
    assert not allowed.host("localhost:9001") and not allowed.origin("http://localhost:9001")
    assert allowed.host("tunnel.lan:8443") and not allowed.host("tunnel.lan:8444")
    assert allowed.host("[::1]:1234")  # 0:0::1 is ::1, any port
    assert not allowed.host("evil.example")


@pytest.mark.parametrize("setting", ["foo:bar", "a:b:c", "localhost:99x", "[::1"])
def test_a_bad_setting_stops_the_server_with_one_line(monkeypatch, setting):
    monkeypatch.setenv("QA_ALLOWED_HOSTS", f"qa.example.org, {setting}")
    with pytest.raises(SystemExit) as stop:
        guarded(FastAPI(), PORT)
    line = str(stop.value)
    assert line.startswith("error: QA_ALLOWED_HOSTS: ") and repr(setting) in line and "\n" not in line


@pytest.fixture
def staged(fake_settings, monkeypatch):
    """The staged server (still warming up: its full app never arrives) behind the guard."""
    monkeypatch.setenv("QA_ALLOWED_HOSTS", "qa.example.org")
    holder = LazyEngine(fake_settings)
    holder._engine = Engine.open(fake_settings, embedder=FakeEmbedder())
    app = StagedApp(early_app(holder, lambda: False), lambda: None)
    return TestClient(guarded(app, PORT), base_url=f"http://127.0.0.1:{PORT}")


def test_the_warming_up_app_and_rest_are_guarded(staged):
    assert staged.post("/api/ask", json=ASK).status_code == 200
    assert staged.get("/").status_code == 503  # warming up, served
    for path in ("/", "/config", "/gradio_api/upload"):
        r = staged.get(path, headers={"Host": "evil.example:7860"})
        assert r.status_code == 400 and "evil.example:7860" in r.json()["error"]
    r = staged.post("/api/ask", json=ASK, headers={"Host": "evil.example:7860", "Origin": "http://evil.example:7860"})
    assert r.status_code == 400 and "passages" not in r.text
    r = staged.post("/api/ask", json=ASK, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and r.json()["error"].startswith("cross-site request refused: Origin 'http://evil.example'")
    r = staged.post("/api/ask", json=ASK, headers={"Referer": "http://evil.example/x"})
    assert r.status_code == 403 and "'http://evil.example/x'" in r.json()["error"]
    assert staged.get("/", headers={"Referer": "http://evil.example/x"}).status_code == 503  # a link still opens it
    r = staged.post("/api/ask", json=ASK, headers={"Host": "qa.example.org", "Origin": "https://qa.example.org"})
    assert r.status_code == 200  # QA_ALLOWED_HOSTS
    assert staged.post("/api/ask", json=ASK, headers={"Host": "qa.example.org", "Origin": "https://evil.example"}
                       ).status_code == 403


def test_a_missing_or_repeated_host_is_refused(staged):
    from tests import aio

    async def call(headers):
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"",
                 "headers": headers, "scheme": "http", "server": ("127.0.0.1", PORT), "client": ("127.0.0.1", 1)}
        await staged.app(scope, receive, send)
        return sent[0]["status"]

    assert aio.run(call([])) == 400
    assert aio.run(call([(b"host", b"127.0.0.1:7860"), (b"host", b"evil.example")])) == 400
    assert aio.run(call([(b"host", b"127.0.0.1:7860"), (b"origin", b"http://127.0.0.1:7860"),
                             (b"origin", b"http://evil.example")])) == 403
    assert aio.run(call([(b"host", b"127.0.0.1:7860")])) == 503


def test_websockets_are_guarded_too():
    app = FastAPI()

    @app.websocket("/ws")
    async def echo(ws: WebSocket):
        await ws.accept()
        await ws.send_text("hello")
        await ws.close()

    http = TestClient(HostGuard(app, AllowedHosts(PORT)), base_url=f"http://127.0.0.1:{PORT}")
    with http.websocket_connect(f"ws://127.0.0.1:{PORT}/ws", headers={"Origin": f"http://127.0.0.1:{PORT}"}) as ws:
        assert ws.receive_text() == "hello"
    for headers in ({"Host": "evil.example:7860"}, {"Origin": "http://evil.example:7860"},
                    {"Referer": "http://evil.example/"}):
        with pytest.raises(WebSocketDisconnect) as closed, http.websocket_connect(f"ws://127.0.0.1:{PORT}/ws", headers=headers):
            pass
        assert closed.value.code == 1008
