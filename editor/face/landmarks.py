"""MediaPipe FaceMesh (refined, 478 points) landmark indices and face geometry helpers.

Polygons are ordered so they can be filled directly. Coordinates everywhere are source display
pixels (continuous: pixel ``i`` spans ``[i, i + 1)``); ``u`` runs along the eye line from the
subject's right eye to the left one, ``v`` is perpendicular to it, pointing down the face.
"""

from __future__ import annotations

import numpy as np

N_LANDMARKS = 478
RIGHT_IRIS = 468  # the subject's right eye: image left for a face looking at the camera
LEFT_IRIS = 473

FACE_OVAL = (
    10,
    338,
    297,
    332,
    284,
    251,
    389,
    356,
    454,
    323,
    361,
    288,
    397,
    365,
    379,
    378,
    400,
    377,
    152,
    148,
    176,
    149,
    150,
    136,
    172,
    58,
    132,
    93,
    234,
    127,
    162,
    21,
    54,
    103,
    67,
    109,
)
LIPS_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
LIPS_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191)
RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
RIGHT_BROW = (46, 53, 52, 65, 55, 107, 66, 105, 63, 70)
LEFT_BROW = (276, 283, 282, 295, 285, 336, 296, 334, 293, 300)

NOSE_TIP = 1
FOREHEAD = 151
FACE_TOP = 10
CHIN = 152
UPPER_LIP_INNER = 13
LOWER_LIP_INNER = 14
HEAD_TOP_ABOVE_FACE_TOP = 0.6  # the top of the head, in inter-ocular units above landmark 10

ANCHORS = ("eyes", "forehead", "nose", "mouth", "chin", "head_top")


def eye_centre(points: np.ndarray) -> np.ndarray:
    """Midpoint of the two iris centres; ``points`` is ``(..., 478, 2)``."""
    return (points[..., RIGHT_IRIS, :] + points[..., LEFT_IRIS, :]) / 2


def inter_ocular(points: np.ndarray) -> np.ndarray:
    """Distance between the iris centres (the face unit), in pixels."""
    return np.linalg.norm(points[..., LEFT_IRIS, :] - points[..., RIGHT_IRIS, :], axis=-1)


def eye_axes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors ``u`` (along the eye line) and ``v`` (down the face) for ``(..., 478, 2)`` points."""
    d = points[..., LEFT_IRIS, :] - points[..., RIGHT_IRIS, :]
    u = d / np.maximum(np.linalg.norm(d, axis=-1, keepdims=True), 1e-9)
    v = np.stack([-u[..., 1], u[..., 0]], axis=-1)
    return u, v


def anchor_point(points: np.ndarray, anchor: str) -> np.ndarray:
    """Where ``anchor`` is on each face of ``(..., 478, 2)`` points."""
    if anchor == "eyes":
        return eye_centre(points)
    if anchor == "forehead":
        return points[..., FOREHEAD, :]
    if anchor == "nose":
        return points[..., NOSE_TIP, :]
    if anchor == "mouth":
        return (points[..., UPPER_LIP_INNER, :] + points[..., LOWER_LIP_INNER, :]) / 2
    if anchor == "chin":
        return points[..., CHIN, :]
    if anchor == "head_top":
        _, v = eye_axes(points)
        iod = inter_ocular(points)[..., None]
        return points[..., FACE_TOP, :] - v * iod * HEAD_TOP_ABOVE_FACE_TOP
    raise ValueError(f"unknown anchor {anchor!r}")
