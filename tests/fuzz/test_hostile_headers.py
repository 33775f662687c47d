"""Hostile Host, Origin and Referer headers (DNS rebinding, cross-site pages) at the server's
host check (``ui.guard.HostGuard``) in front of the REST API on a real index, called as ASGI with
the raw header bytes a client could send: every request is either refused (400 for the Host, 403
for the Origin or Referer, one-line JSON, the API never reached) or, exactly when every header
names this app's own address, served by the API; never a 500. ``make fuzz`` runs it long."""
from __future__ import annotations

import json

import fastapi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa import Settings
from qa.serving import LazyEngine
from tests import aio
from tests.fuzz.harness import TALLY, A, fuzz_settings
from ui.guard import AllowedHosts, HostGuard
from ui.rest import add_routes

PORT = 7860
NAMES = ["127.0.0.1", "localhost", "[::1]"]
#: What this app's own page and local clients send, in lower case (the oracle's whole list).
OWN_HOSTS = {f"{n}:{PORT}" for n in NAMES} | set(NAMES)
OWN_ORIGINS = {f"{s}://{n}:{PORT}" for s in ("http", "https") for n in NAMES}
REQUESTS = [("GET", f"/api/documents/{A}/original", b""), ("POST", "/api/ask", b'{"question": "?"}'),
            ("POST", "/gradio_api/upload", b"x"), ("GET", "/gradio_api/queue/data", b""), ("OPTIONS", "/api/ask", b""),
            ("DELETE", "/", b"")]


class Reached:
    """The app behind the guard, counting the requests that got through."""

    def __init__(self, app):
        self.app, self.count = app, 0

    async def __call__(self, scope, receive, send):
        self.count += 1
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def guarded_api(fuzz_site):
    holder = LazyEngine(Settings(corpus_dir=fuzz_site.corpus, index_dir=fuzz_site.index))
    holder.get()
    inner = Reached(add_routes(fastapi.FastAPI(), holder))
    return HostGuard(inner, AllowedHosts(PORT)), inner


async def call(app, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int, bytes]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers, "scheme": "http",
             "server": ("127.0.0.1", PORT), "client": ("127.0.0.1", 50000)}
    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def near_misses(own: list[str]) -> st.SearchStrategy[str]:
    """An own address bent: case, a suffix or prefix, another port, userinfo, trailing bits."""
    return st.builds(lambda v, how: how(v), st.sampled_from(own), st.sampled_from([
        str.upper, lambda v: v + ".evil.example", lambda v: "evil." + v, lambda v: v + ":1", lambda v: v + "/",
        lambda v: v.replace(str(PORT), str(PORT + 1)), lambda v: v.replace(str(PORT), "0" + str(PORT)),
        lambda v: v.replace("//", "//evil@"), lambda v: v + "@evil.example", lambda v: v + " ", lambda v: " " + v,
        lambda v: v.replace(".", "\u3002"), lambda v: v + "\x00", lambda v: v + ".", lambda v: v.replace("[", ""),
    ]))


hostile = st.one_of(st.sampled_from(["evil.example", f"evil.example:{PORT}", "null", "", "*", "file://",
                                     f"http://evil.example:{PORT}", "http://0.0.0.0", "http://127.1"]),
                    st.text(st.characters(max_codepoint=255), max_size=30))


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, each drawn in proportion to its weight (hypothesis's one_of leans
    to the first): about half the requests are this app's own, so both outcomes are tried."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(range(len(table))).flatmap(lambda i: table[i])


own_host, own_origin = st.sampled_from(sorted(OWN_HOSTS)), st.sampled_from(sorted(OWN_ORIGINS))
#: Mostly one Host (as HTTP/1.1 has it), sometimes none or two.
host_lists = weighted((7, st.lists(own_host, min_size=1, max_size=1)),
                      (3, st.lists(st.one_of(near_misses(sorted(OWN_HOSTS)), hostile), min_size=1, max_size=1)),
                      (1, st.lists(st.one_of(own_host, hostile), max_size=2)))
#: None (curl, gradio_client), this app's own, or anything.
origin_lists = weighted((3, st.just([])), (3, st.lists(own_origin, min_size=1, max_size=1)),
                        (3, st.lists(st.one_of(near_misses(sorted(OWN_ORIGINS)), hostile), min_size=1, max_size=1)),
                        (1, st.lists(st.one_of(own_origin, hostile), max_size=2)))
referers = weighted((2, st.builds(lambda o, tail: o + tail, own_origin, st.sampled_from(
    ["", "/", "/?__theme=dark", "#x", "@evil.example/", ".evil.example/"]))),
                    (1, near_misses(sorted(OWN_ORIGINS))), (1, hostile))


def allowed(name: str, values: list[str], own) -> bool:
    return all(v.lower() in own for v in values) if name != "referer" else all(
        any(v.lower() == o or v.lower().startswith(o + c) for o in OWN_ORIGINS for c in "/?#") for v in values)


@fuzz_settings(quick=400, big=3000)
@given(request=st.sampled_from(REQUESTS), host=host_lists, origin=origin_lists,
       referer=st.lists(referers, max_size=1), order=st.randoms())
def test_any_host_origin_or_referer_is_refused_or_served_as_our_own(guarded_api, request, host, origin, referer, order):
    app, inner = guarded_api
    method, path, body = request
    headers = [(b"host", v.encode("latin-1", "replace")) for v in host] + \
              [(b"origin", v.encode("latin-1", "replace")) for v in origin] + \
              [(b"referer", v.encode("latin-1", "replace")) for v in referer] + [(b"content-type", b"application/json")]
    order.shuffle(headers)
    host, origin, referer = ([v.decode("latin-1") for k, v in headers if k == name] for name in (b"host", b"origin", b"referer"))
    before = inner.count
    TALLY.inputs += 1
    try:
        status, out = aio.run(call(app, method, path, headers, body))
    except Exception as exc:  # a 500 for whoever sent it
        TALLY.crashes.append(f"{method} {path} {headers!r}: {exc!r}"[:400])
        raise
    TALLY.statuses[status] += 1
    reached = inner.count > before
    referer_checked = not origin and (method in ("POST", "DELETE") or path.startswith(("/gradio_api/upload",
                                                                                         "/gradio_api/queue/")))
    expected = (bool(host) and allowed("host", host, OWN_HOSTS) and allowed("origin", origin, OWN_ORIGINS)
                and (not referer_checked or allowed("referer", referer, OWN_ORIGINS)))
    assert status < 500 and reached == expected, (status, headers, out[:300])
    if not reached:
        error = json.loads(out)["error"]
        assert status == (400 if not host or not allowed("host", host, OWN_HOSTS) else 403), (status, headers, error)
        assert "\n" not in error and len(error) < 400, error
