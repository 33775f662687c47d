"""Running a coroutine from a test, whatever ran before it in the session."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coro):
    """``asyncio.run(coro)`` on a thread of its own: Playwright's sync API, used by the browser
    tests earlier in the session, leaves an event loop running in the main thread, where
    ``asyncio.run`` refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
