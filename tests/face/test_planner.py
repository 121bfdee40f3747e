"""Face layers inside the real render planner's graph (through its per-clip source hook)."""

from __future__ import annotations

import numpy as np
import pytest

from editor import ffmpeg
from editor.face import StickerEffect, face_filters
from tests.face.conftest import green_centroids
from tests.face.test_video import _eye_errors


def test_sticker_through_plan_render_with_a_trimmed_clip(clips, prepare, green_png, tmp_path) -> None:
    build = pytest.importorskip("editor.plan.build")
    spec_mod = pytest.importorskip("editor.spec")
    if "source_hooks" not in build.plan_render.__code__.co_varnames:
        pytest.skip("the planner has no source hooks yet")
    clip = clips["moving"]
    prepared, info = prepare(
        clip, [StickerEffect(asset="green.png", scale=0.5)], start=0.5, end=2.5, asset_root=green_png.parent
    )
    spec = spec_mod.EditSpec.model_validate(
        {
            "output": {"width": 360, "height": 640, "fps": 30, "preset": "ultrafast", "crf": 14},
            "clips": [{"src": "face", "in": 0.5, "out": 2.5}],
            "audio": {"loudness": None},
        }
    )
    out = tmp_path / "out.mp4"

    def hook(g, src):  # what the renderer does for a clip with face effects
        return face_filters(prepared, g, src, width=info.width, height=info.height)

    plan = build.plan_render(spec, {"face": info}, out, source_hooks={0: hook})
    ffmpeg.run(plan.args)
    raw = ffmpeg.capture([*ffmpeg.input_args(out), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"])
    frames = np.frombuffer(raw, np.uint8).reshape(-1, 640, 360, 3)
    assert abs(len(frames) - 60) <= 1
    assert green_centroids(frames[0]).sum() > 50
    err = _eye_errors(frames[:59], prepared.tracks)
    assert np.abs(err).mean() < 2.0 and np.abs(err).max() < 6.0
