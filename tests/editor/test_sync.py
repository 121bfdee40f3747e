"""Picture and sound stay in sync on timestamps as phones write them: a trim inside a gap between
frames, a sound track that starts after the picture, 120 fps with AAC, slow motion, a transition,
and the API's mezzanine. Each clip flashes and beeps at the same moment of its own timeline; the
output's flash and beep (their middles) must be less than one output frame apart (33 ms at 30 fps).
Before these fixes the same files came out 108-113 ms and 21 ms apart."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest

from api.services.normalize import cfr_rate, normalize
from editor.plan.build import trim_options
from editor.probe import Limits, probe
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from testkit.phone_media import flash_and_beep, flash_beep_clip

FRAME = 1 / 30
OUT = {"width": 180, "height": 320, "fps": 30, "preset": "ultrafast"}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sync")
    flash_beep_clip(folder / "plain.mp4")
    flash_beep_clip(folder / "vfr.mp4", drop=(0.49, 0.6))  # frames 0.5..0.567 missing
    flash_beep_clip(folder / "late.mp4", audio_delay=0.13)
    flash_beep_clip(folder / "hfr.mp4", fps=120)
    return folder


def _render(folder: Path, clips: list[dict[str, object]], name: str) -> Path:
    spec = parse_spec({"output": OUT, "clips": clips, "audio": {"loudness": None}})
    return render(spec, folder / name, resolve=local_resolver(folder)).output


def test_trims_from_zero_do_not_seek() -> None:
    assert trim_options(0.0, 2.0) == ["-t", "2"]
    assert trim_options(0.52, 2.0) == ["-ss", "0.52", "-t", "2"]


@pytest.mark.parametrize(
    ("src", "clip"),
    [
        ("vfr.mp4", {"in": 0.52}),  # the trim point falls inside the gap
        ("late.mp4", {}),  # the sound starts 130 ms after the picture
        ("late.mp4", {"in": 0.5}),
        ("hfr.mp4", {}),  # 120 fps, AAC: seeking to 0 dropped the first audio frame
        ("hfr.mp4", {"in": 0.5}),
        ("plain.mp4", {"in": 0.52, "speed": 0.5}),
        ("hfr.mp4", {"in": 0.3, "speed": 0.25}),
    ],
)
def test_flash_and_beep_stay_together(clips: Path, src: str, clip: dict[str, object]) -> None:
    out = _render(clips, [{"src": src, **clip}], f"{src}-{len(clip)}-{clip.get('speed', 1)}.mp4")
    flash, beep = flash_and_beep(out)
    start, speed = float(clip.get("in", 0.0)), float(clip.get("speed", 1.0))  # type: ignore[arg-type]
    assert flash == pytest.approx((1.6 - start) / speed, abs=FRAME)  # where the source has it
    assert abs(beep - flash) < FRAME, (flash, beep)


def test_sync_survives_a_transition_after_a_clip_with_late_sound(clips: Path) -> None:
    out = _render(
        clips,
        [
            {"src": "late.mp4", "in": 0.2, "out": 2.0, "transition": {"type": "fade", "duration": 0.5}},
            {"src": "vfr.mp4", "in": 0.52},
        ],
        "joined.mp4",
    )
    with av.open(str(out)) as container:
        bright = [
            float(f.time) for f in container.decode(video=0) if f.to_ndarray(format="gray").mean() > 128
        ]
    first = 1.5 - 0.2  # the first clip's flash starts at 1.5 s of its file; it is read from 0.2
    second = (1.8 - 0.5) + (1.5 - 0.52)  # the second starts where the fade begins
    assert bright[0] == pytest.approx(first, abs=FRAME)
    flash2 = [t for t in bright if t > first + 0.5]
    assert flash2 and flash2[0] == pytest.approx(second, abs=FRAME)
    with av.open(str(out)) as container:
        frames = list(container.decode(audio=0))
    t0, rate = float(frames[0].time), frames[0].sample_rate
    loud = np.abs(np.concatenate([f.to_ndarray()[0] for f in frames])) > 0.1
    edges = np.flatnonzero(np.diff(loud.astype(int)) == 1) / rate + t0
    beeps = [edges[0], *[e for e in edges if e > edges[0] + 0.5]]
    assert beeps[0] == pytest.approx(first, abs=FRAME)
    assert beeps[1] == pytest.approx(second, abs=FRAME)


def test_the_mezzanine_keeps_late_sound_in_sync_and_high_frame_rates(clips: Path, tmp_path: Path) -> None:
    late = normalize(clips / "late.mp4", "video", tmp_path, Limits(), timeout=300)
    flash, beep = flash_and_beep(late.path)
    assert abs(beep - flash) < FRAME and flash == pytest.approx(1.6, abs=FRAME)
    fast = tmp_path / "fast"
    fast.mkdir()
    hfr = normalize(clips / "hfr.mp4", "video", fast, Limits(), timeout=300)
    assert probe(hfr.path).fps == pytest.approx(120)  # slow motion later needs the real frames
    assert (cfr_rate(119.88), cfr_rate(240), cfr_rate(29.97), cfr_rate(0)) == (120, 240, 30, 30)


def test_slow_motion_from_120_fps_shows_real_frames_not_copies(tmp_path: Path) -> None:
    """A 120 fps clip at a quarter speed fills a 30 fps output with its own frames; a 30 fps one
    at the same speed can only repeat each frame four times (the control: the test can tell)."""
    from editor.samples import make_clip

    make_clip(tmp_path / "hfr.mp4", seconds=1.5, width=180, height=320, fps=120, audio=False)
    make_clip(tmp_path / "cfr.mp4", seconds=1.5, width=180, height=320, fps=30, audio=False)

    def distinct(name: str) -> float:
        out = _render(tmp_path, [{"src": name, "in": 0.2, "out": 0.7, "speed": 0.25}], f"slow-{name}")
        with av.open(str(out)) as container:
            frames = [f.to_ndarray(format="gray").astype(float) for f in container.decode(video=0)]
        changed = [np.abs(a - b).mean() > 0.5 for a, b in itertools.pairwise(frames)]
        assert len(frames) == pytest.approx(60, abs=1)
        return sum(changed) / len(changed)

    assert distinct("hfr.mp4") > 0.95
    assert distinct("cfr.mp4") < 0.4
