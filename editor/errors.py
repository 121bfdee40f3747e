"""The one exception hierarchy of ReelForge: the engine's errors and the service's.

    ReelForgeError              base: every failure a user can be shown; ``str()`` is one line
    ├── SpecError               a spec or request is invalid: every (field, reason)      exit 2 · 422
    ├── MediaError              a media file is wrong: missing, unreadable, hostile       exit 3 · 422
    │   └── MediaLimitError     ... or over a configured limit (size, duration, streams) exit 3 · 413
    ├── RenderError             ffmpeg failed; keeps the command and the stderr tail     exit 1 · 500
    │   ├── RenderTimeout       the wall-clock limit was hit; the process group was killed
    │   └── RenderCancelled     a cancel was requested; the process group was killed
    ├── StorageError            the object store failed or refused                               503
    │   └── StorageUnavailable  ... transiently (network, 5xx, throttling): retried first
    ├── JobFailed               a render job ended ``failed`` for the reason its ``code`` names
    ├── NotFound                no such object, or one the caller may not see (the same answer) 404
    ├── Unauthenticated         a missing or bad credential                                      401
    ├── Forbidden               visible, but this use is not allowed (reuse rights, admin)       403
    ├── Conflict                the object's state, or an earlier request, disagrees             409
    ├── TooLarge                a body or upload over its size limit                             413
    └── Throttled               a rate limit or quota is reached; retry after ``retry_after`` s  429

The exit codes are the CLI's; the statuses are the one HTTP mapping in ``api/errors.py``.
Third-party errors (PyAV, ffmpeg, MediaPipe, pydantic, boto, SQLAlchemy) are translated into
these at the seam that calls them, so callers only ever catch ``ReelForgeError``. ``code`` is a
stable machine-readable reason (``invalid_spec``, ``sound_reuse_revoked``...): each class has a
default, and a raise may name a more precise one.
"""

from __future__ import annotations

from collections.abc import Sequence

Problems = Sequence[tuple[str, str]]


class ReelForgeError(Exception):
    """Base of every error a user can be shown."""

    exit_code = 1
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, problems: Problems = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or type(self).code
        self.problems = list(problems)


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class SpecError(ReelForgeError):
    """The edit spec (or a request) is invalid. ``problems`` lists every problem, each ``(field, reason)``."""

    exit_code = 2
    code = "invalid_spec"

    def __init__(self, problems: Problems, *, code: str | None = None, message: str | None = None) -> None:
        problems = list(problems)
        first_field, first_reason = (_clip(text) for text in problems[0])  # may echo the input
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        summary = f"{first_field}: {first_reason}{more}" if first_field else first_reason + more
        super().__init__(message or summary, code=code, problems=problems)

    @classmethod
    def at(cls, field: str, reason: str, *, code: str | None = None) -> SpecError:
        return cls([(field, reason)], code=code)


class MediaError(ReelForgeError):
    """A media file cannot be used; the message names the file and the reason."""

    exit_code = 3
    code = "invalid_media"


class MediaLimitError(MediaError):
    code = "media_over_limit"


class RenderError(ReelForgeError):
    """ffmpeg itself failed. ``command`` and ``stderr_tail`` are kept for logs, not for users."""

    code = "render_failed"

    def __init__(self, message: str, *, command: Sequence[str] = (), stderr_tail: str = "") -> None:
        super().__init__(message)
        self.command = list(command)
        self.stderr_tail = stderr_tail


class RenderTimeout(RenderError):
    code = "render_timeout"


class RenderCancelled(RenderError):
    code = "render_cancelled"


class StorageError(ReelForgeError):
    """The object store failed or refused; the message says which object and operation."""

    code = "storage_unavailable"


class StorageUnavailable(StorageError):
    """The object store did not answer, or answered 5xx/throttled: worth retrying with backoff."""


class JobFailed(ReelForgeError):
    """A render job cannot finish; ``code`` (e.g. ``sound_reuse_revoked``) is what its result shows."""


class NotFound(ReelForgeError):
    """No such object for this caller. An object the caller may not see answers exactly so."""

    code = "not_found"

    @classmethod
    def of(cls, kind: str) -> NotFound:
        return cls(f"{kind} not found")


class Unauthenticated(ReelForgeError):
    code = "unauthenticated"


class Forbidden(ReelForgeError):
    code = "forbidden"


class Conflict(ReelForgeError):
    code = "conflict"


class TooLarge(ReelForgeError):
    code = "too_large"


class Throttled(ReelForgeError):
    """A rate limit or quota is reached; ``retry_after`` is in whole seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
