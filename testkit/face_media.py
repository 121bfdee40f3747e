"""Test and benchmark clips with real faces: the scikit-image astronaut photo, panned and zoomed.

Frames are made in numpy and encoded with PyAV (H.264, CFR). A scene is a list of "shots": each
shot is the photo (optionally mirrored) seen through a moving window and pasted into a region of
the frame, so clips can have one face, two faces, or a face that enters mid-clip.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np
from skimage import data

FACE_CENTRE = (225.0, 110.0)  # roughly between the eyes in the 512x512 astronaut photo


@dataclass(frozen=True)
class Shot:
    """The photo seen through a window centred at ``centre(t)`` with half-height ``half(t)`` (photo px)."""

    region: tuple[int, int, int, int]  # x, y, w, h in the output frame
    centre: Callable[[float], tuple[float, float]]
    half: Callable[[float], float]
    mirror: bool = False
    visible: Callable[[float], bool] = lambda t: True


@cache
def _photo(mirror: bool) -> np.ndarray:
    img = np.ascontiguousarray(data.astronaut())
    return np.ascontiguousarray(img[:, ::-1]) if mirror else img


def render_frame(
    shots: list[Shot], width: int, height: int, t: float, rng: np.random.Generator | None, noise: float
) -> np.ndarray:
    frame = np.full((height, width, 3), 70, np.uint8)
    frame[:, :, 2] = 110
    for shot in shots:
        if not shot.visible(t):
            continue
        x, y, w, h = shot.region
        cx, cy = shot.centre(t)
        if shot.mirror:
            cx = 512 - cx
        half_h = shot.half(t)
        half_w = half_h * w / h
        corners = [[cx - half_w, cy - half_h], [cx + half_w, cy - half_h], [cx - half_w, cy + half_h]]
        src = np.array(corners, dtype=np.float32)
        dst = np.array([[0, 0], [w, 0], [0, h]], dtype=np.float32)
        m = cv2.getAffineTransform(src, dst)
        view = cv2.warpAffine(
            _photo(shot.mirror), m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        frame[y : y + h, x : x + w] = view
    if rng is not None and noise > 0:
        frame = np.clip(frame + rng.normal(0, noise, frame.shape), 0, 255).astype(np.uint8)
    return frame


def write_clip(
    path: Path,
    shots: list[Shot],
    *,
    width: int,
    height: int,
    seconds: float,
    fps: int = 30,
    noise: float = 0.0,
    crf: int = 18,
) -> Path:
    rng = np.random.default_rng(7) if noise else None
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": str(crf)}
        for n in range(round(seconds * fps)):
            img = render_frame(shots, width, height, n / fps, rng, noise)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(stream.encode(None))
    return path


def moving_face(width: int, height: int) -> list[Shot]:
    """One face, panning sideways and zooming in and out (a hand-held selfie)."""
    return [
        Shot(
            (0, 0, width, height),
            centre=lambda t: (
                FACE_CENTRE[0] + 25 * math.sin(t * 1.3),
                FACE_CENTRE[1] + 40 + 15 * math.sin(t * 0.9),
            ),
            half=lambda t: 190 * (1 + 0.15 * math.sin(t * 0.8)),
        )
    ]


def static_face(width: int, height: int) -> list[Shot]:
    return [
        Shot(
            (0, 0, width, height), centre=lambda t: (FACE_CENTRE[0], FACE_CENTRE[1] + 40), half=lambda t: 190
        )
    ]


def two_faces(width: int, height: int) -> list[Shot]:
    """The photo on top, a mirrored, slightly larger copy below, both drifting."""
    h = height // 2
    return [
        Shot(
            (0, 0, width, h),
            centre=lambda t: (FACE_CENTRE[0] + 10 * math.sin(t), FACE_CENTRE[1] + 10),
            half=lambda t: 110,
        ),
        Shot(
            (0, h, width, height - h),
            centre=lambda t: (FACE_CENTRE[0] - 10 * math.sin(t), FACE_CENTRE[1] + 5),
            half=lambda t: 95,
            mirror=True,
        ),
    ]


def entering_face(width: int, height: int, enter: float) -> list[Shot]:
    """A face on top all along; a second one appears below at ``enter`` seconds."""
    shots = two_faces(width, height)
    return [shots[0], Shot(shots[1].region, shots[1].centre, shots[1].half, True, lambda t: t >= enter)]
