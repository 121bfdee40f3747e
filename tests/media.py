"""Helpers for tests: read frames and measure sound of rendered files through the project's ffmpeg."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from editor import ffmpeg


def frame_at(path: Path, t: float, *, width: int | None = None, height: int | None = None) -> np.ndarray:
    """The RGB frame at ``t`` seconds, optionally scaled, as a (h, w, 3) uint8 array."""
    from editor.probe import probe

    info = probe(path)
    w, h = width or info.width, height or info.height
    raw = ffmpeg.capture(
        [
            *ffmpeg.input_args(path, before=("-ss", f"{t:.3f}")),
            "-frames:v",
            "1",
            "-vf",
            f"scale={w}:{h}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "pipe:1",
        ]
    )
    return np.frombuffer(raw, np.uint8).reshape(h, w, 3)


def loudness(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) by ffmpeg's ebur128 filter."""
    result = ffmpeg.run([*ffmpeg.input_args(path), "-vn", "-af", "ebur128=peak=true", "-f", "null", "-"])
    text = result.stderr_tail
    lufs = float(re.findall(r"I:\s+(-?[\d.]+) LUFS", text)[-1])
    peak = float(re.findall(r"Peak:\s+(-?[\d.]+|-inf) dBFS", text)[-1])
    return lufs, peak
