"""Request bodies at the boundary, before any route sees them: a size cap and strict JSON.

``BodyGuard`` is a plain ASGI middleware, so every route (and every route added later) is covered:

- a body over ``max_json_bytes`` is a 413 before it is read (``Content-Length``) or as soon as the
  stream passes the cap (chunked), so server time and memory stay bounded;
- a JSON body must be strict JSON: no ``NaN``/``Infinity`` tokens,
  nesting at most ``max_json_depth`` deep (checked on the bytes before parsing, so a deep body
  never reaches a recursive parser or serializer), else a 422 in the API's one error shape;
- no NUL character in a JSON string, a path or a query (PostgreSQL's text refuses them: they would
  fail as 500s on the production database and pass on SQLite).

The local upload route streams media of its own size limit: it is the one exemption.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from email.message import Message
from typing import Any

import numpy as np
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from api.errors import body as error_body

_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')  # a JSON string (possessive: no backtracking)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
# a \u0000 escape (not an escaped backslash followed by "u0000"): PostgreSQL text cannot hold NUL
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
NUL_REASON = "NUL characters are not accepted"


class BadJSON(ValueError):
    """Why a body is not strict JSON (the reason shown to the client)."""


def nesting(raw: bytes) -> int:
    """How deep the arrays and objects of JSON text ``raw`` nest (brackets inside strings aside)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where(np.isin(codes, _OPEN), 1, -1)
    return int(np.cumsum(steps).max())


def _constant(name: str) -> Any:
    raise BadJSON(f"{name} is not a JSON number; send a finite number")


def strict_loads(raw: bytes, max_depth: int) -> Any:
    """``json.loads`` that refuses NaN, Infinity, NUL characters and deep nesting. A number that
    overflows to infinity (``1e400``) parses; the models refuse it (``allow_inf_nan=False`` and an
    upper bound on every number), which costs nothing here (a parse hook per float doubled the
    parse time of a large body)."""
    if b"\\u0000" in raw and _NUL_ESCAPE.search(raw):  # the regex only when it may match
        raise BadJSON(f"{NUL_REASON} in strings")
    few = raw.count(b"[") + raw.count(b"{") <= max_depth  # then it cannot nest deeper
    depth = 0 if few else nesting(raw)
    if depth > max_depth:
        raise BadJSON(f"the JSON nests {depth} levels deep; at most {max_depth} are accepted")
    try:
        return json.loads(raw, parse_constant=_constant)
    except BadJSON:
        raise
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, int digit limits, bad UTF-8
        raise BadJSON(f"the body is not valid JSON: {str(exc)[:200]}") from None


def is_json(content_type: str | None) -> bool:
    """What FastAPI parses as JSON: ``application/json`` and ``application/*+json``."""
    if not content_type:
        return False
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def is_upload(scope: Scope) -> bool:
    """The local upload route (``PUT /v1/media/<id>/content``): bounded by the media's own limit."""
    path: str = scope.get("path", "")
    return scope.get("method") == "PUT" and path.startswith("/v1/media/") and path.endswith("/content")


class BodyGuard:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_depth: int, exempt: Callable[[Scope], bool] = is_upload
    ) -> None:
        self.app, self.max_bytes, self.max_depth, self.exempt = app, max_bytes, max_depth, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            await _answer(send, 422, error_body("invalid_request", NUL_REASON, [("", NUL_REASON)]))
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") or self.exempt(scope):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        if raw and is_json(headers.get("content-type")):
            try:
                strict_loads(raw, self.max_depth)
            except BadJSON as exc:
                content = error_body("invalid_json", "the body is not strict JSON", [("body", str(exc))])
                await _answer(send, 422, content)
                return
        sent = False

        async def replay() -> AsgiMessage:
            nonlocal sent
            if sent:
                return await receive()  # after the body: wait for the disconnect
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        reason = f"the request body is over the {self.max_bytes} byte limit"
        await _answer(send, 413, error_body("body_too_large", reason))


async def _answer(send: Send, status: int, content: dict[str, Any]) -> None:
    data = json.dumps(content, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
