"""Serving the app: the REST API at once, the Gradio page as soon as Gradio has loaded.

Importing Gradio takes about 3 s on the reference machine and opening the index and model about
1 s; one after the other, nothing would answer for over 4 s. So the server starts with a small
FastAPI app: the REST API (``ui.rest``; a question that arrives before the engine is open waits
for it and is answered) and, for every other path, a "warming up" page (HTTP 503, reloading
itself every second; 503 so that anything polling for the page sees "not yet"). Meanwhile a
worker thread imports Gradio and builds the page; then the full app (REST + Gradio on the same
paths) takes over every request, its lifespan (Gradio's queue) entered from this server's own.

Both stages sit behind one check (``ui.guard.HostGuard``): only requests to the app's own address
(127.0.0.1, localhost or [::1] at its port, or a name set in ``QA_ALLOWED_HOSTS``, comma-separated)
and not from another site's page are served; the others get a one-line 400 or 403. Gradio adds no
CORS headers of its own (the app configures CORS itself: no other origin may read its answers).

Uploads wait in Gradio's upload folder (``GRADIO_TEMP_DIR``; ``app.py`` puts it in the project's
``.cache/uploads``) until they are added to the corpus or refused, and are deleted then
(``ui.documents.discard_upload``). What never became a document (a page left before "Add", a
client that only uploads) is deleted when more than ``UPLOAD_MAX_AGE_S`` old: at start and every
``SWEEP_EVERY_S`` seconds.
"""
from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from qa.config import allowed_hosts
from qa.serving import LazyEngine

from .guard import AllowedHosts, HostGuard
from .rest import add_routes

log = logging.getLogger("app")
TITLE = "Cited-passage Q&A"
WARMING = "Warming up: loading the index, the model and the page. This page reloads by itself in a moment."
FAILED = "The app failed to start: the server log says why."
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
#: An upload older than this that is still in the upload folder never became a document.
UPLOAD_MAX_AGE_S = 3600
SWEEP_EVERY_S = 600


def status_page(message: str, status: int) -> HTMLResponse:
    """A page of its own (no Gradio): the title and one line; a 503 reloads itself every second."""
    title = html.escape(TITLE)
    refresh = '<meta http-equiv="refresh" content="1">' if status == 503 else ""
    body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">{refresh}<title>{title}</title></head>'
            f'<body style="font-family: system-ui, sans-serif; margin: 3em"><h2>{title}</h2>'
            f"<p>{html.escape(message)}</p></body></html>")
    return HTMLResponse(body, status_code=status, headers={"Retry-After": "1"} if status == 503 else None)


class StagedApp:
    """An ASGI app that is ``early`` until ``build_full()`` (run on a worker thread at startup)
    returns the full app, and the full app from then on."""

    def __init__(self, early: FastAPI, build_full):
        self.app = early
        self.build_full = build_full
        self.ready = False  # the full app serves
        self.failed = False  # build_full raised; the early app says so

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        else:
            await self.app(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        stop = asyncio.Event()
        await receive()  # lifespan.startup
        task = asyncio.create_task(self._take_over(stop))
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        stop.set()
        if not self.ready:
            task.cancel()  # stopped before the page was built: do not wait for it
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await send({"type": "lifespan.shutdown.complete"})

    async def _take_over(self, stop: asyncio.Event) -> None:
        try:
            full = await asyncio.to_thread(self.build_full)
        except Exception:
            log.exception("the page could not be built")
            self.failed = True
            return
        async with full.router.lifespan_context(full):
            self.app, self.ready = full, True
            log.info("page ready")
            await stop.wait()


def early_app(holder: LazyEngine, failed) -> FastAPI:
    """REST now; every other path the warming-up page (or, once ``failed()``, the failure)."""
    api = add_routes(FastAPI(title=TITLE, docs_url=None, redoc_url=None, openapi_url=None), holder)

    @api.api_route("/{path:path}", methods=ALL_METHODS, include_in_schema=False)
    def warming(path: str) -> HTMLResponse:
        return status_page(FAILED, 500) if failed() else status_page(WARMING, 503)

    return api


def upload_folder() -> Path:
    """Gradio's upload folder, as ``gradio.utils.get_upload_folder`` finds it (without importing Gradio)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")


def sweep_uploads(folder: Path, max_age: float, now: float | None = None) -> int:
    """Delete the files under ``folder`` last written more than ``max_age`` seconds ago, then the
    folders that were that old and are left empty; returns how many files. Gradio writes each
    upload (mtime: when it arrived) into a folder of its own; links are deleted, never followed."""
    now = time.time() if now is None else now
    removed = 0
    for dirpath, _, filenames in os.walk(folder, topdown=False):
        try:  # the folder's age before its files go (deleting them makes it new)
            stale_dir = dirpath != str(folder) and now - os.lstat(dirpath).st_mtime > max_age
        except OSError:
            continue
        for name in filenames:
            path = os.path.join(dirpath, name)
            with contextlib.suppress(OSError):
                if now - os.lstat(path).st_mtime > max_age:
                    os.unlink(path)
                    removed += 1
        if stale_dir:
            with contextlib.suppress(OSError):  # not empty: a newer upload of the same content
                os.rmdir(dirpath)
    return removed


def keep_uploads_swept(folder: Path, max_age: float = UPLOAD_MAX_AGE_S, every: float = SWEEP_EVERY_S) -> None:
    """Sweep ``folder`` now and every ``every`` seconds, on a daemon thread."""
    def loop() -> None:
        while True:
            try:
                if removed := sweep_uploads(folder, max_age):
                    log.info("deleted %d upload(s) older than %d s from %s", removed, max_age, folder)
            except OSError as exc:
                log.warning("could not sweep the upload folder %s: %s", folder, exc)
            time.sleep(every)

    threading.Thread(target=loop, name="upload-sweeper", daemon=True).start()


def guarded(app, port: int) -> HostGuard:
    """``app`` behind the host and origin check for a server on ``port`` (QA_ALLOWED_HOSTS read
    here); a bad QA_ALLOWED_HOSTS ends the program with one line."""
    try:
        return HostGuard(app, AllowedHosts(port, allowed_hosts()))
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None


def serve(holder: LazyEngine, get_demo, port: int) -> None:
    """Serve the REST API and the page built by ``get_demo()`` on 127.0.0.1:``port`` (uvicorn)."""
    import uvicorn

    def build_full() -> FastAPI:
        import gradio as gr
        from fastapi.middleware.cors import CORSMiddleware

        from .blocks import LAUNCH_OPTIONS

        demo = get_demo()
        api = add_routes(FastAPI(title=TITLE, docs_url=None, redoc_url=None), holder)
        # The page calls its own origin only. With a CORSMiddleware of the parent app's, Gradio
        # adds none of its own (its own reflects any Origin, with credentials, to a Host that is
        # not a loopback name); this one allows no other origin at all.
        api.add_middleware(CORSMiddleware, allow_origins=[])
        return gr.mount_gradio_app(api, demo.queue(default_concurrency_limit=1), path="", server_name="127.0.0.1",
                                   server_port=port, show_error=True, **LAUNCH_OPTIONS)

    staged = StagedApp(early_app(holder, lambda: staged.failed), build_full)
    app = guarded(staged, port)  # one check in front of both stages: REST, warming up, Gradio
    keep_uploads_swept(upload_folder())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
