"""The staged server without a real Gradio page: REST and a 503 "warming up" page until the full
app is built, then the full app (its lifespan entered and left with the server's); a build that
fails shows the failure instead of warming up for ever."""
from __future__ import annotations

import contextlib
import threading

from fastapi import FastAPI
from fastapi.testclient import TestClient

from qa import Engine
from qa.serving import LazyEngine
from tests.conftest import FakeEmbedder
from ui.server import FAILED, WARMING, StagedApp, early_app


def staged_app(fake_settings, build_full) -> tuple[StagedApp, Engine]:
    holder = LazyEngine(fake_settings)
    holder._engine = Engine.open(fake_settings, embedder=FakeEmbedder())
    box: list[StagedApp] = []
    box.append(StagedApp(early_app(holder, lambda: box[0].failed), build_full))
    return box[0], holder._engine


def test_rest_answers_and_the_page_warms_up_until_the_full_app_takes_over(fake_settings):
    release, events = threading.Event(), []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        events.append("start")
        yield
        events.append("stop")

    def build_full() -> FastAPI:
        release.wait(10)
        full = FastAPI(lifespan=lifespan)
        full.get("/")(lambda: {"page": "full"})
        return full

    app, engine = staged_app(fake_settings, build_full)
    with TestClient(app) as http:
        page = http.get("/")
        assert page.status_code == 503 and WARMING in page.text and page.headers["retry-after"] == "1"
        assert http.get("/config").status_code == 503
        r = http.post("/api/ask", json={"question": "Who confronted Putin about the war?"})
        assert r.status_code == 200 and r.json() == engine.ask("Who confronted Putin about the war?").to_json()
        release.set()
        for _ in range(200):
            if app.ready:
                break
            threading.Event().wait(0.01)
        assert http.get("/").json() == {"page": "full"} and events == ["start"]
    assert events == ["start", "stop"]


def test_a_failed_build_says_so(fake_settings):
    def build_full() -> FastAPI:
        raise RuntimeError("no gradio")

    app, _ = staged_app(fake_settings, build_full)
    with TestClient(app) as http:
        for _ in range(200):
            if app.failed:
                break
            threading.Event().wait(0.01)
        page = http.get("/")
        assert page.status_code == 500 and FAILED in page.text
        assert http.post("/api/ask", json={"question": "Who confronted Putin?"}).status_code == 200
