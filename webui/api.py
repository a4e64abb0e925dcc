"""The HTTP API: POST /api/ask and GET /api/health, JSON errors, optional Basic auth, a request body cap."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa import Answer, DocumentError, QAError, QuestionError
from webui.state import ChatHandlers

log = logging.getLogger("ui")

# Largest /api/ask body read. qa uses only a short question and the latest history turns, but a client may send
# its whole conversation, and a 1,000,000-character question or pasted turn (~1 MB of JSON) must get the same
# refusal or answer over HTTP as from Python (tests/test_bad_input.py); 2 MiB admits that with room, and stops
# one request from making the server hold an unbounded body.
MAX_BODY_BYTES = 2 * 1024 * 1024
# An upload request holds at most this many files at the size cap: one request must not fill the disk
# with multipart spools; a folder of more goes in several requests.
UPLOAD_FILES_PER_REQUEST = 10


class HistoryMessage(BaseModel):
    """One earlier chat message, OpenAI style; an assistant's content may be the answer JSON it got."""

    role: Literal["user", "assistant", "system"]
    content: str | Answer


class HistoryTurn(BaseModel):
    """One earlier exchange: the question and the answer JSON /api/ask returned for it (or its text)."""

    question: str | None
    answer: Answer | str | None


class AskRequest(BaseModel):
    """A question and, for follow-ups, the conversation so far."""

    question: str = Field(description="The question about the document.", examples=["Who is the author?"])
    history: list[HistoryMessage | HistoryTurn | Answer | tuple[str | None, Answer | str | None]] = Field(
        default_factory=list,
        description=(
            "Earlier turns, oldest first: {role, content} messages, [user, assistant] pairs, {question, answer} "
            "turns, or bare answers. An assistant reply may be text or the answer JSON /api/ask returned; "
            "with the JSON, follow-ups use its citations (what was quoted, by whom, or that it abstained)."
        ),
    )

    documents: list[str] | None = Field(
        default=None,
        description="Answer from these document ids only (GET /api/documents lists them); all documents when absent.",
        examples=[None],
    )

    def turns(self) -> list[Any]:
        """Return the history in the shapes ``Assistant.ask`` takes."""
        out: list[Any] = []
        for entry in self.history:
            if isinstance(entry, HistoryMessage):
                out.append({"role": entry.role, "content": entry.content})
            elif isinstance(entry, HistoryTurn):
                out.append({"question": entry.question, "answer": entry.answer})
            else:
                out.append(entry if isinstance(entry, Answer) else list(entry))
        return out


def _error(status_code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status_code)


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(problems) + '. Send JSON like {"question": "...", "history": []}.'


