"""``reelforge render SPEC -o OUT`` and ``reelforge probe FILE``: the engine on local files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import DebugFlag, JsonFlag, Progress, fail, load_json


def register(app: typer.Typer) -> None:
    @app.command()
    def render(
        spec: Annotated[Path, typer.Argument(help="The edit spec (JSON).")],
        output: Annotated[Path, typer.Option("-o", "--output", help="The MP4 to write.")],
        draft: Annotated[bool, typer.Option("--draft", help="Fast 720p preview.")] = False,
        hls: Annotated[
            Path | None,
            typer.Option(
                "--hls",
                help="Also write a progressive HLS preview (fMP4 segments, index.m3u8) into this "
                "folder while rendering, from the same encode.",
            ),
        ] = None,
        split: Annotated[
            int,
            typer.Option(
                "--split",
                min=1,
                max=16,
                help="Render an edit of 20 s or more in up to N pieces side by side, joined "
                "without re-encoding (not with --hls).",
            ),
        ] = 1,
        as_json: JsonFlag = False,
        debug: DebugFlag = False,
    ) -> None:
        """Render an edit spec to a vertical MP4."""
        from editor.preview import FolderSink
        from editor.render import local_resolver
        from editor.render import render as run_render
        from editor.resolve import parse_spec

        if split > 1 and hls is not None:
            raise typer.BadParameter("--split and --hls do not go together (the preview is one encode)")
        folder = spec.resolve().parent
        resolver = local_resolver(folder)
        try:
            edit = parse_spec(load_json(spec))
            if split > 1:
                from editor.split import render_split

                result, _ = render_split(
                    edit, output, resolve=resolver, workers=split, draft=draft, asset_root=folder
                )
            else:
                with Progress(enabled=not as_json and sys.stderr.isatty()) as progress:
                    result = run_render(
                        edit,
                        output,
                        resolve=resolver,
                        draft=draft,
                        on_progress=progress,
                        asset_root=folder,
                        preview=FolderSink(hls) if hls is not None else None,
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
            if hls is not None and result.first_segment_seconds is not None:
                typer.echo(
                    f"preview {hls / 'index.m3u8'} (first segment after {result.first_segment_seconds:.2f} s)"
                )
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)

    @app.command()
    def probe(
        file: Annotated[Path, typer.Argument(help="A video, audio or image file.")],
        as_json: JsonFlag = False,
        debug: DebugFlag = False,
    ) -> None:
        """Show what ReelForge sees in a media file (after the safety checks), and which ffmpeg renders."""
        from editor.ffmpeg import ffmpeg_build
        from editor.probe import probe as run_probe

        try:
            info = run_probe(file)
            build = ffmpeg_build()
        except Exception as exc:
            fail(exc, debug)
        facts = {k: v for k, v in info.to_json().items() if k != "path"}
        facts["ffmpeg"] = build.to_json() if as_json else build.describe()
        if as_json:
            typer.echo(json.dumps(facts))
        else:
            for key, value in facts.items():
                typer.echo(f"{key:12} {value}")
