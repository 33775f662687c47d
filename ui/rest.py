"""A plain REST API beside Gradio's, on the same server: ``POST /api/ask`` and ``POST /api/compare``
take JSON and return exactly the command line's JSON (``qa ask --json``, ``qa compare --json``).

    curl -s -X POST http://127.0.0.1:7860/api/ask -H 'Content-Type: application/json' \\
         -d '{"question": "Who confronted Putin?", "top_k": 3}'

Every refusal is JSON with a one-line ``"error"``, checked in this order:

- ``413``: a body over ``MAX_BODY_BYTES`` (never read whole);
- ``400``: a body that is not JSON (not UTF-8, or nested too deeply to parse);
- ``422``: a body of the wrong shape: a field missing or of the wrong type (``top_k`` a whole
  number, not "3" or true), more than ``MAX_DOC_IDS`` document ids. FastAPI's ``"detail"`` list
  is kept beside ``"error"``, naming the field (without the value sent);
- ``400``: the library's errors (the same one line the CLI prints): an empty or too long
  question, one with nothing to search for or not valid text, ``top_k`` out of range, an
  unknown document id. Repeated document ids are searched once.

- ``405``: another method than POST on ``/api/ask`` or ``/api/compare`` (``Allow: POST``).

``GET`` (and ``HEAD``) ``/api/documents/{doc_id}/original`` returns a document's original file from
the corpus folder (what the reader's "open the original" link opens), or ``404`` with a one-line
``"error"`` when the id is unknown or the file is gone or changed since it was indexed.

``GET /api/docs`` is a page listing these endpoints (from the app's OpenAPI schema, also served as
``/openapi.json``); the page's footer links to it.
"""
from __future__ import annotations

import html
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BaseModel, Field, StrictInt, StrictStr
from starlette.exceptions import HTTPException

from qa import DEFAULT_TOP_K, QAError
from qa.present.links import ORIGINAL_ROUTE
from qa.serving import LazyEngine

#: The largest request body read, in bytes: a question of the longest length the library takes,
#: even sent as \uXXXX escapes, and a thousand document ids fit several times over.
MAX_BODY_BYTES = 256 * 1024
#: The most document ids one request may name (a corpus with more is searched whole, without ids).
MAX_DOC_IDS = 1000

#: What a refusal of a body of the wrong shape shows as an example, per path.
EXAMPLES = {"/api/ask": '{"question": "Who confronted Putin?", "top_k": 3}', "/api/compare": '{"topic": "partial mobilisation"}'}

#: The page that lists the REST endpoints.
DOCS_ROUTE = "/api/docs"
#: A list of document ids, each kept once in the order sent (4,000 copies of one id are one search).
DocIds = Annotated[list[StrictStr], Field(max_length=MAX_DOC_IDS), AfterValidator(lambda ids: list(dict.fromkeys(ids)))]


#: The methods answered 405 on the POST endpoints (instead of falling through to the page's 404).
OTHER_METHODS = {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}


class AskRequest(BaseModel):
    question: StrictStr
    top_k: StrictInt = DEFAULT_TOP_K
    doc_ids: DocIds | None = None
    method: StrictStr = "hybrid"


class CompareRequest(BaseModel):
    topic: StrictStr
    doc_ids: DocIds | None = None


def error(message: str, status: int, headers: dict | None = None, **extra) -> JSONResponse:
    """``{"error": "<one line>"}`` with ``status`` (a lone surrogate in a message sent back as "?")."""
    line = " ".join(message.split()).encode("utf-8", "replace").decode("utf-8")
    return JSONResponse({"error": line, **extra}, status_code=status, headers=headers)


