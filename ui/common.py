"""What the app's handlers share: the library's errors shown to the reader, progress reports, and
the browser-side scripts. (The engine opened on first use, ``LazyEngine``, is ``qa.serving``'s.)"""
from __future__ import annotations

import functools
import logging
from pathlib import Path

import gradio as gr

from qa import QAError

#: Event options for the page's own events: kept out of the public API (only /ask and /compare are in it).
PRIVATE = dict(api_visibility="private")
ASSETS = Path(__file__).with_name("assets")
log = logging.getLogger("app")


def refusal(message: str) -> gr.Error:
    """A reader's mistake shown to them as an error toast and logged as one line: no traceback, which
    Gradio otherwise prints for every gr.Error, as if the server had failed."""
    log.info("refused: %s", " ".join(message.split()))
    return gr.Error(message, print_exception=False)


def script(name: str) -> str:
    """A browser-side function from ui/assets (its leading // comment lines dropped)."""
    text = (ASSETS / name).read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("//"))


def user_errors(fn):
    """Show the library's errors (QAError) to the reader as gr.Error with the library's message."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except QAError as exc:
            raise refusal(str(exc)) from None
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
