"""Low-resolution grey mask videos (FFV1 in Matroska) that the render graph scales up and uses as alpha.

One mask per region effect; pixel value = coverage x visibility x opacity, feathered at the edge.
Masks are drawn at ``MASK_LONG_SIDE`` at most: the graph upscales them smoothly, and faces are
big enough at that size for a soft privacy or beauty mask.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from editor.errors import RenderError
from editor.face import landmarks as lm
from editor.face.effects.base import MaskStyle
from editor.face.smoothing import TrackFrames

MASK_LONG_SIDE = 320
_SHIFT = 4  # sub-pixel bits for cv2.fillPoly


def mask_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, MASK_LONG_SIDE / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def _poly(points: np.ndarray, idx: Sequence[int], k: float, grow: float, centre: np.ndarray) -> np.ndarray:
    p = points[list(idx)] * k
    if grow:
        c = centre * k
        d = p - c
        p = c + d * (1 + grow)
    return np.round((p - 0.5) * (1 << _SHIFT)).astype(np.int32)


def draw_mask(
    faces: Sequence[tuple[np.ndarray, float]], size: tuple[int, int], k: float, style: MaskStyle
) -> np.ndarray:
    """One uint8 mask for ``(points (478,2) in source px, alpha)`` faces; ``k`` maps source px to mask px."""
    import cv2  # here: only region effects draw masks, and a sticker render need not load OpenCV

    w, h = size
    acc = np.zeros((h, w), np.float32)
    for points, alpha in faces:
        if alpha <= 0:
            continue
        iod = float(lm.inter_ocular(points)) * k
        layer = np.zeros((h, w), np.uint8)
        centre = points[list(lm.FACE_OVAL)].mean(axis=0)
        if style.region in ("oval", "skin"):
            cv2.fillPoly(
                layer, [_poly(points, lm.FACE_OVAL, k, style.grow, centre)], (255,), cv2.LINE_AA, _SHIFT
            )
        if style.region == "skin":
            holes = [lm.RIGHT_EYE, lm.LEFT_EYE, lm.RIGHT_BROW, lm.LEFT_BROW, lm.LIPS_OUTER]
            for idx in holes:
                part = points[list(idx)]
                poly = _poly(points, idx, k, 0.35, part.mean(axis=0))
                cv2.fillPoly(layer, [poly], (0,), cv2.LINE_AA, _SHIFT)
        if style.region == "lips":
            cv2.fillPoly(layer, [_poly(points, lm.LIPS_OUTER, k, 0.0, centre)], (255,), cv2.LINE_AA, _SHIFT)
            cv2.fillPoly(layer, [_poly(points, lm.LIPS_INNER, k, 0.0, centre)], (0,), cv2.LINE_AA, _SHIFT)
        sigma = style.feather * iod
        soft: np.ndarray = layer.astype(np.float32) / 255.0
        if sigma >= 0.3:
            soft = np.asarray(cv2.GaussianBlur(soft, (0, 0), sigma))
        np.maximum(acc, soft * alpha, out=acc)
    return np.clip(acc * style.opacity * 255.0 + 0.5, 0, 255).astype(np.uint8)


def write_mask_video(
    path: Path,
    tracks: Sequence[TrackFrames],
    frames: int,
    fps: Fraction,
    source_size: tuple[int, int],
    style: MaskStyle,
) -> tuple[int, int]:
    """Write ``frames`` mask frames for ``tracks`` to ``path``; returns the mask size."""
    size = mask_size(*source_size)
    k = size[0] / source_size[0]
    try:
        with av.open(str(path), "w", format="matroska") as out:
            stream = out.add_stream("ffv1", rate=fps)
            stream.width, stream.height = size
            stream.pix_fmt = "gray"
            for n in range(frames):
                faces = [(t.points[n], float(t.alpha[n])) for t in tracks]
                frame = av.VideoFrame.from_ndarray(draw_mask(faces, size, k, style), format="gray")
                frame.pts = n
                frame.time_base = 1 / fps
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise RenderError(f"could not write the face mask {path.name}: {exc}") from exc
    return size
