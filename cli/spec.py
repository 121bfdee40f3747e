"""``reelforge spec schema``: the edit spec's JSON Schema, for editors' validation and code generators."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    spec = typer.Typer(help="The edit spec contract.", no_args_is_help=True)

    @spec.command("schema")
    def schema(
        api: Annotated[
            bool,
            typer.Option("--api", help="Files as media:<id>/sound:<id>, as POST /v1/renders takes them."),
        ] = False,
    ) -> None:
        """Print the edit spec's JSON Schema (draft 2020-12). Files are paths relative to the spec file;
        with --api, the schema the OpenAPI document publishes for RenderCreate.spec."""
        from editor.spec_schema import spec_json_schema

        typer.echo(json.dumps(spec_json_schema("api" if api else "path"), indent=2))

    app.add_typer(spec, name="spec")
