"""``reelforge presets list|show|previews``: looks, face effects, transition packs and templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Creator presets: looks, face effects, transition packs, templates.", no_args_is_help=True
    )

    @group.command("list")
    def list_presets(
        category: Annotated[
            str | None, typer.Option("--category", "-c", help="look, face, transition_pack, text or template")
        ] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Every preset (or one category's), with its tags and description."""
        from editor.names import unknown_name
        from editor.presets import CATEGORIES, default_library

        if category is not None and category not in CATEGORIES:
            typer.echo(f"error: {unknown_name('category', category, CATEGORIES)}", err=True)
            raise typer.Exit(2)
        items = [p.summary() for p in default_library().listing(category)]
        if as_json:
            typer.echo(json.dumps(items, indent=2))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("id", "category", "tags", "description")
        for item in items:
            table.add_row(item["id"], item["category"], ", ".join(item["tags"]), item["description"])
        Console().print(table)

    @group.command("show")
    def show(preset_id: Annotated[str, typer.Argument(metavar="ID", help="a preset id")]) -> None:
        """The whole preset as JSON (what it merges into a spec)."""
        from editor.errors import SpecError
        from editor.presets import default_library

        try:
            preset = default_library().get(preset_id, field="id")
        except SpecError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        typer.echo(json.dumps(preset.model_dump(mode="json", exclude_defaults=False), indent=2))

    @group.command("previews")
    def previews(
        output: Annotated[Path, typer.Option("-o", "--output", help="folder for <id>.png and <id>.mp4")],
        only: Annotated[list[str] | None, typer.Option("--only", help="just these preset ids")] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Render a thumbnail (PNG) and a 2 s preview (MP4) of each preset from sample media made by code."""
        from editor.errors import SpecError
        from editor.preset_previews import Preview, render_previews

        def report(done: Preview) -> None:
            if not as_json:
                status = f"ok  {done.video}" if done.error is None else f"failed: {done.error}"
                typer.echo(f"{done.id:18} {status}", err=done.error is not None)

        try:
            results = render_previews(output, ids=only or None, on_done=report)
        except SpecError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        if as_json:
            typer.echo(json.dumps([r.to_json() for r in results], indent=2))
        if any(r.error for r in results):
            raise typer.Exit(1)

    app.add_typer(group, name="presets")
