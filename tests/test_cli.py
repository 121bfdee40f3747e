"""The `reelforge` command as operators use it: exit codes, one-line errors, JSON summaries."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from editor.ffmpeg import ffmpeg_build
from testkit import face_media
from tests.conftest import TINY, cli_env, run_cli, wait_for, write_spec


def test_render_json_prints_the_summary(workdir: Path) -> None:
    spec = write_spec(workdir, {"output": TINY, "clips": [{"src": "a.mp4", "out": 1.2}]})
    result = run_cli("render", str(spec), "-o", str(workdir / "out.mp4"), "--json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {"output", "duration", "width", "height", "fps", "render_seconds"} <= summary.keys()
    assert (summary["width"], summary["height"], summary["duration"]) == (270, 480, 1.2)
    assert Path(summary["output"]).is_file()


def test_a_wrong_spec_exits_2_with_one_line_naming_the_field(workdir: Path) -> None:
    spec = write_spec(workdir, {"clips": [{"src": "a.mp4", "effects": [{"type": "sepai"}]}]})
    result = run_cli("render", str(spec), "-o", str(workdir / "out.mp4"), cwd=workdir)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: clips[0].effects[0].type: unknown effect 'sepai'; did you mean 'sepia'?"
    )
    result = run_cli("render", str(spec), "-o", str(workdir / "out.mp4"), "--debug", cwd=workdir)
    assert "Traceback" in result.stderr
    assert not (workdir / "out.mp4").exists()


def test_a_hostile_spec_gets_one_bounded_line(workdir: Path) -> None:
    """The CLI refuses what the API refuses (NaN from a JSON file, a key as long as a page) in one
    line of bounded size, however many problems the spec has."""
    key = "k" * 5000
    clips = [{"src": "a.mp4", "out": float("nan"), key: 1} for _ in range(200)]
    spec = workdir / "spec.json"
    spec.write_text(json.dumps({"clips": clips}))  # json.dumps writes NaN, as some tools do
    result = run_cli("render", str(spec), "-o", str(workdir / "out.mp4"), cwd=workdir)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 800, lines[0][:200]
    assert lines[0].startswith("error: clips[0].out: Input should be a finite number (and 399 more)")


def test_a_transition_longer_than_its_clip_exits_2(workdir: Path) -> None:
    spec = write_spec(
        workdir,
        {
            "clips": [
                {"src": "a.mp4", "out": 0.5, "transition": {"type": "fade", "duration": 1.0}},
                {"src": "b.mov"},
            ]
        },
    )
    result = run_cli("render", str(spec), "-o", str(workdir / "out.mp4"), cwd=workdir)
    assert result.returncode == 2 and "clips[0].transition.duration" in result.stderr


def test_a_failed_render_exits_1_and_leaves_nothing(workdir: Path) -> None:
    (workdir / "broken.cube").write_text("LUT_3D_SIZE 2\nnot numbers at all\n")
    spec = write_spec(
        workdir,
        {
            "output": TINY,
            "clips": [{"src": "a.mp4", "out": 1}],
            "effects": [{"type": "lut", "name": "broken.cube"}],
        },
    )
    result = run_cli("render", str(spec), "-o", str(workdir / "out.mp4"), cwd=workdir)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: ffmpeg failed") and len(result.stderr.strip().splitlines()) == 1
    assert [p.name for p in workdir.iterdir() if "out" in p.name] == []


def test_listings_describe_names_parameters_and_ranges(tmp_path: Path) -> None:
    transitions = json.loads(run_cli("transitions", "list", "--json", cwd=tmp_path).stdout)
    effects = json.loads(run_cli("effects", "list", "--json", cwd=tmp_path).stdout)
    assert len(transitions) >= 24 and len(effects) >= 12
    grade = next(e for e in effects if e["name"] == "grade")
    assert grade["parameters"]["contrast"] == {
        "type": "number",
        "default": 1.0,
        "minimum": 0.0,
        "maximum": 3.0,
    }
    assert all(item["description"] for item in transitions + effects)


def test_probe_json_reports_display_orientation(workdir: Path) -> None:
    facts = json.loads(run_cli("probe", "c.mp4", "--json", cwd=workdir).stdout)
    assert facts["rotation"] == 90 and facts["height"] > facts["width"]
    assert {
        "duration",
        "width",
        "height",
        "rotation",
        "fps",
        "has_audio",
        "video_codec",
        "audio_codec",
    } <= facts.keys()
    assert facts["ffmpeg"] == ffmpeg_build().to_json()  # the ffmpeg that renders, and its version


def test_sounds_analyze_prints_tempo_beats_and_loudness(workdir: Path) -> None:
    result = run_cli("sounds", "analyze", "music.m4a", "--json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {
        "duration",
        "tempo",
        "beats",
        "downbeats",
        "onsets",
        "loudness_lufs",
        "true_peak_db",
        "beats_per_bar",
        "phrases",
        "key",
        "mode",
        "key_confidence",
        "highlights",
    } <= data.keys()
    assert abs(data["tempo"] - 120) < 120 * 0.04  # make_music writes 120 BPM
    whole = round(data["duration"])  # 24 s: the 30 and 60 s windows are the whole song
    assert [round(h["end"] - h["start"]) for h in data["highlights"]] == [15, whole, whole]
    assert all(abs(b - round(b * 2) / 2) < 0.07 for b in data["beats"])
    bad = run_cli("sounds", "analyze", "d.mp4", cwd=workdir)  # a clip without sound
    assert bad.returncode == 3 and bad.stderr.startswith("error: ") and "audio" in bad.stderr


def test_cli_and_server_share_one_data_home(workdir: Path, tmp_path: Path) -> None:
    """With REELFORGE_HOME unset, renders (face and sound caches), sound analysis, users and the
    server all use ./.reelforge of the folder they run in, and nothing lands in the user's home."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home)}
    face_media.write_clip(
        workdir / "face.mp4", face_media.static_face(180, 320), width=180, height=320, seconds=1.2
    )
    spec = write_spec(
        workdir,
        {
            "output": TINY,
            "sync": "beats",
            "clips": [
                {"src": "face.mp4", "out": 1.1, "transition": {"type": "fade", "duration": 0.2}},
                {"src": "a.mp4", "out": 1.0},
            ],
            "face_effects": [{"type": "sticker", "asset": "sunglasses"}],
            "audio": {"sound": {"src": "music.m4a"}},
        },
    )
    rendered = run_cli("render", str(spec), "-o", str(workdir / "out.mp4"), cwd=workdir, env=env)
    assert rendered.returncode == 0, rendered.stderr
    analysed = run_cli("sounds", "analyze", "b.mov", "--json", cwd=workdir, env=env)
    assert analysed.returncode == 0, analysed.stderr
    created = run_cli("users", "create", "ann", "--json", cwd=workdir, env=env)
    assert created.returncode == 0, created.stderr
    data = workdir / ".reelforge"
    assert any((data / "cache" / "faces").iterdir())
    assert len(list((data / "cache" / "sounds").iterdir())) == 2  # the render's sound and b.mov's
    assert (data / "reelforge.db").is_file()
    assert not (home / ".reelforge").exists()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--workers", "0"],
        cwd=workdir,
        env=cli_env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for("the server", lambda: _answers(f"{url}/healthz"), timeout=60)
        token = json.loads(created.stdout)["token"]
        mine = httpx.get(f"{url}/v1/renders", headers={"Authorization": f"Bearer {token}"})
        assert mine.status_code == 200, "the server does not know the user the CLI created"
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert sorted(p.name for p in workdir.glob("*/reelforge.db")) == ["reelforge.db"]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False
