"""The one HTTP mapping: every failure leaves the API as ``{"error": {code, message, problems}}``.

Services raise the errors of ``editor.errors`` (one tree, drawn there); ``STATUS`` is the only
place that knows which HTTP status each one is.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from editor.errors import (
    Conflict,
    Forbidden,
    MediaError,
    MediaLimitError,
    NotFound,
    ReelForgeError,
    RenderError,
    SpecError,
    StorageError,
    Throttled,
    TooLarge,
    Unauthenticated,
)

STATUS: tuple[tuple[type[ReelForgeError], int], ...] = (  # the first match wins: subclasses first
    (SpecError, 422),
    (MediaLimitError, 413),
    (MediaError, 422),
    (NotFound, 404),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (Conflict, 409),
    (TooLarge, 413),
    (Throttled, 429),
    (StorageError, 503),
    (RenderError, 500),
)

# Starlette's own errors (unknown route, wrong method) by status.
_HTTP: dict[int, type[ReelForgeError]] = {401: Unauthenticated, 403: Forbidden, 404: NotFound, 413: TooLarge}


def status_of(exc: ReelForgeError) -> int:
    return next((status for cls, status in STATUS if isinstance(exc, cls)), 500)


MAX_PROBLEMS = 50  # listed in one answer; the rest are counted in ``omitted``
MAX_TEXT = 300  # characters of one field or reason (a field can echo a client's key)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def body(
    code: str, message: str, problems: list[tuple[str, str]] | None = None, *, unlisted: int = 0
) -> dict[str, Any]:
    """The one error shape. The answer stays small whatever the request: at most ``MAX_PROBLEMS``
    problems, each field and reason clipped, and how many were left out (``unlisted``: problems
    the caller counted but did not build)."""
    problems = problems or []
    omitted = max(0, len(problems) - MAX_PROBLEMS) + unlisted
    error: dict[str, Any] = {
        "code": code,
        "message": clip(message, 2 * MAX_TEXT),
        "problems": [{"field": clip(f), "reason": clip(r)} for f, r in problems[:MAX_PROBLEMS]],
    }
    if omitted:
        error["omitted"] = omitted
    return {"error": error}


def response(exc: ReelForgeError, *, unlisted: int = 0) -> JSONResponse:
    headers = {}
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    content = body(exc.code, exc.message, exc.problems, unlisted=unlisted)
    return JSONResponse(content, status_code=status_of(exc), headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")


def install(app: FastAPI) -> None:
    async def reelforge_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ReelForgeError)
        return response(exc)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # only the problems that will be shown are formatted (pydantic lists every one)
        errors = exc.errors()
        problems = [(_field(tuple(e["loc"])), str(e["msg"])) for e in errors[:MAX_PROBLEMS]]
        error = SpecError(problems, code="invalid_request", message="the request is invalid")
        return response(error, unlisted=len(errors) - len(problems))

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        cls = _HTTP.get(exc.status_code)
        if cls is not None:
            return response(cls(str(exc.detail)))
        code = "method_not_allowed" if exc.status_code == 405 else "http_error"
        return JSONResponse(body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(ReelForgeError, reelforge_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
