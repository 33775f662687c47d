"""A plain REST API beside Gradio's, on the same server: ``POST /api/ask`` and ``POST /api/compare``
take JSON and return exactly the command line's JSON (``qa ask --json``, ``qa compare --json``).

    curl -s -X POST http://127.0.0.1:7860/api/ask -H 'Content-Type: application/json' \\
         -d '{"question": "Who confronted Putin?", "top_k": 3}'

The library's errors come back as ``400 {"error": "..."}`` (the same one line the CLI prints);
a body of the wrong shape as FastAPI's ``422`` with the field named.
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from qa import DEFAULT_TOP_K, QAError
from qa.serving import LazyEngine


class AskRequest(BaseModel):
    question: str
    top_k: int = DEFAULT_TOP_K
    doc_ids: list[str] | None = None
    method: str = "hybrid"


class CompareRequest(BaseModel):
    topic: str
    doc_ids: list[str] | None = None


def add_routes(app: FastAPI, holder: LazyEngine) -> FastAPI:
    """The two endpoints on ``app``; plain ``def``s, so FastAPI runs them on its thread pool."""

    @app.exception_handler(QAError)
    def library_error(request: Request, exc: QAError) -> JSONResponse:
        return JSONResponse({"error": " ".join(str(exc).split())}, status_code=400)

    @app.post("/api/ask")
    def ask(body: AskRequest) -> dict:
        return holder.get().ask(body.question, top_k=body.top_k, doc_ids=body.doc_ids, method=body.method).to_json()

    @app.post("/api/compare")
    def compare(body: CompareRequest) -> dict:
        return holder.get().compare(body.topic, body.doc_ids).to_json()

    return app
