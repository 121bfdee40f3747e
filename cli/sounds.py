"""``reelforge sounds analyze FILE --json``: tempo, beats, bars, key, highlights and loudness of a sound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The sound library: analysis of sounds.", no_args_is_help=True)

    @group.command("analyze")
    def analyze(
        file: Annotated[Path, typer.Argument(help="An audio file, or a video whose sound to analyse.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
        debug: Annotated[bool, typer.Option("--debug", help="Show the traceback on errors.")] = False,
    ) -> None:
        """Tempo, beats, bars and phrases, key, the best 15/30/60 s (highlights), EBU R128 loudness."""
        from cli.common import fail
        from editor.audio_decode import sound_analysis
        from editor.probe import probe

        try:
            probe(file)  # the safety checks and limits every input goes through
            analysis = sound_analysis(file)
        except Exception as exc:
            fail(exc, debug)
        data = analysis.to_json()
        if as_json:
            typer.echo(json.dumps(data))
            return
        typer.echo(f"tempo        {data['tempo']:.1f} BPM ({len(data['beats'])} beats)")
        typer.echo(f"bars         {len(data['downbeats'])} of {data['beats_per_bar']} beats")
        key = f"{data['key']} {data['mode']}" if data["key"] else "none"
        typer.echo(f"key          {key} (confidence {data['key_confidence']:.2f})")
        for h in data["highlights"]:
            typer.echo(f"highlight    {h['end'] - h['start']:.0f} s from {h['start']:.2f} s")
        lufs, peak = data["loudness_lufs"], data["true_peak_db"]
        typer.echo(f"loudness     {lufs:.1f} LUFS, true peak {peak:.1f} dBTP")
        typer.echo(f"duration     {data['duration']:.2f} s")

    app.add_typer(group, name="sounds")
