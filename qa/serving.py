"""What a long-running server needs from the library: one engine, opened on first use by
whichever request comes first (or by a warm-up at start), shared by every request after it.

No Gradio or web imports: ``app.py`` starts the warm-up before importing the web stack, so the
index and model load while Gradio (about 3 s of imports here) is still loading.
"""
from __future__ import annotations

import logging
import threading
import time

from .config import Settings
from .engine import Engine

log = logging.getLogger("app")


def _default_settings() -> Settings:
    """Settings from the environment; with no QA_CORPUS_DIR, the corpus the index was built from."""
    from .index import remembered_corpus

    settings, note = remembered_corpus(Settings())
    if note:
        log.warning(note)
    return settings


class LazyEngine:
    """Opens ``Engine`` on first use (building or updating the index), once, whoever asks first.

    ``progress(stage, done, total)`` is told how the opening goes, also to a caller that only
    waits while another request (or the warm-up) is opening it. Once open, every ``get`` first
    takes up an index version another process made live (``Engine.sync``), so a request never
    acts on documents the index on disk no longer holds.
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._status: tuple[str, int, int] | None = None

    def get(self, progress=None) -> Engine:
        if self._engine is not None:
            # the CLI or another app may have changed the index since: a stat when it did not
            self._engine.sync()
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
                self._engine = Engine.open(self.settings or _default_settings(), progress=report)
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

    def start_warm_up(self) -> threading.Thread:
        """``warm_up`` on a background thread (returned, already started)."""
        thread = threading.Thread(target=self.warm_up, name="warm-up", daemon=True)
        thread.start()
        return thread
