"""Measured clip effects rendered for real on a real photo animated in code: a clip shaken by a known
jitter comes out steady without borders; a dim, blue-cast clip comes out closer to the original."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from editor import ffmpeg
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from testkit import shaky

W, H = 360, 640
OUT = {"width": W, "height": H, "fps": 30, "preset": "ultrafast"}
GAINS, EXPOSURE = (0.8, 0.95, 1.25), 0.55  # a dim room under a bluish light


def run(folder: Path, clips: list[dict[str, object]], name: str = "out.mp4"):
    spec = parse_spec({"output": OUT, "clips": clips})
    return render(spec, folder / name, resolve=local_resolver(folder), home=folder / "home")


def frames(path: Path, fmt: str = "gray") -> np.ndarray:
    raw = ffmpeg.capture([*ffmpeg.input_args(path), "-f", "rawvideo", "-pix_fmt", fmt, "pipe:1"])
    shape = (-1, H, W) if fmt == "gray" else (-1, H, W, 3)
    return np.frombuffer(raw, np.uint8).reshape(shape).astype(np.float32)


def global_motion(video: np.ndarray) -> np.ndarray:
    """Frame-to-frame shift of the whole picture (px), by phase correlation (on copies: OpenCV
    windows its inputs in place)."""
    window = cv2.createHanningWindow((W, H), cv2.CV_32F)
    pairs = itertools.pairwise(video)
    return np.array([cv2.phaseCorrelate(a.copy(), b.copy(), window)[0] for a, b in pairs])


def test_a_shaken_clip_comes_out_steady_without_black_borders_and_measures_once(tmp_path: Path) -> None:
    shake = shaky.Shake.random(90, amplitude=12.0)  # +-12 px each frame, on a 0.3 px/frame pan
    clip = shaky.shaken_clip(tmp_path / "shaky.mp4", shake, width=W, height=H)
    result = run(tmp_path, [{"src": "shaky.mp4", "effects": [{"type": "stabilize", "strength": 0.6}]}])
    assert result.warnings == ()
    before = np.linalg.norm(global_motion(frames(clip)), axis=1).mean()
    steady = frames(result.output)
    after = np.linalg.norm(global_motion(steady), axis=1).mean()
    assert before > 8 and after <= 0.3 * before, (before, after)
    strips = [steady[:, :2], steady[:, -2:], steady[:, :, :2], steady[:, :, -2:]]  # each edge, per frame
    darkest = min(float(e.reshape(len(steady), -1).mean(axis=1).min()) for e in strips)
    assert darkest > 40  # a black border would put a whole strip near 0; the photo is brighter

    cached = sorted((tmp_path / "home" / "cache" / "motion").glob("*.npz"))
    stamp = [p.stat().st_mtime_ns for p in cached]
    again = run(
        tmp_path, [{"src": "shaky.mp4", "effects": [{"type": "stabilize", "strength": 0.9}]}], "b.mp4"
    )
    assert len(cached) == 1 and [p.stat().st_mtime_ns for p in cached] == stamp  # warm: no new pass
    stronger = np.linalg.norm(global_motion(frames(again.output)), axis=1).mean()
    assert stronger <= 0.3 * before


def test_a_dim_blue_cast_clip_ends_closer_to_the_original_and_a_balanced_one_is_kept(tmp_path: Path) -> None:
    original = frames(shaky.photo_clip(tmp_path / "orig.mp4", width=W, height=H, seconds=1), "rgb24")
    dim = shaky.photo_clip(
        tmp_path / "cast.mp4", width=W, height=H, seconds=1, gains=GAINS, exposure=EXPOSURE
    )
    cast = frames(dim, "rgb24")
    effects = [{"type": "auto_enhance", "strength": 1.0}]
    fixed = frames(run(tmp_path, [{"src": "cast.mp4", "effects": effects}], "fixed.mp4").output, "rgb24")
    kept = frames(run(tmp_path, [{"src": "orig.mp4", "effects": effects}], "kept.mp4").output, "rgb24")
    error = lambda a: float(np.abs(a - original).mean())  # noqa: E731
    assert error(fixed) < 0.3 * error(cast), (error(fixed), error(cast))
    r, _, b = fixed.mean(axis=(0, 1, 2)) - original.mean(axis=(0, 1, 2))
    assert abs(r - b) < 15  # the cast put red - blue 50 lower; a balanced clip is left alone:
    face = (slice(None), slice(100, 160), slice(110, 170))  # the astronaut's face in this framing
    assert np.abs(kept[face].mean(axis=(0, 1, 2)) - original[face].mean(axis=(0, 1, 2))).max() < 4
    assert error(kept) < 4  # a balanced, well-exposed clip is left (nearly) as it is


def test_stabilize_on_a_still_is_a_warning_and_enhance_still_works_on_it(tmp_path: Path) -> None:
    dim = shaky.cast(shaky.photo(), gains=GAINS, exposure=EXPOSURE)
    Image.fromarray(dim).save(tmp_path / "dim.png")
    effects = [{"type": "stabilize"}, {"type": "auto_enhance", "strength": 1.0}]
    result = run(tmp_path, [{"src": "dim.png", "duration": 1, "fit": "contain", "effects": effects}])
    assert result.warnings == ("clips[0]: stabilize works on video clips, not stills; skipped",)
    shown = frames(result.output, "rgb24")[5, 140:500].mean(axis=(0, 1))  # the photo, letterboxed
    reference = cv2.resize(shaky.photo(), (W, W)).astype(np.float32).mean(axis=(0, 1))
    assert np.abs(shown - reference).max() < 0.5 * np.abs(dim.mean(axis=(0, 1)) - reference).max()


def test_enhance_is_one_steady_grade_that_keeps_a_change_of_light(tmp_path: Path) -> None:
    shaky.photo_clip(
        tmp_path / "dusk.mp4", width=W, height=H, seconds=2, gains=GAINS, exposure=0.45, brighten=0.5
    )
    before = frames(tmp_path / "dusk.mp4").mean(axis=(1, 2))
    effects = [{"type": "auto_enhance", "strength": 1.0}]
    after = frames(run(tmp_path, [{"src": "dusk.mp4", "effects": effects}]).output).mean(axis=(1, 2))
    assert after.mean() > before.mean() + 20  # brighter overall
    # One grade for the whole clip: the light still rises through it (a per-frame exposure would
    # flatten it and pump), and each frame's brightness follows its source frame's, in order.
    assert after[-5:].mean() > after[:5].mean() + 0.5 * (before[-5:].mean() - before[:5].mean())
    assert np.all(np.diff(after[np.argsort(before)]) > -1.0)


@pytest.mark.parametrize("effect", ["stabilize", "auto_enhance"])
def test_top_level_measured_effects_run_on_each_clip(tmp_path: Path, effect: str) -> None:
    shaky.photo_clip(tmp_path / "cast.mp4", width=W, height=H, seconds=1, gains=GAINS, exposure=EXPOSURE)
    spec = parse_spec(
        {
            "output": OUT,
            "clips": [{"src": "cast.mp4", "out": 0.5}, {"src": "cast.mp4", "in": 0.5}],
            "effects": [{"type": effect}],
        }
    )
    result = render(spec, tmp_path / "o.mp4", resolve=local_resolver(tmp_path), home=tmp_path / "home")
    assert result.warnings == () and result.duration == pytest.approx(1.0, abs=0.05)
    kind = "motion" if effect == "stabilize" else "colour"
    assert len(list((tmp_path / "home" / "cache" / kind).glob("*.npz"))) == 2  # one per clip range
