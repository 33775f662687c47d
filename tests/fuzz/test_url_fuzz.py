"""Hostile URLs through the command line (``qa index URL``, in process): every way of writing an
address that is not public (decimal, octal, hex and short IPv4; IPv4-mapped, 6to4 and NAT64 IPv6;
``[::]``, ``0.0.0.0``; ``localhost`` in any case), with or without credentials, any port, given
directly or reached through a redirect. Each is refused with the same one line (the credentials
never repeated), no connection is made, and nothing is written. ``make fuzz`` runs these long."""
from __future__ import annotations

import http.server
import ipaddress
import threading
from urllib.parse import quote, unquote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from qa.ingest import url as url_module
from tests.cli.inprocess import run_cli
from tests.fuzz.harness import TALLY, fuzz_settings
from tests.ingest.netprobe import Listener, connects

NOT_PUBLIC = ("not fetched: it leads to a local or private address, which is fetched only when "
              "QA_ALLOW_PRIVATE_URLS=1 is set")
CREDENTIALS = ("a URL with a user name or password is not fetched (it would be sent and stored as the "
               "document's source); save the page and add the file instead")
LOOPBACK_1 = int(ipaddress.IPv4Address("127.0.0.1"))

NETS_V4 = [ipaddress.ip_network(n) for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                             "169.254.0.0/16", "100.64.0.0/10", "0.0.0.0/8", "224.0.0.0/4",
                                             "240.0.0.0/4", "198.18.0.0/15")]
NETS_V6 = [ipaddress.ip_network(n) for n in ("::1/128", "::/128", "fe80::/10", "fc00::/7", "fec0::/10", "ff00::/8")]


def v4_forms(n: int) -> list[str]:
    """The ways glibc's inet_aton (what getaddrinfo uses) reads the IPv4 address ``n``."""
    a, b, c, d = n.to_bytes(4, "big")
    return [f"{a}.{b}.{c}.{d}", str(n), hex(n), f"0{n:o}", ".".join(f"0{x:o}" for x in (a, b, c, d)),
            ".".join(hex(x) for x in (a, b, c, d)), f"{a}.{b}.{(c << 8) | d}", f"{a}.{(b << 16) | (c << 8) | d}",
            f"{hex(a)}.{b}.0{c:o}.{d}"]


def v6_forms(n: int) -> list[str]:
    """IPv6 addresses that carry the IPv4 address ``n``."""
    v4 = ipaddress.IPv4Address(n)
    return [f"[::ffff:{v4}]", f"[::ffff:{n >> 16:x}:{n & 0xFFFF:x}]", f"[2002:{n >> 16:x}:{n & 0xFFFF:x}::1]",
            f"[64:ff9b::{v4}]", f"[::FFFF:{v4}]"]


v4_addresses = st.sampled_from(NETS_V4).flatmap(
    lambda net: st.integers(int(net.network_address), int(net.broadcast_address)))
v6_hosts = st.sampled_from(NETS_V6).flatmap(
    lambda net: st.integers(int(net.network_address), int(net.broadcast_address))).map(
    lambda n: f"[{ipaddress.IPv6Address(n)}]")
localhost = st.tuples(*(st.sampled_from([ch, ch.upper()]) for ch in "localhost")).map("".join)


@st.composite
def private_hosts(draw, avoid_loopback_1: bool = False) -> str:
    kind = draw(st.sampled_from(["v4", "v4", "v6-carrying", "v6", "name", "any"]))
    if kind in ("v4", "v6-carrying"):
        n = draw(v4_addresses)
        if avoid_loopback_1:
            assume(n != LOOPBACK_1)
        return draw(st.sampled_from(v4_forms(n) if kind == "v4" else v6_forms(n)))
    if kind == "v6":
        return draw(v6_hosts)
    if kind == "name":
        assume(not avoid_loopback_1)  # it is 127.0.0.1, which the redirect test takes as public
        return draw(localhost)
    return draw(st.sampled_from(["0", "0.0.0.0", "[::]", "[0:0:0:0:0:0:0:0]", "0x0"]))


userinfo = st.one_of(st.just(""), st.just(""), st.builds(
    lambda u, p: f"{u}:{p}@" if p is not None else f"{u}@",
    st.text(st.sampled_from("abcXYZ019._~-%!$&'()*+,;="), max_size=8),
    st.one_of(st.none(), st.text(st.sampled_from("abcXYZ019._~-%!$&'()*+,;=:"), min_size=1, max_size=8))))
paths = st.sampled_from(["", "/", "/admin", "/latest/meta-data/", "/a?b=c", "/x#frag"])


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    root = tmp_path_factory.mktemp("url-fuzz")
    listener = Listener()
    yield root, listener
    listener.close()


def check_refused(places, url: str, expected: str, allowed: tuple = ()) -> None:
    """``qa index URL`` exits 2 with exactly ``error: expected``, connecting to nothing but
    ``allowed`` ((host, port) pairs) and writing nothing."""
    root, listener = places
    corpus, index = root / "corpus", root / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(url_module.ALLOW_PRIVATE_ENV, raising=False)
        with connects(mp) as made:
            r = run_cli(["--corpus", corpus, "--index", index, "index", url])
    TALLY.inputs += 1
    TALLY.exit_codes[r.rc if r.escaped is None else type(r.escaped).__name__] += 1
    if r.crashed:
        TALLY.crashes.append(str(r).replace("\n", " | ")[:400])
    assert not r.crashed, r
    assert r.rc == 2 and r.err.splitlines() == [f"error: {expected}"], r  # exact: no credentials echoed
    assert [a for a in made if tuple(a[:2]) not in allowed] == [], made
    assert listener.connections() == 0 and not corpus.exists() and not index.exists()


@fuzz_settings(quick=60, big=600)
@given(host=private_hosts(), userinfo=userinfo, port=st.one_of(st.none(), st.integers(1, 65535), st.just(-1)),
       path=paths)
def test_private_addresses_and_credentials(places, host, userinfo, port, path):
    port = places[1].port if port == -1 else port
    netloc = f"{host}:{port}" if port is not None else host
    url = f"http://{userinfo}{netloc}{path}"
    if userinfo:
        check_refused(places, url, f"http://{netloc}{path}: {CREDENTIALS}")
    else:
        check_refused(places, url, f"{url}: {NOT_PUBLIC}")


# -- the same through a redirect from a site taken as public --------------------------------------------

class _Hop(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", unquote(self.path.partition("?to=")[2]))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def hop_site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@fuzz_settings(quick=40, big=400)
@given(host=private_hosts(avoid_loopback_1=True), port=st.one_of(st.none(), st.integers(1, 65535), st.just(-1)),
       path=paths)
def test_private_addresses_behind_a_redirect(places, hop_site, host, port, path):
    port = places[1].port if port == -1 else port
    target = f"http://{host}:{port}{path}" if port is not None else f"http://{host}{path}"
    url = f"http://127.0.0.1:{hop_site}/hop?to={quote(target, safe='')}"
    real = url_module.is_public
    with pytest.MonkeyPatch.context() as mp:  # the site on 127.0.0.1 stands for a public one
        mp.setattr(url_module, "is_public", lambda ip: str(ip) == "127.0.0.1" or real(ip))
        check_refused(places, url, f"{url}: {NOT_PUBLIC}", allowed=(("127.0.0.1", hop_site),))
