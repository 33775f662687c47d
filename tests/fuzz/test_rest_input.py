"""The REST API (``ui.rest``) on a real index: every bad body gets a 4xx JSON answer with a
one-line ``"error"`` (never a 500), checked case by case and then fuzzed with any body."""
from __future__ import annotations

import json
import time

import fastapi
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from qa import Settings
from qa.serving import LazyEngine
from tests.fuzz.harness import TALLY, A, B, fuzz_settings, ids, json_values, questions
from ui.rest import MAX_BODY_BYTES, MAX_DOC_IDS, add_routes

ASK = {"question": "Who confronted Putin?"}


@pytest.fixture(scope="module")
def http(fuzz_site):
    holder = LazyEngine(Settings(corpus_dir=fuzz_site.corpus, index_dir=fuzz_site.index))
    holder.get()
    return TestClient(add_routes(fastapi.FastAPI(), holder))  # a server error would raise here


def post(http, path: str, body) -> tuple[int, dict]:
    """POST ``body`` (an object as JSON, bytes as they are) and return the status and the JSON."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    TALLY.inputs += 1
    try:
        r = http.post(path, content=data, headers={"content-type": "application/json"})
    except Exception as exc:  # the test client raises what the server let through: a 500 for a user
        TALLY.crashes.append(f"POST {path} {data[:200]!r}: {exc!r}")
        raise
    TALLY.statuses[r.status_code] += 1
    assert r.status_code in (200, 400, 413, 422), (r.status_code, r.text[:500])
    out = r.json()
    if r.status_code != 200:
        assert isinstance(out["error"], str) and "\n" not in out["error"] and len(out["error"]) < 1000, out
    return r.status_code, out


@pytest.mark.parametrize("path, body, status, words", [
    ("/api/ask", {"question": "\ud800 who?"}, 400, "U+D800"),
    ("/api/ask", {"question": "?"}, 400, "no words to search for"),
    ("/api/ask", {"question": "\u200b"}, 400, "no words to search for"),
    ("/api/ask", {"question": 12}, 422, "question: Input should be a valid string"),
    ("/api/ask", {"question": None}, 422, "question"),
    ("/api/ask", {"top_k": 3}, 422, "question: Field required"),
    ("/api/ask", {**ASK, "top_k": "3"}, 422, "top_k: Input should be a valid integer"),
    ("/api/ask", {**ASK, "top_k": True}, 422, "top_k"),
    ("/api/ask", {**ASK, "top_k": 2.5}, 422, "top_k"),
    ("/api/ask", {**ASK, "top_k": 10**9}, 400, "top_k must be a whole number from 1 to 50"),
    ("/api/ask", {**ASK, "top_k": 0}, 400, "top_k"),
    ("/api/ask", {**ASK, "doc_ids": A}, 422, "doc_ids: Input should be a valid list"),
    ("/api/ask", {**ASK, "doc_ids": [1]}, 422, "doc_ids.0"),
    ("/api/ask", {**ASK, "doc_ids": ["nope"]}, 400, "unknown document id 'nope'"),
    ("/api/compare", {"topic": "war", "doc_ids": [A] * (MAX_DOC_IDS + 1)}, 422, "at most 1000 items"),
    ("/api/compare", {"topic": 5}, 422, "topic"),
    ("/api/compare", {"topic": " "}, 400, "the topic is empty"),
    ("/api/ask", {"question": "war " * 1000}, 400, "keep it under 2,000"),
    ("/api/ask", {"question": "x" * MAX_BODY_BYTES}, 413, "over 262,144 bytes"),
    ("/api/ask", b"not json", 400, "not JSON"),
    ("/api/ask", b"[1, 2]", 422, "the body"),
    ("/api/ask", b'{"question": "q", "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", 400, "not readable JSON"),
    ("/api/ask", b'{"question": "\xff"}', 400, "not readable JSON"),
])
def test_bad_requests_get_a_one_line_json_error(http, path, body, status, words):
    got, out = post(http, path, body)
    assert got == status and words in out["error"], out
    if status == 422:
        assert out["detail"] and all("input" not in d for d in out["detail"]), "the value sent is not echoed"


def test_a_body_over_the_limit_is_refused_without_a_declared_length(http):
    chunks = (b"x" * 65536 for _ in range(8))  # streamed: no Content-Length
    r = http.post("/api/ask", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "over" in r.json()["error"]


def test_repeated_document_ids_are_searched_once(http):
    start = time.perf_counter()
    status, many = post(http, "/api/compare", {"topic": "mobilisation", "doc_ids": [A] * MAX_DOC_IDS})
    assert status == 200 and [d["doc_id"] for d in many["documents"]] == [A]
    assert time.perf_counter() - start < 5
    assert post(http, "/api/compare", {"topic": "mobilisation", "doc_ids": [A]})[1] == many
    status, ans = post(http, "/api/ask", {**ASK, "doc_ids": [B, B, A], "top_k": 2})
    assert status == 200 and len(ans["passages"]) == 2


def test_good_requests_still_answer(http):
    status, ans = post(http, "/api/ask", {**ASK, "top_k": 2, "doc_ids": [A, B]})
    assert status == 200 and set(ans) == {"question", "answered", "verdict", "reason", "confidence", "passages", "answer_span"}
    status, comp = post(http, "/api/compare", {"topic": "partial mobilisation"})
    assert status == 200 and len(comp["documents"]) == 2


bodies = st.one_of(
    st.fixed_dictionaries({"question": st.one_of(questions(), questions(), json_values)},
                          optional={"top_k": st.one_of(st.integers(-5, 60), json_values), "method": json_values,
                                    "doc_ids": st.one_of(st.lists(st.one_of(st.just(A), st.just(B), ids)), json_values)}),
    st.fixed_dictionaries({"topic": st.one_of(questions(), json_values)},
                          optional={"doc_ids": st.one_of(st.lists(st.sampled_from([A, B, "nope"])), json_values)}),
    json_values,
    st.binary(max_size=64),
)


@fuzz_settings(quick=80, big=400)
@given(path=st.sampled_from(["/api/ask", "/api/compare"]), body=bodies)
def test_any_body_gets_an_answer_or_a_one_line_error(http, path, body):
    post(http, path, body)