def invalid_body(exc: RequestValidationError, example: str) -> JSONResponse:
    """422 naming the first wrong field in one line; FastAPI's detail kept, minus the values sent."""
    problems = [{"type": e.get("type"), "loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
    first = problems[0] if problems else {"type": None, "loc": [], "msg": "not the expected JSON object"}
    if first["type"] == "json_invalid":
        return error(f"the request body is not JSON ({exc.errors()[0].get('ctx', {}).get('error', 'invalid')}); "
                     "send a JSON object", 400)
    field = ".".join(str(p) for p in first["loc"] if p != "body") or "the body"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return error(f"{field}: {first['msg']}{more}; send e.g. {example}", 422, detail=problems)


async def read_limited(request: Request) -> bytes | None:
    """The body, or None when it is longer than MAX_BODY_BYTES (declared or as it arrives)."""
    declared = request.headers.get("content-length", "")
    if declared and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
    return b"".join(chunks)


class CheckedRoute(APIRoute):
    """A route that reads at most MAX_BODY_BYTES and answers every refusal as one-line JSON."""

    def get_route_handler(self):
        handle = super().get_route_handler()

        async def checked(request: Request):
            body = await read_limited(request)
            if body is None:
                return error(f"the request body is over {MAX_BODY_BYTES:,} bytes; send a shorter question "
                             f"or fewer doc_ids (at most {MAX_DOC_IDS:,})", 413)
            request._body = body  # FastAPI parses the body read here instead of reading the stream again
            try:
                return await handle(request)
            except RequestValidationError as exc:
                return invalid_body(exc, EXAMPLES.get(self.path, "a JSON object"))
            except HTTPException as exc:  # FastAPI's 400 for a body it could not decode or parse
                if exc.status_code != 400:
                    raise
                return error("the request body is not readable JSON (not UTF-8 text, or nested too deeply); "
                             f"send e.g. {EXAMPLES.get(self.path, 'a JSON object')}", exc.status_code)
            except QAError as exc:
                return error(str(exc), 400)

        return checked


def add_routes(app: FastAPI, holder: LazyEngine) -> FastAPI:
    """The endpoints on ``app``; plain ``def``s, so FastAPI runs them on its thread pool."""
    router = APIRouter(route_class=CheckedRoute)

    @app.exception_handler(QAError)
    def library_error(request: Request, exc: QAError) -> JSONResponse:
        return error(str(exc), 400)

    @router.post("/api/ask")
    def ask(body: AskRequest) -> dict:
        """Ask a question: the passages that answer it, verbatim with citations, or why none does
        (the object ``qa ask --json`` prints)."""
        return holder.get().ask(body.question, top_k=body.top_k, doc_ids=body.doc_ids, method=body.method).to_json()

    @router.post("/api/compare")
    def compare(body: CompareRequest) -> dict:
        """Compare how the documents cover a topic (the object ``qa compare --json`` prints)."""
        return holder.get().compare(body.topic, body.doc_ids).to_json()

    def wrong_method(request: Request) -> JSONResponse:
        path = request.url.path
        return error(f"{request.method} is not allowed on {path}: send POST with a JSON body, e.g. {EXAMPLES[path]}",
                     405, headers={"Allow": "POST"})

    for path in EXAMPLES:  # without these, another method falls through to the page's own 404
        app.add_api_route(path, wrong_method, methods=sorted(OTHER_METHODS), include_in_schema=False)

    @app.get(ORIGINAL_ROUTE)
    def original(doc_id: str) -> Response:
        """A document's original file from the corpus folder (the reader's "open the original").
        A PDF opens in the browser; anything else is a download, and never runs as a page of this
        app: HTML from a document is the document's, not ours (sandboxed, type not sniffed)."""
        try:
            found = holder.get().original(doc_id)
        except QAError as exc:
            return error(str(exc), 404)
        inline = found.media_type == "application/pdf"
        headers = {"Content-Disposition": f"{'inline' if inline else 'attachment'}; "
                                          f"filename*=UTF-8''{quote(found.name, safe='')}",
                   "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
        if not inline:
            headers["Content-Security-Policy"] = "sandbox"
        return Response(found.data, media_type=found.media_type, headers=headers)

    app.add_api_route(ORIGINAL_ROUTE, original, methods=["HEAD"], include_in_schema=False)  # the server sends no body

    @app.get(DOCS_ROUTE, include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(docs_page(app.openapi(), str(request.base_url).rstrip("/")))

    app.include_router(router)
    return app


def docs_page(schema: dict, base_url: str) -> str:
    """A self-contained page listing the REST endpoints of ``schema`` (OpenAPI): method, path, what
    it does and an example; nothing is fetched from elsewhere (FastAPI's own page loads its script
    from a CDN)."""
    items = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            doc = html.escape(" ".join((op.get("description") or op.get("summary") or "").split()))
            example = EXAMPLES.get(path)
            call = (f"<pre>curl -s -X {method.upper()} {html.escape(base_url + path)} "
                    f"-H 'Content-Type: application/json' -d '{html.escape(example)}'</pre>" if example else "")
            items.append(f"<li><code>{method.upper()} {html.escape(path)}</code>: {doc}{call}</li>")
    title = html.escape(schema.get("info", {}).get("title", "API"))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>REST API: {title}</title></head>'
            f'<body style="font-family: system-ui, sans-serif; margin: 2em; max-width: 60em">'
            f"<h1>REST API: {title}</h1><p>JSON in, JSON out: the same objects as the command line's "
            f"<code>--json</code>. Every refusal is a JSON object with a one-line <code>error</code>. "
            f'The schema: <a href="/openapi.json">/openapi.json</a>.</p><ul>{"".join(items)}</ul></body></html>')
