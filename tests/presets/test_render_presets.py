"""Every look, face preset and transition pack renders (small, in a few combined specs); looks differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from editor.presets import TransitionPack, default_library
from editor.probe import probe
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from tests.media import frame_at

LIB = default_library()
TINY = {"width": 270, "height": 480, "fps": 30, "preset": "ultrafast"}
SLOT = 0.5


def run(folder: Path, spec: dict[str, Any], name: str):  # type: ignore[no-untyped-def]
    return render(parse_spec(spec), folder / name, resolve=local_resolver(folder))


def test_every_look_renders_and_each_looks_different(workdir: Path) -> None:
    looks = [p.id for p in LIB.listing("look")]
    clips = [{"src": "face.mp4", "in": 1.0, "duration": SLOT, "transition": None}]
    clips += [
        {"src": "face.mp4", "in": 1.0, "duration": SLOT, "preset": look, "transition": None} for look in looks
    ]
    del clips[-1]["transition"]
    result = run(workdir, {"output": TINY, "clips": clips, "audio": {"loudness": None}}, "looks.mp4")
    assert probe(result.output).duration == pytest.approx(SLOT * len(clips), abs=0.1)
    frames = [frame_at(result.output, (i + 0.5) * SLOT).astype(float) for i in range(len(clips))]
    names = ["plain", *looks]
    for i in range(len(frames)):
        for j in range(i + 1, len(frames)):
            difference = np.abs(frames[i] - frames[j]).mean()
            assert difference > 4, f"{names[i]} and {names[j]} look alike ({difference:.1f})"


def test_every_face_preset_renders(workdir: Path) -> None:
    faces = [p.id for p in LIB.listing("face")]
    clips: list[dict[str, Any]] = [
        {"src": "face.mp4", "in": 0.5, "duration": SLOT, "preset": face, "transition": None} for face in faces
    ]
    del clips[-1]["transition"]
    plain = run(
        workdir, {"output": TINY, "clips": [{"src": "face.mp4", "in": 0.5, "duration": SLOT}]}, "plain.mp4"
    )
    result = run(workdir, {"output": TINY, "clips": clips}, "faces.mp4")
    assert probe(result.output).duration == pytest.approx(SLOT * len(faces), abs=0.1)
    assert not any("no face" in w for w in result.warnings)
    before = frame_at(plain.output, SLOT / 2).astype(float)
    for i, face in enumerate(faces):  # each preset changed the face region of its clip
        after = frame_at(result.output, (i + 0.5) * SLOT).astype(float)
        changed = (np.abs(after - before).sum(axis=2) > 60).mean()
        assert changed > 0.003, f"{face} changed {changed:.2%} of the frame"


@pytest.mark.parametrize("pack", [p.id for p in LIB.listing("transition_pack")])
def test_every_transition_pack_renders_in_rotation(workdir: Path, pack: str) -> None:
    preset = LIB.get(pack)
    assert isinstance(preset, TransitionPack)
    n = len(preset.transitions) + 1
    clips = [{"src": src, "duration": 1.5} for src in (["a.mp4", "c.mp4", "d.mp4"] * n)[:n]]
    result = run(workdir, {"output": TINY, "clips": clips, "preset": pack}, f"{pack}.mp4")
    overlap = sum(t.duration for t in preset.transitions)
    assert probe(result.output).duration == pytest.approx(1.5 * n - overlap, abs=0.1)


def test_every_text_preset_renders_and_shows_its_text(workdir: Path) -> None:
    styles = [p.id for p in LIB.listing("text")]
    assert len(styles) >= 6
    overlays = [
        {
            "type": "text",
            "text": "Hi 你好 ✨",
            "start": i * SLOT * 2,
            "end": (i + 1) * SLOT * 2,
            "style": style,
        }
        for i, style in enumerate(styles)
    ]
    clip = {"src": "photo.jpg", "duration": SLOT * 2 * len(styles)}
    plain = run(workdir, {"output": TINY, "clips": [clip], "audio": {"loudness": None}}, "plain.mp4")
    spec = {"output": TINY, "clips": [clip], "overlays": overlays, "audio": {"loudness": None}}
    result = run(workdir, spec, "texts.mp4")
    before = frame_at(plain.output, SLOT).astype(float)
    for i, style in enumerate(styles):  # settled, mid-way through its slot (a typewriter has typed)
        after = frame_at(result.output, (i * 2 + 1.6) * SLOT).astype(float)
        changed = (np.abs(after - before).sum(axis=2) > 60).mean()
        assert changed > 0.004, f"{style} changed {changed:.2%} of the frame"


def test_previews_command_writes_a_thumbnail_and_a_short_video(tmp_path: Path) -> None:
    only = ["--only", "noir", "--only", "smooth", "--only", "neon-title"]
    done = CliRunner().invoke(app, ["presets", "previews", "-o", str(tmp_path), *only, "--json"])
    assert done.exit_code == 0, done.output
    for preset_id in ("noir", "smooth", "neon-title"):
        assert probe(tmp_path / f"{preset_id}.mp4").duration == pytest.approx(2.0, abs=0.1)
        thumb = probe(tmp_path / f"{preset_id}.png")
        assert (thumb.width, thumb.height) == (360, 640)
    bad = CliRunner().invoke(app, ["presets", "previews", "-o", str(tmp_path), "--only", "nior"])
    assert bad.exit_code == 2 and "did you mean 'noir'" in bad.output


def test_presets_list_and_show() -> None:
    listed = CliRunner().invoke(app, ["presets", "list", "--category", "look", "--json"])
    assert listed.exit_code == 0
    import json

    items = json.loads(listed.stdout)
    assert {i["category"] for i in items} == {"look"} and len(items) == len(LIB.listing("look"))
    shown = CliRunner().invoke(app, ["presets", "show", "punchy"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["transitions"][0]["type"] == "zoom_punch"
    assert CliRunner().invoke(app, ["presets", "list", "--category", "looks"]).exit_code == 2
