"""The HTTP API: POST /api/ask and GET /api/health, JSON errors and optional Basic auth."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa import Answer, QAError, QuestionError
from webui.state import ChatHandlers

log = logging.getLogger("ui")


class HistoryMessage(BaseModel):
    """One earlier chat message, OpenAI style."""

    role: Literal["user", "assistant", "system"]
    content: str


class AskRequest(BaseModel):
    """A question and, for follow-ups, the conversation so far."""

    question: str = Field(description="The question about the document.", examples=["Who is the author?"])
    history: list[HistoryMessage | tuple[str | None, str | None]] = Field(
        default_factory=list,
        description="Earlier turns: {role, content} messages or [user, assistant] pairs, oldest first.",
    )


def _error(status_code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status_code)


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(problems) + '. Send JSON like {"question": "...", "history": []}.'


_BASIC_AUTH = HTTPBasic(auto_error=False)


def build_api(handlers: ChatHandlers, auth: tuple[str, str] | None) -> FastAPI:
    """Return the FastAPI app with /api/ask and /api/health, JSON errors, and Basic auth when ``auth`` is set."""

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
        description="Cited, extractive answers about the bundled article and its reader comments.",
        version="1",
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
        history = [m.model_dump() if isinstance(m, HistoryMessage) else list(m) for m in body.history]
        return handlers.ask(body.question, history)

    @app.get("/api/health", dependencies=[Depends(require_auth)], tags=["qa"])
    def health() -> JSONResponse:
        """Report readiness (200 when ready, 503 while loading or failed), the index manifest and the model."""
        state = handlers.status.describe()
        return JSONResponse(state, status_code=200 if state["ready"] else 503)

    return app