class BodyLimit:
    """ASGI middleware that answers 413 to a request body over ``limit`` bytes on ``paths``, reading no further."""

    def __init__(self, app: ASGIApp, paths: Collection[str], limit: int, advice: str) -> None:
        self.app = app
        self.paths = frozenset(paths)
        self.limit = limit
        self.advice = advice

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with its body, or answer 413 as soon as the body is known to be too large."""
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            # Refused on the header alone: the server then discards the body as it arrives, unread.
            await self._refuse(scope, receive, send, f"{int(declared):,} bytes")
            return
        # Counted as it streams in: a chunked body has no Content-Length to check first.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before the body ended; there is no one to answer
            body += message.get("body", b"")
            if len(body) > self.limit:
                await self._refuse(scope, receive, send, f"over {self.limit:,} bytes")
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: str) -> None:
        message = f"The request body is {size}; {scope['path']} takes at most {self.limit:,} bytes. {self.advice}"
        await _error(413, message)(scope, receive, send)


_BASIC_AUTH = HTTPBasic(auto_error=False)


def build_api(handlers: ChatHandlers, auth: tuple[str, str] | None) -> FastAPI:
    """Return the FastAPI app: /api/ask, /api/documents and /api/health, JSON errors, a body cap, Basic auth
    when ``auth`` is set."""

    def require_auth(credentials: Annotated[HTTPBasicCredentials | None, Depends(_BASIC_AUTH)]) -> None:
        if auth is None:
            return
        ok = credentials is not None and (
            secrets.compare_digest(credentials.username.encode(), auth[0].encode())
            & secrets.compare_digest(credentials.password.encode(), auth[1].encode())
        )
        if not ok:
            raise HTTPException(
                401,
                "Authentication required: send HTTP Basic credentials (the QA_AUTH user:password).",
                headers={"WWW-Authenticate": 'Basic realm="qa"'},
            )

    app = FastAPI(
        title="Ask the article: HTTP API",
        description="Cited, extractive answers about the bundled article and its reader comments, or your own documents.",
        version="1",
    )
    settings = handlers.assistant.settings
    app.add_middleware(
        BodyLimit,
        paths=["/api/ask"],
        limit=MAX_BODY_BYTES,
        advice=(
            f"Send the question (at most {settings.max_question_chars:,} characters) and only the latest turns "
            f"of the history: just the last {settings.max_history_turns} are used."
        ),
    )

    app.add_middleware(
        BodyLimit,
        paths=["/api/documents"],
        limit=UPLOAD_FILES_PER_REQUEST * int(settings.max_file_mb * 1024 * 1024),
        advice=f"Upload at most {UPLOAD_FILES_PER_REQUEST} files of {settings.max_file_mb:g} MB per request.",
    )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(exc))

    @app.exception_handler(QuestionError)
    async def _bad_question(request: Request, exc: QuestionError) -> JSONResponse:
        return _error(422, str(exc))

    @app.exception_handler(DocumentError)
    async def _bad_document(request: Request, exc: DocumentError) -> JSONResponse:
        # DELETE names one document, and the only way it fails is that no document has that id.
        return _error(404 if request.method == "DELETE" else 422, str(exc))

    @app.exception_handler(QAError)
    async def _unavailable(request: Request, exc: QAError) -> JSONResponse:
        return _error(503, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("Unhandled error on %s", request.url.path, exc_info=exc)
        return _error(500, "Internal error; the server log has the details.")

    @app.post("/api/ask", response_model=Answer, dependencies=[Depends(require_auth)], tags=["qa"])
    def ask(body: AskRequest) -> Any:
        """Answer a question from the document, with cited quotes and who says them."""
        if not handlers.status.ready:
            state = handlers.status.describe()
            return _error(503, f"The index is not ready: {state['message']}.", status=state["status"])
        # Sent as built: response_model documents the shape, and re-validating every answer through it
        # costs CPU that 16 concurrent clients feel in their p95.
        return JSONResponse(handlers.ask(body.question, body.turns(), body.documents).to_dict())

    @app.get("/api/documents", dependencies=[Depends(require_auth)], tags=["documents"])
    def documents() -> JSONResponse:
        """List the documents answered over: id, title, format, file name, size, characters, pages, when added."""
        return JSONResponse({"documents": [d.to_dict() for d in handlers.assistant.documents()]})

    @app.post("/api/documents", dependencies=[Depends(require_auth)], tags=["documents"], status_code=201)
    async def add_documents(
        files: Annotated[list[UploadFile], File(description="txt, md, html, pdf or docx files")],
    ) -> JSONResponse:
        """Upload files (multipart) to add to the library; all or nothing, a bad file gets a 422 naming it."""
        limit = int(settings.max_file_mb * 1024 * 1024)
        received = []
        for upload in files:
            data = await upload.read(limit + 1)
            if len(data) > limit:
                raise DocumentError(
                    f"{upload.filename}: over the {settings.max_file_mb:g} MB limit per file; split it, "
                    "or raise QA_MAX_FILE_MB on the server."
                )
            received.append((upload.filename or "", data))
        changes = await run_in_threadpool(handlers.add_files, received)
        return JSONResponse(
            {"changes": [{"action": c.action, "document": c.document.to_dict()} for c in changes]}, status_code=201
        )

    @app.delete("/api/documents/{doc_id}", dependencies=[Depends(require_auth)], tags=["documents"])
    def remove_document(doc_id: str) -> JSONResponse:
        """Remove a document and its vectors; 404 when no document has that id."""
        return JSONResponse({"removed": handlers.remove(doc_id).to_dict()})

    @app.get("/api/health", dependencies=[Depends(require_auth)], tags=["qa"])
    def health() -> JSONResponse:
        """Report readiness (200 when ready, 503 while loading or failed), the index manifest and the model."""
        state = handlers.status.describe()
        return JSONResponse(state, status_code=200 if state["ready"] else 503)

    return app
