"""The browser app: ``python app.py`` (or ``make run``) serves http://127.0.0.1:7860 (the port
comes from GRADIO_SERVER_PORT), with no share link and analytics off. The app itself lives in
``ui/``. Importing this module loads neither Gradio, the index nor the model: ``app.demo`` (for
tests and ``gradio app.py``) builds the page on first access.

``main()`` starts opening the index and loading the model first, then serves the REST API at once
and the page as soon as Gradio has loaded (``ui/server.py``): a question sent right after start
waits for the engine and is answered. The server answers only at its own address and only to its
own page (not to other sites' pages): ``QA_ALLOWED_HOSTS`` names more addresses (ui/guard.py).
Uploads wait in ``.cache/uploads`` (GRADIO_TEMP_DIR) and are deleted once handled, or after an hour.

API (see the README): Gradio's, for gradio_client, and plain REST beside it (``ui/rest.py``)::

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")
    client.predict("Who confronted Putin?", 5, None, api_name="/ask")   # same object as qa ask --json
    client.predict("mobilisation", api_name="/compare")                # same object as qa compare --json

    curl -s -X POST http://127.0.0.1:7860/api/ask -H 'Content-Type: application/json' \
         -d '{"question": "Who confronted Putin?"}'
"""
from __future__ import annotations

import logging
import os
import threading

from qa.config import PROJECT_ROOT, go_offline

go_offline()  # before gradio imports huggingface_hub
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Gradio's upload folder (read once, when gradio is imported): in the project's cache, where the
# server deletes uploads that never became documents (ui/server.py), not /tmp/gradio for ever.
os.environ.setdefault("GRADIO_TEMP_DIR", str(PROJECT_ROOT / ".cache" / "uploads"))

from qa.serving import LazyEngine  # noqa: E402

engine = LazyEngine()
_demo = None
_demo_lock = threading.Lock()


def get_demo():
    """The page (a gr.Blocks over ``engine``), built once on first call."""
    global _demo
    with _demo_lock:
        if _demo is None:
            from ui.blocks import build_demo

            _demo = build_demo(engine=engine)
    return _demo


def __getattr__(name: str):
    if name == "demo":  # built on first access: importing Gradio alone takes seconds
        return get_demo()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("httpx", "faiss.loader", "bm25s", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    engine.start_warm_up()  # the index and model load while the web stack imports
    from ui.server import serve

    serve(engine, get_demo, int(os.environ.get("GRADIO_SERVER_PORT", "7860")))


if __name__ == "__main__":
    main()
