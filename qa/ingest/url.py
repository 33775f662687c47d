"""Adding a web page by URL: fetched here (http.client, in the calling thread), stored in the
corpus folder as the original bytes (``.html``, or ``.pdf`` / ``.docx`` / ``.txt`` when that is
what came back), its URL recorded as the document's source in ``metadata.json``. From then on it
is a corpus file like any other: the index stores the extracted text beside it, and citations
point into that.

Limits: only ``http://`` and ``https://``, without a user name or password in the URL; the whole
fetch within ``FETCH_TIMEOUT`` seconds; at most ``MAX_FILE_BYTES`` (decompressed); at most
``MAX_REDIRECTS`` redirects; certificates always checked.

Every hop resolves the host name first and checks every address it resolves to: an address that is
not public (loopback, private networks, link-local, multicast, reserved, unspecified, and the same
inside IPv4-mapped, 6to4 or NAT64 IPv6 addresses) ends the fetch with one line, the same whatever
the address or the state of its port, before any connection is made. The connection then goes to
a checked address, never to a second resolution of the name (which a hostile DNS server could point
elsewhere). Set ``QA_ALLOW_PRIVATE_URLS=1`` to fetch from your own machine or network.

The time limit ends the download, not only the wait: every receive on the socket is given what is
left of the limit as its timeout, and the socket is closed when the fetch ends, whichever way, so
no thread or connection outlives a refusal. (Resolving the name is the system resolver's, with its
own timeouts.) Proxies from the environment are not used. Nothing is written but the corpus
folder's new file and ``metadata.json``.
"""
from __future__ import annotations

import functools
import http.client
import io
import ipaddress
import json
import logging
import os
import re
import shutil
import socket
import ssl
import stat
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from ..config import MAX_FILE_BYTES
from ..errors import BadInput, QAError
from .corpus import (
    METADATA_FILE,
    Indexed,
    _create_new,
    discard,
    doc_id_for,
    document_from,
    not_written,
    partial_name,
    read_metadata,
    refuse_copy,
)
from .readers import read_bytes_checked, read_data

log = logging.getLogger(__name__)

#: Seconds the whole fetch may take (connect, redirects, reading), after which it is ended.
FETCH_TIMEOUT = 20
#: Redirects followed, each one checked like the URL given.
MAX_REDIRECTS = 2
#: Longest URL accepted.
MAX_URL_CHARS = 2000
ALLOW_PRIVATE_ENV = "QA_ALLOW_PRIVATE_URLS"
USER_AGENT = "qa-fetch/1 (cited-passage Q&A; one page at a user's request)"
_CHUNK = 64 * 1024
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")
_REDIRECTS = (301, 302, 303, 307, 308)
#: A path and query keep their punctuation and percent-escapes; only what HTTP cannot carry is encoded.
_ASCII = "".join(chr(c) for c in range(33, 127))
#: DNS64 synthesizes these for IPv4-only sites: what counts is the IPv4 address inside.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_url(text: str) -> bool:
    """True if ``text`` is written as a URL (``scheme://...``), whatever the scheme."""
    return bool(_SCHEME.match(text.strip()))


def redact(url: str) -> str:
    """``url`` without a ``user:password@`` part: what may be shown or stored."""
    return _USERINFO.sub(r"\1", url)


