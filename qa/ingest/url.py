"""Adding a web page by URL: fetched with trafilatura's own fetcher, stored in the corpus folder
as the original bytes (``.html``, or ``.pdf`` / ``.docx`` / ``.txt`` when that is what came back),
its URL recorded as the document's source in ``metadata.json``. From then on it is a corpus file
like any other: the index stores the extracted text beside it, and citations point into that.

Limits: only ``http://`` and ``https://``; the whole fetch within ``FETCH_TIMEOUT`` seconds; at
most ``MAX_FILE_BYTES`` (decompressed); at most two redirects; certificates always checked
(trafilatura's fallback to an unverified connection is turned off). trafilatura refuses addresses
that are not public (loopback, private networks, link-local) on every hop; set
``QA_ALLOW_PRIVATE_URLS=1`` to fetch from your own machine or network. Nothing is written but the
corpus folder's new file and ``metadata.json``.
"""
from __future__ import annotations

import io
import json
import logging
import os
import re
import stat
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..config import MAX_FILE_BYTES
from ..errors import BadInput
from .corpus import METADATA_FILE, _copy_new, doc_id_for, document_from, read_metadata
from .readers import read_bytes_checked, read_data

log = logging.getLogger(__name__)

#: Seconds the whole fetch may take (connect, redirects, reading), after which it is abandoned.
FETCH_TIMEOUT = 20
#: Longest URL accepted.
MAX_URL_CHARS = 2000
ALLOW_PRIVATE_ENV = "QA_ALLOW_PRIVATE_URLS"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(text: str) -> bool:
    """True if ``text`` is written as a URL (``scheme://...``), whatever the scheme."""
    return bool(_SCHEME.match(text.strip()))


def check_url(url: str) -> str:
    """``url`` stripped, or BadInput if it is not an http(s) URL with a host."""
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise BadInput(f"a URL of {len(url)} characters is over the {MAX_URL_CHARS}-character limit")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise BadInput(f"{url[:200]!r}: a URL may not hold spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise BadInput(f"{url[:200]}: not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadInput(f"{url[:200]}: only http:// and https:// URLs can be fetched")
    if not host:
        raise BadInput(f"{url[:200]}: the URL names no host")
    return url


@dataclass
class Fetched:
    url: str  # after redirects
    data: bytes
    suffix: str  # the format the bytes are in: .html, .pdf, .docx or .txt


def _config():
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "DOWNLOAD_TIMEOUT", str(FETCH_TIMEOUT))
    config.set("DEFAULT", "MAX_FILE_SIZE", str(MAX_FILE_BYTES))
    config.set("DEFAULT", "MAX_REDIRECTS", "2")
    config.set("DEFAULT", "INSECURE_SSL_FALLBACK", "off")
    config.set("DEFAULT", "SSRF_PROTECTION", "off" if os.environ.get(ALLOW_PRIVATE_ENV) == "1" else "on")
    return config


