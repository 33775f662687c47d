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
