"""The ``reelforge`` command: render specs, probe media, list what the engine offers.

Exit codes: 0 ok; 2 the spec is wrong; 3 a media file is wrong; 1 the render failed.
Errors are one line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="ReelForge: vertical video from edit specs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
transitions_app = typer.Typer(help="Transitions the engine offers.", no_args_is_help=True)
effects_app = typer.Typer(help="Film effects the engine offers.", no_args_is_help=True)
app.add_typer(transitions_app, name="transitions")
app.add_typer(effects_app, name="effects")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DebugFlag = Annotated[bool, typer.Option("--debug", help="Show the traceback on errors.")]


def fail(exc: BaseException, debug: bool) -> None:
    """Print one line for a ReelForge error (or the traceback with --debug) and exit."""
    from editor.errors import ReelForgeError

    if debug or not isinstance(exc, ReelForgeError):
        raise exc
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(exc.exit_code)


def load_json(path: Path) -> Any:
    from editor.errors import MediaError, SpecError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MediaError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError.at("", f"{path.name} is not valid JSON ({exc})") from None


@app.command()
def render(
    spec: Annotated[Path, typer.Argument(help="The edit spec (JSON).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The MP4 to write.")],
    draft: Annotated[bool, typer.Option("--draft", help="Fast 720p preview.")] = False,
    as_json: JsonFlag = False,
    debug: DebugFlag = False,
) -> None:
    """Render an edit spec to a vertical MP4."""
    from editor.render import local_resolver
    from editor.render import render as run_render
    from editor.spec import parse_spec

    try:
        edit = parse_spec(load_json(spec))
        with _progress(enabled=not as_json and sys.stderr.isatty()) as progress:
            result = run_render(
                edit,
                output,
                resolve=local_resolver(spec.resolve().parent),
                draft=draft,
                on_progress=progress,
                asset_root=spec.resolve().parent,
            )
    except (Exception, KeyboardInterrupt) as exc:
        fail(exc, debug)
    if as_json:
        typer.echo(json.dumps(result.to_json()))
    else:
        typer.echo(
            f"wrote {result.output} ({result.duration:.2f} s, {result.width}x{result.height}) "
            f"in {result.render_seconds:.1f} s"
        )
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)


@app.command()
def probe(
    file: Annotated[Path, typer.Argument(help="A video, audio or image file.")],
    as_json: JsonFlag = False,
    debug: DebugFlag = False,
) -> None:
    """Show what ReelForge sees in a media file (after the safety checks)."""
    from editor.probe import probe as run_probe

    try:
        info = run_probe(file)
    except Exception as exc:
        fail(exc, debug)
    facts = {k: v for k, v in info.to_json().items() if k != "path"}
    if as_json:
        typer.echo(json.dumps(facts))
    else:
        for key, value in facts.items():
            typer.echo(f"{key:12} {value}")


@transitions_app.command("list")
def transitions_list(as_json: JsonFlag = False) -> None:
    """Every transition, with its parameters and a one-line description."""
    from editor.transitions import TRANSITIONS

    params = {"duration": {"type": "number", "default": 0.5, "exclusiveMinimum": 0.0, "maximum": 3.0}}
    items = [{"name": n, "description": d, "parameters": params} for n, d in TRANSITIONS.items()]
    _listing(items, as_json)


@effects_app.command("list")
def effects_list(as_json: JsonFlag = False) -> None:
    """Every film effect, with its parameters (ranges, defaults) and a one-line description."""
    from editor.effects import EFFECTS, describe

    _listing([describe(cls) for cls in EFFECTS.values()], as_json)


def _listing(items: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(items, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "parameters", "description")
    for item in items:
        table.add_row(item["name"], ", ".join(item["parameters"]), item["description"])
    Console().print(table)


class _progress:
    """A rich progress bar on a terminal; a no-op callback otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, Progress, TimeRemainingColumn

        self.bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            "[progress.percentage]{task.percentage:>3.0f}%",
            TimeRemainingColumn(),
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task("rendering", total=1.0)
        return lambda fraction: self.bar.update(task, completed=fraction)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()


from api.commands import batch, db, presets, serve, sounds, template, users, worker  # noqa: E402

for command_module in (serve, users, db, worker, sounds, presets, template, batch):
    command_module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