class _Reasons(logging.Handler):
    """Collects what trafilatura logs while this thread fetches: its fetcher returns None on a
    failure and says why only in its log."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record):
        if record.thread == self.thread and record.levelno >= logging.WARNING:
            self.messages.append(record.getMessage())


def _reason(messages: list[str]) -> str:
    text = " ".join(messages)
    if "exceeds MAX_FILE_SIZE" in text:
        return f"the page is over the {MAX_FILE_BYTES // 2**20} MB limit"
    if "SSRF protection" in text:
        return (f"the address is local or private, which is not fetched unless {ALLOW_PRIVATE_ENV}=1 "
                "is set")
    if "timed out" in text.lower() or "timeout" in text.lower():
        return f"no answer within {FETCH_TIMEOUT} s"
    for pattern, why in (("Name or service not known", "the host name is unknown"),
                         ("Temporary failure in name resolution", "the host name cannot be resolved"),
                         ("Connection refused", "the connection was refused"),
                         ("CERTIFICATE_VERIFY_FAILED", "its certificate cannot be verified"),
                         ("too many redirects", "too many redirects"),
                         ("Max retries exceeded", "the server cannot be reached")):
        if pattern.lower() in text.lower():
            return why
    return "the download failed"


def _fetch_response(url: str, out: dict) -> None:
    from trafilatura.downloads import fetch_response

    logger = logging.getLogger("trafilatura")
    handler = _Reasons()
    logger.addHandler(handler)
    try:
        out["response"] = fetch_response(url, decode=False, config=_config())
    except Exception as exc:  # the fetcher catches its own; anything else is one line too
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        logger.removeHandler(handler)
        out["messages"] = handler.messages


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


def fetch(url: str) -> Fetched:
    """The bytes at ``url`` (see the module's limits); BadInput naming the URL and why not."""
    url = check_url(url)
    out: dict = {}
    worker = threading.Thread(target=_fetch_response, args=(url, out), daemon=True, name="qa-fetch")
    worker.start()
    worker.join(FETCH_TIMEOUT)
    if worker.is_alive():  # trafilatura's timeout is per read; this bounds the whole fetch
        raise BadInput(f"{url}: no complete answer within {FETCH_TIMEOUT} s; try again later")
    resp = out.get("response")
    if resp is None:
        why = out.get("error") or _reason(out.get("messages", []))
        raise BadInput(f"{url}: cannot be fetched ({why})")
    if resp.status != 200:
        raise BadInput(f"{url}: the server answered HTTP {resp.status}, not a page")
    data = resp.data or b""
    if not data:
        raise BadInput(f"{url}: the server sent an empty page")
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(f"{url}: the page is over the {MAX_FILE_BYTES // 2**20} MB limit")
    headers = {k.lower(): v for k, v in (resp.headers or {}).items()}
    return Fetched(resp.url or url, data, sniff(data, headers.get("content-type", "")))


def name_for(url: str, suffix: str) -> str:
    """A corpus file name for a fetched URL: host and the last part of its path, made safe."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    last = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", segments[-1]) if segments else ""
    base = f"{parts.hostname or 'page'}-{last}" if last else (parts.hostname or "page")
    stem = doc_id_for(Path(base + ".x"))  # the made-up suffix keeps the host's dots in the stem
    return (stem[:80].strip("._-") or "page") + suffix


def add_url(corpus_dir: Path, url: str) -> Path:
    """Fetch ``url``, check it reads as a document, store its bytes in the corpus folder and its
    URL as the source in metadata.json; returns the new file's path.

    A file already there from the same URL is replaced (the page changed); a different document of
    the same name is never overwritten: the new one gets a ``-2`` (``-3``, ...) name."""
    fetched = fetch(url)
    url = check_url(url)
    name = name_for(fetched.url, fetched.suffix)
    document_from(read_data(fetched.data, name, fetched.suffix), name)  # refuses what cannot be indexed
    corpus_dir.mkdir(parents=True, exist_ok=True)
    meta, _ = read_metadata(corpus_dir)
    dest = _destination(corpus_dir, name, url, fetched.data, meta)
    if not os.path.lexists(dest):
        _write_new(dest, fetched.data)
    elif read_bytes_checked(dest) != fetched.data:
        _replace(dest, fetched.data)
    _record_source(corpus_dir, dest.name, url)
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
    tmp = dest.with_name(f".{dest.name}.fetch-{os.getpid()}-{threading.get_ident()}")
    tmp.write_bytes(data)
    try:
        _copy_new(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _replace(dest: Path, data: bytes) -> None:
    """The page changed since it was added: its file is replaced in one step (rename)."""
    tmp = dest.with_name(f".{dest.name}.fetch-{os.getpid()}-{threading.get_ident()}")
    with open(tmp, "xb") as f:
        f.write(data)
    os.replace(tmp, dest)


def _record_source(corpus_dir: Path, name: str, url: str) -> None:
    """metadata.json gains ``{name: {"source": url}}`` (its other entries kept), written under a
    temporary name and renamed, so a crash leaves the old file or the new, never half of one."""
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
    tmp = path.with_name(f".{METADATA_FILE}.part-{os.getpid()}-{threading.get_ident()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
