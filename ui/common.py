"""What the app's handlers share: the engine opened on first use, the library's errors shown to
the reader, progress reports, and the browser-side scripts."""
from __future__ import annotations

import functools
import logging
import threading
import time
from pathlib import Path

import gradio as gr

from qa import Engine, QAError, Settings

log = logging.getLogger("app")
#: Event options for the page's own events: kept out of the public API (only /ask and /compare are in it).
PRIVATE = dict(api_visibility="private")
ASSETS = Path(__file__).with_name("assets")


def script(name: str) -> str:
    """A browser-side function from ui/assets (its leading // comment lines dropped)."""
    text = (ASSETS / name).read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("//"))


class LazyEngine:
    """Opens ``Engine`` on first use (building or updating the index), once, whoever asks first.

    ``progress(stage, done, total)`` is told how the opening goes, also to a caller that only
    waits while another request (or the warm-up) is opening it.
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._status: tuple[str, int, int] | None = None

    def get(self, progress=None) -> Engine:
        if self._engine is not None:
            return self._engine
        while not self._lock.acquire(timeout=0.25):
            if progress is not None and self._status is not None:
                progress(*self._status)
        try:
            if self._engine is None:
                def report(stage: str, done: int, total: int) -> None:
                    self._status = (stage, done, total)
                    if progress is not None:
                        progress(stage, done, total)
                self._engine = Engine.open(self.settings or Settings(), progress=report)
                log.info("index ready: %d documents", len(self._engine.documents))
        finally:
            self._lock.release()
        return self._engine

    def warm_up(self) -> None:
        """Open the index and load the model now, so the first question is answered at once."""
        try:
            t0 = time.perf_counter()
            engine = self.get()
            t1 = time.perf_counter()
            engine.embedder.encode(["warm up"])
            log.info("ready: index opened in %.1f s, model loaded in %.1f s", t1 - t0, time.perf_counter() - t1)
        except Exception:  # the first request will raise it again, with a message for the reader
            log.exception("warm-up failed")


def user_errors(fn):
    """Show the library's errors (QAError) to the reader as gr.Error with the library's message."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except QAError as exc:
            raise gr.Error(str(exc)) from None
    return wrapper


def progress_callback(progress):
    """Adapt gr.Progress to the library's progress(stage, done, total)."""
    if progress is None:
        return None

    def report(stage: str, done: int, total: int) -> None:
        try:
            progress((done, max(total, 1)), desc=f"index: {stage}")
        except Exception:  # progress is cosmetic; never let it break indexing
            pass
    return report


def without_name(message: str, name: str) -> str:
    """A library message without its leading "name: " (the app shows the name itself)."""
    return message[len(name) + 2:] if message.startswith(name + ": ") else message
