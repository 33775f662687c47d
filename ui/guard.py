"""Only this app's own addresses reach it: a pure-ASGI check in front of every route.

A web page on another site must not reach the app: not by DNS rebinding (a hostile name that
re-resolves to 127.0.0.1, so the browser sends ``Host: evil.example:PORT`` and treats the app as
that site's own), nor by cross-site requests (a form or ``fetch`` posting to
``http://127.0.0.1:PORT`` from a page elsewhere). So, for every HTTP and websocket request:

- ``Host`` must be one of the app's addresses: 127.0.0.1, localhost or [::1] with the server's
  port (or with no port), or a name configured in ``QA_ALLOWED_HOSTS``; otherwise ``400``.
- ``Origin``, when sent, must be one of those addresses too (scheme http or https, the port as
  the browser sends it); otherwise ``403``. Browsers send it with every cross-site request that
  could change anything or read an answer; it is checked on every method, so no answer of this
  app is ever readable by another site, whatever Gradio's CORS handling would say. Without an
  ``Origin``, a ``Referer`` is checked the same way on requests that change state (POST, PUT,
  PATCH, DELETE) and on Gradio's upload and queue routes; a plain link from another site to the
  page (a GET with a foreign ``Referer``) still opens it.
- Requests without ``Origin`` or ``Referer`` (curl, gradio_client, scripts on this machine) are
  served: the check keeps out browsers' pages from elsewhere, not local programs.

A refusal is JSON with a one-line ``"error"`` (a websocket is closed before it opens).

``QA_ALLOWED_HOSTS`` (comma-separated) names further addresses, e.g. for a reverse proxy or an
SSH tunnel on another local port: ``qa.example.org`` (that name at any port) or ``localhost:9000``
(that port only); ``http://qa.example.org/`` is read as ``qa.example.org``.
"""
from __future__ import annotations

import ipaddress
import json

from qa.text import quoted

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: Methods that change state: a foreign Referer refuses them when no Origin is sent.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Gradio's routes that store data or run events: a foreign Referer refuses them on any method.
GUARDED_PATHS = ("/gradio_api/upload", "/gradio_api/queue/")
DEFAULT_PORTS = {"http": "80", "https": "443"}
SETTING = "QA_ALLOWED_HOSTS"


def split_host(value: str) -> tuple[str, str] | None:
    """(name lower-cased, port or "") of a ``Host`` value ``name[:port]`` or ``[v6][:port]``;
    None when it is not one (an empty name, a port that is not digits, anything non-ASCII)."""
    if not value.isascii():
        return None
    if value.startswith("["):
        end = value.find("]")
        name, rest = value[1:end], value[end + 1:]
        if end < 0 or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
    else:
        name, colon, port = value.partition(":")
        if colon and ":" in port:
            return None  # a bare IPv6 address: not a Host value
    if not name or (port and not port.isdigit()) or (not port and value.endswith(":")):
        return None
    return name.lower(), port


def split_url(value: str, whole: bool) -> tuple[str, str] | None:
    """(name, port) an ``Origin`` (``whole``: nothing after the address) or a ``Referer`` names,
    the port made explicit from the scheme; None for anything else (``null``, ``file://``...)."""
    scheme, sep, rest = value.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS:
        return None
    cut = len(rest)
    for mark in "/?#":
        if mark in rest:
            cut = min(cut, rest.index(mark))
    address = rest[:cut]
    if (whole and cut < len(rest)) or "@" in address:
        return None
    found = split_host(address)
    if found is None:
        return None
    return found[0], found[1] or DEFAULT_PORTS[scheme]


class AllowedHosts:
    """The app's addresses: the loopback names at the server's port, and the configured ones."""

    def __init__(self, port: int, extra: list[str] = ()):
        self.port = str(port)
        self.exact = {(name, self.port) for name in LOOPBACK}  # (name, port) pairs
        self.any_port: set[str] = set()  # names allowed at any port
        for entry in extra:
            if "://" in entry:
                entry = entry.split("://", 1)[1].split("/", 1)[0]
            found = split_host(entry) if entry.count(":") < 2 or entry.startswith("[") else (entry, "")
            try:  # an IPv6 address as browsers write it in Host (compressed, lower case)
                found = found and (ipaddress.IPv6Address(found[0]).compressed, found[1])
            except ValueError:
                if found and ":" in found[0]:
                    found = None
            if found is None:
                raise ValueError(f"{SETTING}: {quoted(entry)} is not a host name, host:port or [IPv6]:port; "
                                 "separate names with commas, e.g. qa.example.org,localhost:9000")
            name, port = found
            if port:
                self.exact.add((name, str(int(port))))
            else:
                self.any_port.add(name)
        self.names = {name for name, _ in self.exact} | self.any_port

    def host(self, value: str) -> bool:
        """A ``Host`` value: an allowed name with its port, or with no port at all."""
        found = split_host(value)
        if found is None:
            return False
        name, port = found
        return name in self.any_port or (name, port) in self.exact or (not port and name in self.names)

    def origin(self, value: str, whole: bool = True) -> bool:
        """An ``Origin`` (or, not ``whole``, a ``Referer``) of one of the allowed addresses."""
        found = split_url(value, whole)
        return found is not None and (found[0] in self.any_port or found in self.exact)

    def home(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


class HostGuard:
    """ASGI middleware: requests to another address, or from another site's page, are refused
    before any route sees them (see the module's docstring). Lifespan events pass through."""

    def __init__(self, app, allowed: AllowedHosts):
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            refusal = self.refusal(scope)
            if refusal is not None:
                await self.refuse(scope, send, *refusal)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope) -> tuple[int, str] | None:
        """None, or (status, one line) saying why the request is refused."""
        hosts, origins, referers = [], [], []
        for key, value in scope["headers"]:
            if key == b"host":
                hosts.append(value)
            elif key == b"origin":
                origins.append(value)
            elif key == b"referer":
                referers.append(value)
        allowed = self.allowed
        if not hosts:
            return 400, f"the request has no Host header; send one naming this app's address, {allowed.home()}"
        for raw in hosts:
            value = raw.decode("latin-1")
            if not allowed.host(value):
                return 400, (f"the Host header {quoted(value)} is not this app's address; open {allowed.home()} "
                             f"(or name that host in {SETTING}, comma-separated)")
        for raw in origins:
            value = raw.decode("latin-1")
            if not allowed.origin(value):
                return 403, (f"cross-site request refused: Origin {quoted(value)} is not this app's address; "
                             f"use the app's own page at {allowed.home()} (or name that host in {SETTING})")
        if not origins and referers and (scope["type"] == "websocket" or scope.get("method") in UNSAFE_METHODS
                                         or scope["path"].startswith(GUARDED_PATHS)):
            for raw in referers:
                value = raw.decode("latin-1")
                if not allowed.origin(value, whole=False):
                    return 403, (f"cross-site request refused: it comes from {quoted(value)}, not this app's page; "
                                 f"use the app at {allowed.home()} (or name that host in {SETTING})")
        return None

    @staticmethod
    async def refuse(scope, send, status: int, message: str) -> None:
        if scope["type"] == "websocket":  # closed before it is accepted: the handshake gets a 403
            await send({"type": "websocket.close", "code": 1008, "reason": "refused: not this app's address"})
            return
        body = json.dumps({"error": message}).encode("utf-8")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})
