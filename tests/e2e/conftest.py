"""A real app server for the browser and API tests: ``python app.py`` in a subprocess.

It serves a temp copy of the corpus with its own index folder (QA_CORPUS_DIR / QA_INDEX_DIR), on
a free port of 127.0.0.1, with the real bundled model. The repo's built index is copied first
when there is one, so only the changed paths are rewritten and nothing needs embedding again; the
repo's own corpus/ and index/ are only read. One server serves the whole test session.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = os.environ.get("QA_TEST_CHROMIUM", "/usr/bin/chromium")
#: The article files of the default corpus: their doc ids (file stems) are used to keep API
#: questions on the two articles while the browser tests upload other documents.
ARTICLE_IDS = sorted(p.stem for p in CORPUS.glob("*.txt"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_index(src: Path, dest: Path) -> None:
    """Copy the live version of an index folder, if any (best effort: a rebuild also works)."""
    try:
        name = (src / "CURRENT").read_text(encoding="utf-8").strip()
        shutil.copytree(src / name, dest / name)
        (dest / "CURRENT").write_text(name, encoding="utf-8")
    except (OSError, shutil.Error):
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True, exist_ok=True)


def record(name: str, value) -> None:
    """Keep a measured figure in tests/screenshots/figures.json (git-ignored) and print it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "figures.json"
    try:
        figures = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        figures = {}
    figures[name] = value
    path.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"{name}: {value}")


#: Files left in the upload folder before the server starts: one older than the server keeps
#: uploads (deleted at start), one just written (kept: it may be an upload in progress).
STALE_UPLOAD, FRESH_UPLOAD = Path("0ld5ha") / "abandoned.txt", Path("f4e5h") / "in-progress.txt"


def plant_uploads(uploads: Path) -> None:
    from ui.server import UPLOAD_MAX_AGE_S

    for rel in (STALE_UPLOAD, FRESH_UPLOAD):
        (uploads / rel).parent.mkdir(parents=True, exist_ok=True)
        (uploads / rel).write_text("left behind by a page that never pressed Add", encoding="utf-8")
    old = time.time() - UPLOAD_MAX_AGE_S - 60
    for path in (uploads / STALE_UPLOAD, (uploads / STALE_UPLOAD).parent):
        os.utime(path, (old, old))


class AppServer:
    def __init__(self, url: str, proc: subprocess.Popen, log: Path, corpus: Path, uploads: Path):
        self.url, self.proc, self.log, self.corpus, self.uploads = url, proc, log, corpus, uploads
        self.port = int(url.rsplit(":", 1)[1].strip("/"))

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-n:]
        except OSError:
            return ""


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"app.py did not answer on {url} within {timeout:.0f} s:\n{tail}")


def _ask_at_once(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> dict:
    """POST /api/ask, retried only while the port refuses connections."""
    body = json.dumps({"question": "Who confronted Putin about the war?"}).encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        request = urllib.request.Request(url + "api/ask", data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, ConnectionRefusedError):
                raise
            time.sleep(0.05)
    raise RuntimeError(f"app.py did not take a question within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    corpus, index = tmp / "corpus", tmp / "index"
    shutil.copytree(CORPUS, corpus)
    copy_index(ROOT / "index", index)
    port = free_port()
    env = dict(os.environ, QA_CORPUS_DIR=str(corpus), QA_INDEX_DIR=str(index), GRADIO_SERVER_PORT=str(port),
               GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", GRADIO_TEMP_DIR=str(tmp / "uploads"))
    plant_uploads(tmp / "uploads")
    log = tmp / "app.log"
    url = f"http://127.0.0.1:{port}/"
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # A question sent as soon as the port opens, before the model or the page is ready, waits
        # for the engine and is answered (the server answers REST while Gradio still loads).
        first = _ask_at_once(url, proc, log, timeout=240)
        assert first["passages"], first
        record("first_rest_answer_s", round(time.monotonic() - started, 2))
        _wait_until_up(url, proc, log, timeout=240)
        up = time.monotonic() - started
        from gradio_client import Client

        client = Client(url, verbose=False)
        answer = client.predict("Who confronted Putin about the war?", 5, None, api_name="/ask")
        assert answer["passages"], answer
        record("server_up_s", round(up, 2))
        record("first_answer_s", round(time.monotonic() - started, 2))
        yield AppServer(url, proc, log, corpus, tmp / "uploads")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api  # in requirements-test.txt: a missing package fails, never skips
    if not Path(CHROMIUM).exists():  # required, never skipped: a missing browser is a failure with its fix
        pytest.fail(f"no Chromium at {CHROMIUM}; install it with: sudo apt-get install chromium fonts-dejavu-core "
                    "(or set QA_TEST_CHROMIUM to a Chromium binary)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield b
        finally:
            b.close()


@contextlib.contextmanager
def open_page(browser, app_server, viewport: dict):
    """A fresh page (its own context and storage) on the app at ``viewport``, loaded and showing its
    documents; ``page.js_errors`` collects the page's script errors, dialogs are accepted."""
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("dialog", lambda d: d.accept())
    pg.goto(app_server.url)
    pg.wait_for_selector("#qa-docs-selected input[type=checkbox]")
    pg.js_errors = errors
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser, app_server):
    """A fresh page on the app, loaded and showing its documents."""
    with open_page(browser, app_server, {"width": 1280, "height": 900}) as pg:
        yield pg
