"""After an upgrade that changes the sound analysis, `reelforge db reanalyze` brings stored sounds up
to date: the API then shows the new fields (phrases, key, highlights) for sounds uploaded before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from api.core.models import Sound
from audio.analysis import ANALYSIS_VERSION
from cli.main import app
from editor.samples import make_music
from tests.api.conftest import Server
from tests.api.test_sounds import publish

NEW_FIELDS = ("version", "phrases", "key", "highlights", "beat_confidence")


def test_reanalyze_upgrades_sounds_an_older_version_analysed(
    server_factory: Callable[..., Server], tmp_path: Path
) -> None:
    server = server_factory()
    song = make_music(tmp_path / "song.m4a", seconds=20, bpm=100, progression=5)
    with server.user("ava") as ava:
        sound = publish(ava, song, "Old upload")
        fresh = ava.get(f"/v1/sounds/{sound['id']}").json()["analysis"]
        assert fresh["version"] == ANALYSIS_VERSION and fresh["highlights"]
        with server.services.sessions() as session:  # as an older ReelForge stored it
            row = session.get(Sound, sound["id"])
            row.analysis = {k: v for k, v in fresh.items() if k not in NEW_FIELDS}
            session.commit()
        assert "highlights" not in ava.get(f"/v1/sounds/{sound['id']}").json()["analysis"]

        env = {"REELFORGE_HOME": str(server.settings.home), "REELFORGE_DATABASE_URL": server.settings.db_url}
        runner = CliRunner()
        done = runner.invoke(app, ["db", "reanalyze"], env=env)
        assert done.exit_code == 0, done.output
        assert f"sound {sound['id']}: analysed" in done.output
        assert "1 sound(s) re-analysed, 0 failed" in done.output
        now = ava.get(f"/v1/sounds/{sound['id']}").json()["analysis"]
        assert now == fresh  # the same file gives the same analysis
        again = runner.invoke(app, ["db", "reanalyze"], env=env)
        assert again.exit_code == 0 and "0 sound(s) re-analysed" in again.output
