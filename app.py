"""The browser app: ``python app.py`` (or ``make run``) serves http://127.0.0.1:7860 (the port
comes from GRADIO_SERVER_PORT), with no share link and analytics off. The app itself lives in
``ui/``; importing this module builds ``demo`` and nothing else (the index is opened and the
model loaded on first use), so tests and ``gradio app.py`` can import it freely.

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

from qa.config import go_offline

go_offline()  # before gradio imports huggingface_hub
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from ui import LAUNCH_OPTIONS, build_demo  # noqa: E402
from ui.rest import serve  # noqa: E402

demo = build_demo()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("httpx", "faiss.loader", "bm25s", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    port = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    # Open the index and load the model while the server starts, so the first question is quick.
    threading.Thread(target=demo.qa_engine.warm_up, name="warm-up", daemon=True).start()
    serve(demo, demo.qa_engine, port, LAUNCH_OPTIONS)


if __name__ == "__main__":
    main()