def check_url(url: str) -> str:
    """``url`` stripped, or BadInput if it is not an http(s) URL with a host and no credentials.

    A URL with ``user:password@`` is refused rather than fetched without them (the page would
    answer 401) or with them (the password would go in the clear over http, and be kept wherever
    the URL is: the document's source, the shell's history); the message never repeats them."""
    url = url.strip()
    shown = redact(url)[:200]
    if len(url) > MAX_URL_CHARS:
        raise BadInput(f"a URL of {len(url)} characters is over the {MAX_URL_CHARS}-character limit")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise BadInput(f"{shown!r}: a URL may not hold spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        raise BadInput(f"{shown}: not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadInput(f"{shown}: only http:// and https:// URLs can be fetched")
    if "@" in parts.netloc:
        raise BadInput(f"{shown}: a URL with a user name or password is not fetched (it would be sent and "
                       "stored as the document's source); save the page and add the file instead")
    if not host:
        raise BadInput(f"{shown}: the URL names no host")
    return url


@dataclass
class Fetched:
    url: str  # after redirects
    data: bytes
    suffix: str  # the format the bytes are in: .html, .pdf, .docx or .txt


class _Refused(Exception):
    """Why one fetch stopped, said once by ``fetch`` with the URL the user gave."""


def _not_public_message() -> str:
    return (f"not fetched: it leads to a local or private address, which is fetched only when "
            f"{ALLOW_PRIVATE_ENV}=1 is set")


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address on the public internet. An IPv6 address carrying an IPv4 one (mapped,
    6to4, NAT64) is judged by that IPv4 address; ``is_global`` alone lets multicast, IPv6
    site-local and 6to4 of a private address through."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return is_public(inner)
        if ip.is_site_local:
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


class _Clock:
    """The fetch's deadline: what is left of it, or _Refused once it has passed."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _Refused(self.expired())
        return left

    def expired(self) -> str:
        return f"no complete answer within {self.seconds:g} s; try again later"


class _DeadlineSocket(socket.socket):
    """A TCP socket whose every send and receive waits at most what is left of the fetch's time:
    a server sending a byte a second (in the headers, a chunk size line or the body) cannot hold
    the fetch past its limit, one receive at a time."""

    clock: _Clock

    def recv_into(self, buffer, nbytes=0, flags=0):
        self.settimeout(self.clock.left())
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, bufsize, flags=0):
        self.settimeout(self.clock.left())
        return super().recv(bufsize, flags)

    def sendall(self, data, flags=0):
        self.settimeout(self.clock.left())
        return super().sendall(data, flags)


class _DeadlineTLSSocket(ssl.SSLSocket):
    """The same for a TLS socket (one TLS read may take several receives: its timeout is a
    deadline for all of them, which CPython's ssl module keeps)."""

    clock: _Clock

    def recv_into(self, buffer, nbytes=0, flags=0):
        self.settimeout(self.clock.left())
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, buflen=1024, flags=0):
        self.settimeout(self.clock.left())
        return super().recv(buflen, flags)

    def sendall(self, data, flags=0):
        self.settimeout(self.clock.left())
        return super().sendall(data, flags)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    try:
        import certifi  # what trafilatura's fetcher trusted; the system's store otherwise

        context = ssl.create_default_context(cafile=certifi.where())
    except ImportError:
        context = ssl.create_default_context()
    context.sslsocket_class = _DeadlineTLSSocket
    return context


def _addresses(host: str, port: int, allow_private: bool) -> list[tuple]:
    """The (family, sockaddr) pairs ``host`` resolves to, every one checked before any is used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        temporary = isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_AGAIN
        raise _Refused("cannot be fetched (the host name cannot be resolved)" if temporary
                       else "cannot be fetched (the host name is unknown)") from None
    out = []
    for family, _, _, _, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not allow_private and not is_public(ip):
            raise _Refused(_not_public_message())  # one address of many is enough: rebinding
        out.append((family, sockaddr))
    if not out:
        raise _Refused("cannot be fetched (the host name is unknown)")
    return out


def _connect(addresses: list[tuple], clock: _Clock) -> _DeadlineSocket:
    """A TCP connection to the first of the checked addresses that answers."""
    error: OSError | None = None
    for family, sockaddr in addresses:
        sock = _DeadlineSocket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.clock = clock
        try:
            sock.settimeout(clock.left())
            sock.connect(sockaddr)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except BaseException as exc:
            sock.close()
            if not isinstance(exc, OSError) or isinstance(exc, TimeoutError):
                raise
            error = exc
    if isinstance(error, ConnectionRefusedError):
        raise _Refused("cannot be fetched (the connection was refused)")
    raise _Refused("cannot be fetched (the server cannot be reached)")


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to one host name made to addresses checked beforehand: the Host
    header, TLS's server name and the certificate check use the name, the socket the address."""

    def __init__(self, scheme: str, host: str, port: int, addresses: list[tuple], clock: _Clock):
        super().__init__(host, port)
        self.default_port = 443 if scheme == "https" else 80  # a Host header without :443
        self._tls = scheme == "https"
        self._addresses = addresses
        self._clock = clock

    def connect(self):
        sock = _connect(self._addresses, self._clock)
        if self._tls:
            try:
                sock.settimeout(self._clock.left())  # the whole handshake within it
                tls = _tls_context().wrap_socket(sock, server_hostname=self.host)
            except BaseException:
                sock.close()
                raise
            tls.clock = self._clock
            sock = tls
        self.sock = sock


class _Inflater:
    """A gzip or deflate body decoded as it arrives, never to more than ``limit`` + 1 bytes."""

    def __init__(self, encoding: str):
        self._raw_deflate = encoding == "deflate"
        self._z = zlib.decompressobj(31 if encoding in ("gzip", "x-gzip") else 15)
        self._started = False

    def __call__(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._z.decompress(data, limit + 1)
        except zlib.error:
            if not (self._raw_deflate and not self._started):
                raise _Refused("cannot be fetched (its compressed body is damaged)") from None
            self._z = zlib.decompressobj(-15)  # "deflate" as some servers send it: no zlib header
            out = self._z.decompress(data, limit + 1)
        self._started = True
        return out  # over ``limit`` when there is more: unconsumed_tail is left only then

    def flush(self, limit: int) -> bytes:
        return self._z.flush(limit + 1)


def _over_limit() -> str:
    return f"cannot be fetched (the page is over the {MAX_FILE_BYTES // 2**20} MB limit)"


def _body(resp: http.client.HTTPResponse, clock: _Clock) -> bytes:
    """The response's body, decoded, read a chunk at a time with the deadline checked between."""
    length = resp.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > MAX_FILE_BYTES and \
            not resp.getheader("Content-Encoding"):
        raise _Refused(_over_limit())
    encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise _Refused(f"cannot be fetched (it was sent in an encoding this app cannot read: {encoding[:40]})")
    inflate = None if encoding == "identity" else _Inflater(encoding)
    out, size = [], 0
    while True:
        clock.left()
        chunk = resp.read1(_CHUNK)
        if not chunk:
            break
        if inflate is not None:
            chunk = inflate(chunk, MAX_FILE_BYTES - size)
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise _Refused(_over_limit())
        out.append(chunk)
    if inflate is not None:
        out.append(inflate.flush(MAX_FILE_BYTES - size))
        if size + len(out[-1]) > MAX_FILE_BYTES:
            raise _Refused(_over_limit())
    if not resp.chunked and resp.length:  # the server closed before the length it announced
        raise _Refused("cannot be fetched (the server closed the connection before the whole page was sent)")
    return b"".join(out)


def _get(url: str, clock: _Clock, allow_private: bool) -> tuple[str, bytes, str] | str:
    """One hop: the body and its content type for a 200, the next URL for a redirect."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    try:  # a name in another script goes on the wire (Host, TLS) as its IDNA form
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise _Refused("cannot be fetched (the host name is not valid)") from None
    addresses = _addresses(host, port, allow_private)  # before any connection
    # what a browser sends for letters outside ASCII in the path: their UTF-8, percent-encoded
    target = quote(parts.path or "/", safe=_ASCII) + (f"?{quote(parts.query, safe=_ASCII)}" if parts.query else "")
    conn = _PinnedConnection(scheme, host, port, addresses, clock)
    try:
        conn.request("GET", target, headers={
            "User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", "Connection": "close",
            "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.8"})
        resp = conn.getresponse()
        if resp.status in _REDIRECTS and resp.getheader("Location"):
            return urljoin(url, resp.getheader("Location").strip())
        if resp.status != 200:
            raise _Refused(f"the server answered HTTP {resp.status}, not a page")
        return url, _body(resp, clock), resp.getheader("Content-Type") or ""
    except _Refused:
        raise
    except ssl.SSLCertVerificationError:
        raise _Refused("cannot be fetched (its certificate cannot be verified)") from None
    except ssl.SSLError:
        raise _Refused("cannot be fetched (the secure connection failed)") from None
    except TimeoutError:  # every wait is given what is left of the time: it has run out
        raise _Refused(clock.expired()) from None
    except (http.client.HTTPException, UnicodeError):
        raise _Refused("cannot be fetched (the server's answer is not valid HTTP)") from None
    except OSError:
        raise _Refused("cannot be fetched (the connection failed)") from None
    finally:
        conn.close()  # the socket, whatever happened: nothing of this fetch stays open


def fetch(url: str) -> Fetched:
    """The bytes at ``url`` (see the module's limits); BadInput naming the URL and why not."""
    url = check_url(url)
    clock = _Clock(FETCH_TIMEOUT)
    allow_private = os.environ.get(ALLOW_PRIVATE_ENV) == "1"
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            got = _get(current, clock, allow_private)
            if isinstance(got, tuple):
                final, data, content_type = got
                break
            try:
                current = check_url(redact(got))
            except BadInput:
                raise _Refused("cannot be fetched (it redirects to a URL that cannot be fetched)") from None
        else:
            raise _Refused("cannot be fetched (too many redirects)")
    except _Refused as why:
        raise BadInput(f"{url}: {why}") from None
    if not data:
        raise BadInput(f"{url}: the server sent an empty page")
    return Fetched(redact(final), data, sniff(data, content_type))


def sniff(data: bytes, content_type: str) -> str:
    """The file suffix for fetched bytes: what they are, whatever the URL's name says."""
    if b"%PDF-" in data[:1024]:
        return ".pdf"
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return ".docx"
        except (zipfile.BadZipFile, ValueError, OSError):
            pass
    if content_type.split(";")[0].strip().lower() == "text/plain":
        return ".txt"
    return ".html"


def name_for(url: str, suffix: str) -> str:
    """A corpus file name for a fetched URL: host and the last part of its path, made safe."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    last = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", segments[-1]) if segments else ""
    base = f"{parts.hostname or 'page'}-{last}" if last else (parts.hostname or "page")
    stem = doc_id_for(Path(base + ".x"))  # the made-up suffix keeps the host's dots in the stem
    return (stem[:80].strip("._-") or "page") + suffix


def add_url(corpus_dir: Path, url: str, known: dict[str, Indexed] | None = None) -> Path:
    """Fetch ``url``, check it reads as a document, store its bytes in the corpus folder and its
    URL as the source in metadata.json; returns the new file's path. Content already in ``known``
    (sha256 -> document) as another document is refused (``refuse_copy``).

    A file already there from the same URL is replaced (the page changed); a different document of
    the same name is never overwritten: the new one gets a ``-2`` (``-3``, ...) name."""
    fetched = fetch(url)
    url = check_url(url)
    name = name_for(fetched.url, fetched.suffix)
    doc = document_from(read_data(fetched.data, name, fetched.suffix), name)  # refuses what cannot be indexed
    corpus_dir.mkdir(parents=True, exist_ok=True)
    meta, _ = read_metadata(corpus_dir)
    dest = _destination(corpus_dir, name, url, fetched.data, meta)
    refuse_copy(redact(url), doc.sha256, doc_id_for(dest), known or {})
    created = not os.path.lexists(dest)
    if created:
        _write_new(dest, fetched.data)
    elif read_bytes_checked(dest) != fetched.data:
        _replace(dest, fetched.data)
    try:
        _record_source(corpus_dir, dest.name, url)
    except QAError:
        if created:  # a page without its URL would be cited by its file name: take it back out
            dest.unlink(missing_ok=True)
        raise
    return dest


def _destination(corpus_dir: Path, name: str, url: str, data: bytes, meta: dict) -> Path:
    stem, suffix = name[: -len(Path(name).suffix)], Path(name).suffix
    for n in range(1, 100):
        dest = corpus_dir / (name if n == 1 else f"{stem}-{n}{suffix}")
        if not os.path.lexists(dest):
            return dest
        if not stat.S_ISREG(dest.lstat().st_mode):
            continue
        if meta.get(dest.name, {}).get("source") == url or read_bytes_checked(dest) == data:
            return dest
    raise BadInput(f"{url}: the corpus already holds 99 documents named like {name}; remove some first")


def _write_new(dest: Path, data: bytes) -> None:
    _create_new(dest, lambda f: shutil.copyfileobj(io.BytesIO(data), f))


def _replace(dest: Path, data: bytes) -> None:
    """The page changed since it was added: its file is replaced in one step (rename)."""
    _write_replacing(dest, data)


def _write_replacing(dest: Path, data: bytes) -> None:
    """``dest`` becomes ``data`` in one step: written under a temporary name, then renamed over it,
    so a crash leaves the old file or the new, never half of one. On any failure (a full disk
    included) the temporary file is removed and the line names the file and why."""
    tmp = partial_name(dest, "fetch")
    made = False
    try:
        with open(tmp, "xb") as f:
            made = True
            shutil.copyfileobj(io.BytesIO(data), f)
        os.replace(tmp, dest)
    except OSError as exc:
        raise not_written(dest, exc, tmp if made else None) from None
    finally:
        if made:
            discard(tmp)


def _record_source(corpus_dir: Path, name: str, url: str) -> None:
    """metadata.json gains ``{name: {"source": url}}`` (its other entries kept), replaced in one
    step (``_write_replacing``)."""
    path = corpus_dir / METADATA_FILE
    data = {}
    if os.path.lexists(path):
        try:
            data = json.loads(read_bytes_checked(path).decode("utf-8-sig"))
        except (BadInput, UnicodeDecodeError, ValueError, RecursionError):
            log.warning("%s: unreadable, the source of %s is not recorded", path, name)
            return
        if not isinstance(data, dict):
            log.warning("%s: not an object, the source of %s is not recorded", path, name)
            return
    entry = data.get(name) if isinstance(data.get(name), dict) else {}
    if entry.get("source") == url:
        return
    data[name] = {**entry, "source": url}
    _write_replacing(path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
