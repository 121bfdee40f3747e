"""``reelforge template render TEMPLATE --clips a.mp4 b.mp4 ... -o OUT``: a beat-synced template, rendered."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def parse_texts(pairs: list[str] | None) -> dict[str, str]:
    """``["title=Hi", ...]`` -> ``{"title": "Hi"}``; a pair without ``=`` is a usage error."""
    texts: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r} must look like key=text", param_hint="--text")
        texts[key.strip()] = value
    return texts


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Beat-synced templates: drop clips, get a video cut on the beat.", no_args_is_help=True
    )

    @group.command("render")
    def render_template(
        template: Annotated[str, typer.Argument(help="a bundled template id or a template .json file")],
        clips: Annotated[
            list[Path], typer.Argument(help="the clips, in order (reused when fewer than slots)")
        ],
        output: Annotated[Path, typer.Option("-o", "--output", help="The MP4 to write.")],
        _clips_flag: Annotated[
            bool, typer.Option("--clips", help="(optional) marks the start of the clips")
        ] = False,
        text: Annotated[list[str] | None, typer.Option("--text", help="fill a placeholder: key=text")] = None,
        sound: Annotated[
            Path | None, typer.Option("--sound", help="the sound (default: the template's)")
        ] = None,
        draft: Annotated[bool, typer.Option("--draft", help="Fast 720p preview.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
        debug: Annotated[bool, typer.Option("--debug", help="Show the traceback on errors.")] = False,
    ) -> None:
        """Render TEMPLATE with the clips; every cut lands on a beat of the sound."""
        from cli.common import Progress, fail
        from editor.render import render
        from editor.template.media import load_template, plan_files

        texts = parse_texts(text)
        try:
            loaded = load_template(template)
            plan, resolve = plan_files(loaded, clips, texts=texts, sound=sound)
            with Progress(enabled=not as_json and sys.stderr.isatty()) as progress:
                result = render(plan.spec, output, resolve=resolve, draft=draft, on_progress=progress)
        except (Exception, KeyboardInterrupt) as exc:
            fail(exc, debug)
        warnings = [*plan.warnings, *result.warnings]
        if as_json:
            typer.echo(json.dumps({**result.to_json(), "warnings": warnings, "beats": list(plan.beats)}))
        else:
            typer.echo(
                f"wrote {result.output} ({result.duration:.2f} s, {result.width}x{result.height}, "
                f"{len(result.cuts)} cuts on the beat) in {result.render_seconds:.1f} s"
            )
            for warning in warnings:
                typer.echo(f"warning: {warning}", err=True)

    app.add_typer(group, name="template")
