"""The looks built on measured effects: their previews start from a shaky, dim, bluish sample and
come out steadier and brighter, as the preset promises."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np

from editor import ffmpeg
from editor.preset_previews import render_previews
from editor.presets import LookPreset, default_library
from editor.probe import probe


def gray_frames(path: Path, start: float, seconds: float) -> np.ndarray:
    info = probe(path)
    raw = ffmpeg.capture(
        [
            *ffmpeg.input_args(path, before=("-ss", f"{start:.3f}", "-t", f"{seconds:.3f}")),
            *("-vf", "scale=360:640", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"),
        ]
    )
    assert (info.width, info.height) == (360, 640)
    return np.frombuffer(raw, np.uint8).reshape(-1, 640, 360).astype(np.float32)


def shake(video: np.ndarray) -> float:
    window = cv2.createHanningWindow((360, 640), cv2.CV_32F)
    moves = [cv2.phaseCorrelate(a.copy(), b.copy(), window)[0] for a, b in itertools.pairwise(video)]
    return float(np.linalg.norm(moves, axis=1).mean())


def test_studio_portrait_and_handheld_fix_use_the_measured_effects() -> None:
    library = default_library()
    for preset_id in ("studio-portrait", "handheld-fix"):
        look = library.get(preset_id, field="id")
        assert isinstance(look, LookPreset)
        assert {"stabilize", "auto_enhance"} <= {e.model_dump()["type"] for e in look.effects}


def test_the_handheld_fix_preview_is_steadier_and_brighter_than_its_sample(tmp_path: Path) -> None:
    (preview,) = render_previews(tmp_path, ids=["handheld-fix"])
    assert preview.error is None and preview.video is not None
    sample = gray_frames(tmp_path / ".media" / "handheld.mp4", 0.5, 2.0)  # the preview's clip: in 0.5, 2 s
    fixed = gray_frames(preview.video, 0.0, 2.0)
    assert shake(fixed) < 0.3 * shake(sample)
    assert fixed.mean() > sample.mean() + 15
