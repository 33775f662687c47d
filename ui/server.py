"""Serving the app: the REST API at once, the Gradio page as soon as Gradio has loaded.

Importing Gradio takes about 3 s on the reference machine and opening the index and model about
1 s; one after the other, nothing would answer for over 4 s. So the server starts with a small
FastAPI app: the REST API (``ui.rest``; a question that arrives before the engine is open waits
for it and is answered) and, for every other path, a "warming up" page (HTTP 503, reloading
itself every second; 503 so that anything polling for the page sees "not yet"). Meanwhile a
worker thread imports Gradio and builds the page; then the full app (REST + Gradio on the same
paths) takes over every request, its lifespan (Gradio's queue) entered from this server's own.
"""
from __future__ import annotations

import asyncio
import contextlib
import html
import logging

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from qa.serving import LazyEngine

from .rest import add_routes

log = logging.getLogger("app")
TITLE = "Cited-passage Q&A"
WARMING = "Warming up: loading the index, the model and the page. This page reloads by itself in a moment."
FAILED = "The app failed to start: the server log says why."
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


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


def serve(holder: LazyEngine, get_demo, port: int) -> None:
    """Serve the REST API and the page built by ``get_demo()`` on 127.0.0.1:``port`` (uvicorn)."""
    import uvicorn

    def build_full() -> FastAPI:
        import gradio as gr

        from .blocks import LAUNCH_OPTIONS

        demo = get_demo()
        api = add_routes(FastAPI(title=TITLE, docs_url=None, redoc_url=None), holder)
        return gr.mount_gradio_app(api, demo.queue(default_concurrency_limit=1), path="", server_name="127.0.0.1",
                                   server_port=port, show_error=True, **LAUNCH_OPTIONS)

    staged = StagedApp(early_app(holder, lambda: staged.failed), build_full)
    uvicorn.run(staged, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
