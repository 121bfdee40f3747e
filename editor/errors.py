"""The one exception hierarchy of ReelForge.

    ReelForgeError                  base: every user-facing failure; ``str()`` is one line
    ├── SpecError                   the edit spec is wrong (CLI exit 2, HTTP 422)
    ├── MediaError                  a media file is wrong: missing, unreadable, hostile (exit 3)
    │   └── MediaLimitError         ... or over a configured limit (size, duration, streams)
    └── RenderError                 ffmpeg failed; carries the command and stderr tail (exit 1)
        ├── RenderTimeout           the hard wall-clock limit was hit; the process group was killed
        └── RenderCancelled         a cancel was requested; the process group was killed

Third-party errors (PyAV, ffmpeg, MediaPipe, pydantic) are translated into these at the seam
that calls them, so callers only ever catch ``ReelForgeError``.
"""

from __future__ import annotations

from collections.abc import Sequence


class ReelForgeError(Exception):
    """Base of every error a user can be shown."""

    exit_code = 1
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SpecError(ReelForgeError):
    """The edit spec is invalid. ``problems`` lists every problem found, each ``(field, reason)``."""

    exit_code = 2
    code = "invalid_spec"

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        first_field, first_reason = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{first_field}: {first_reason}{more}" if first_field else first_reason + more)

    @classmethod
    def at(cls, field: str, reason: str) -> SpecError:
        return cls([(field, reason)])


class MediaError(ReelForgeError):
    """A media file cannot be used; the message names the file and the reason."""

    exit_code = 3
    code = "invalid_media"


class MediaLimitError(MediaError):
    code = "media_over_limit"


class RenderError(ReelForgeError):
    """ffmpeg itself failed. ``command`` and ``stderr_tail`` are kept for logs, not for users."""

    exit_code = 1
    code = "render_failed"

    def __init__(self, message: str, *, command: Sequence[str] = (), stderr_tail: str = "") -> None:
        super().__init__(message)
        self.command = list(command)
        self.stderr_tail = stderr_tail


class RenderTimeout(RenderError):
    code = "render_timeout"


class RenderCancelled(RenderError):
    code = "render_cancelled"
