"""Test and benchmark clips from a real photo (the scikit-image astronaut): shaken by a known random
jitter, or with a known exposure and colour cast, so a stabiliser or an auto-enhance can be scored.

Frames are made in numpy (OpenCV warps) and encoded with PyAV (H.264, CFR), like ``face_media``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from skimage import data


@dataclass(frozen=True)
class Shake:
    """Per-frame picture offsets (n, 2) in px: a slow pan plus uniform random jitter."""

    offsets: np.ndarray

    @classmethod
    def random(cls, frames: int, amplitude: float, pan: float = 0.3, seed: int = 3) -> Shake:
        rng = np.random.default_rng(seed)
        jitter = rng.uniform(-amplitude, amplitude, (frames, 2))
        drift = np.outer(np.arange(frames), [pan, 0.0])
        return cls(jitter + drift)


def photo() -> np.ndarray:
    return np.ascontiguousarray(data.astronaut())


def _encode(path: Path, frames: list[np.ndarray] | np.ndarray, fps: int, crf: int) -> Path:
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        # swscale turns RGB into BT.601 YUV: say so, or readers take untagged video as BT.709.
        bt601 = "colormatrix=smpte170m:colorprim=smpte170m:transfer=bt709:fullrange=off"
        stream.options = {"preset": "ultrafast", "crf": str(crf), "x264-params": bt601}
        for img in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")))
        out.mux(stream.encode(None))
    return path


def shaken_clip(path: Path, shake: Shake, *, width: int, height: int, fps: int = 30, crf: int = 18) -> Path:
    """The photo filling a ``width`` x ``height`` frame (with room to move), moved by ``shake``."""
    img = photo()
    scale = 1.3 * max(width, height) / 512
    frames = []
    for dx, dy in shake.offsets:
        m = np.array(
            [[scale, 0, (width - 512 * scale) / 2 + dx], [0, scale, (height - 512 * scale) / 2 + dy]],
            np.float32,
        )
        frames.append(
            cv2.warpAffine(img, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        )
    return _encode(path, frames, fps, crf)


def cast(img: np.ndarray, gains: tuple[float, float, float], exposure: float) -> np.ndarray:
    """``img`` under a coloured light and underexposed: each channel times its gain and ``exposure``."""
    scaled = img.astype(np.float64) * np.array(gains) * exposure
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def photo_clip(
    path: Path,
    *,
    width: int,
    height: int,
    seconds: float = 2.0,
    fps: int = 30,
    gains: tuple[float, float, float] = (1.0, 1.0, 1.0),
    exposure: float = 1.0,
    brighten: float = 0.0,
    crf: int = 16,
) -> Path:
    """The photo slowly zooming in a ``width`` x ``height`` frame, optionally cast (``cast``), the
    light rising by ``brighten`` (a fraction of ``exposure``) from the first frame to the last."""
    img = photo()
    frames = []
    for n in range(round(seconds * fps)):
        scale = max(width, height) / 512 * (1.05 + 0.05 * n / max(1, seconds * fps))
        m = np.array(
            [[scale, 0, (width - 512 * scale) / 2], [0, scale, (height - 512 * scale) / 2]], np.float32
        )
        view = cv2.warpAffine(img, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        light = exposure * (1 + brighten * n / max(1, round(seconds * fps) - 1))
        frames.append(cast(view, gains, light))
    return _encode(path, frames, fps, crf)
