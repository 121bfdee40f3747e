"""What every ``reelforge`` command shares: one-line errors with exit codes, progress, JSON input.

Exit codes come from the error itself (``editor.errors``): 0 ok, 2 the spec is wrong, 3 a media
file is wrong, 1 anything else. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DebugFlag = Annotated[bool, typer.Option("--debug", help="Show the traceback on errors.")]


def fail(exc: BaseException, debug: bool) -> NoReturn:
    """Print one line for a ReelForge error (or the traceback with --debug) and exit."""
    from editor.errors import ReelForgeError

    if debug or not isinstance(exc, ReelForgeError):
        raise exc
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(exc.exit_code)


def load_json(path: Path) -> Any:
    """A JSON file the user named; missing is a media error, malformed a spec error."""
    from editor.errors import MediaError, SpecError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MediaError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError.at("", f"{path.name} is not valid JSON ({exc})") from None


def print_table(items: list[dict[str, Any]], columns: dict[str, Any], as_json: bool) -> None:
    """``items`` as indented JSON, or as a rich table whose cells ``columns`` maps from each item."""
    if as_json:
        typer.echo(json.dumps(items, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns)
    for item in items:
        table.add_row(*(str(cell(item)) for cell in columns.values()))
    Console().print(table)


class Progress:
    """A rich progress bar on a terminal; on leaving, the callback is ``None`` when disabled."""

    def __init__(self, enabled: bool, label: str = "rendering") -> None:
        self.enabled, self.label = enabled, label

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        self.bar = Bar(
            "[progress.description]{task.description}",
            BarColumn(),
            "[progress.percentage]{task.percentage:>3.0f}%",
            TimeRemainingColumn(),
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task(self.label, total=1.0)
        return lambda fraction: self.bar.update(task, completed=fraction)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()


@contextlib.contextmanager
def needs(extra: str) -> Iterator[None]:
    """Turn a missing optional dependency into one line naming the extra that brings it."""
    try:
        yield
    except ModuleNotFoundError as exc:
        hint = f"this command needs `pip install 'reelforge[{extra}]'` ({exc.name} is missing)"
        typer.echo(f"error: {hint}", err=True)
        raise typer.Exit(1) from None


def report_ffmpeg() -> None:
    """Log which ffmpeg this process renders with, at start-up; one line and exit 1 if it cannot run."""
    import logging

    from editor.ffmpeg import ffmpeg_build

    try:
        build = ffmpeg_build()
    except Exception as exc:
        fail(exc, debug=False)
    logging.getLogger("reelforge").info("rendering with %s", build.describe())
