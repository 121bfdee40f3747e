"""One router per resource; every error answer has the ``ErrorResponse`` shape."""

from __future__ import annotations

from typing import Any

from api.schemas import ErrorResponse

_DESCRIPTIONS = {
    401: "missing or invalid bearer token",
    403: "not allowed (the reason is in the body)",
    404: "no such object for this user",
    409: "conflicts with the object's state",
    413: "over the upload size limit, the request body cap or the storage quota",
    422: "the request is invalid; the first 50 problems are listed, `omitted` counts the rest",
    429: "rate limit or quota reached; see Retry-After",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in codes}


COMMON_ERRORS = responses(401, 422, 429)
