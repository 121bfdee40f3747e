"""The one HTTP error mapping: every failure leaves the API as ``{"error": {code, message, problems}}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from editor.errors import MediaError, MediaLimitError, ReelForgeError, RenderError, SpecError


class StorageError(ReelForgeError):
    """The object store failed or refused; usually transient."""

    code = "storage_unavailable"


class StorageUnavailable(StorageError):
    """The object store did not answer or answered 5xx/throttled: worth retrying with backoff."""


class ApiError(Exception):
    """An error with an HTTP status, a stable reason code and a one-line message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        problems: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.problems = problems or []
        self.headers = headers


def not_found(kind: str) -> ApiError:
    return ApiError(404, "not_found", f"{kind} not found")


_STATUS: tuple[tuple[type[ReelForgeError], int], ...] = (
    (SpecError, 422),
    (MediaLimitError, 413),
    (MediaError, 422),
    (StorageError, 503),
    (RenderError, 500),
)


def from_engine(exc: ReelForgeError) -> ApiError:
    status = next((s for cls, s in _STATUS if isinstance(exc, cls)), 500)
    problems = exc.problems if isinstance(exc, SpecError) else None
    return ApiError(status, exc.code, exc.message, problems=problems)


def body(code: str, message: str, problems: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "problems": [{"field": f, "reason": r} for f, r in problems or []],
        }
    }


def _respond(err: ApiError) -> JSONResponse:
    return JSONResponse(
        body(err.code, err.message, err.problems), status_code=err.status, headers=err.headers
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")


_HTTP_CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


def install(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return _respond(exc)

    async def engine_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ReelForgeError)
        return _respond(from_engine(exc))

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [(_field(tuple(e["loc"])), str(e["msg"])) for e in exc.errors()]
        return _respond(ApiError(422, "invalid_request", "the request is invalid", problems=problems))

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return _respond(
            ApiError(
                exc.status_code, code, str(exc.detail), headers=dict(exc.headers) if exc.headers else None
            )
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(ReelForgeError, engine_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
