"""Gesture and expression triggers: when an effect with ``"when"`` shows, from the cached analysis.

Expressions come from the face mesh (the largest face of each sample), in face units (the
inter-ocular distance) so they do not depend on how big the face is:

- ``smile``: the mouth corners lifted above the lips' centre and the mouth wide;
- ``mouth_open``: the inner lips apart;
- ``eyebrows_raised``: the brows high above the upper eyelids.

Gestures come from the hand landmarks: ``hand_raised`` is a hand, fingers up, with its wrist
above the chin of the face (or the frame's middle when there is none); ``peace_sign`` is index
and middle fingers out, ring and little fingers folded.

Each sample gives a yes/no; single-sample blips are dropped (a majority over three samples), the
result is resampled to frame times and ramped in and out over ``FADE`` seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

import numpy as np

if TYPE_CHECKING:
    from editor.face.tracking import RawFrames

Trigger = Literal["smile", "mouth_open", "eyebrows_raised", "hand_raised", "peace_sign"]
TRIGGERS: tuple[str, ...] = get_args(Trigger)
HAND_TRIGGERS = ("hand_raised", "peace_sign")
FADE = 0.15  # s: the effect fades in and out over this long

# Thresholds in face units, measured on the astronaut (smiling, lips apart) and Grace Hopper
# (neutral, lips closed) photos: smile lift 0.15 vs 0.00, width 1.00 vs 0.84; gap 0.16 vs 0.00.
SMILE_LIFT = 0.07
SMILE_WIDTH = 0.92
MOUTH_GAP = 0.3
BROW_HEIGHT = 0.36

_R_IRIS, _L_IRIS = 468, 473
_CORNERS = (61, 291)
_LIPS_INNER = (13, 14)
_BROWS = ((105, 159), (334, 386))  # (brow, upper eyelid) on each side
_CHIN = 152


def needs_hands(when: str | None) -> bool:
    return when in HAND_TRIGGERS


def expression(points: np.ndarray, when: str) -> bool:
    """Whether the face ``(478, 2)`` (any consistent unit) shows ``when``."""
    p = points.astype(np.float64)
    iod = max(float(np.linalg.norm(p[_L_IRIS] - p[_R_IRIS])), 1e-9)
    if when == "smile":
        corners = (p[_CORNERS[0]] + p[_CORNERS[1]]) / 2
        lips = (p[_LIPS_INNER[0]] + p[_LIPS_INNER[1]]) / 2
        lift = (lips[1] - corners[1]) / iod
        width = float(np.linalg.norm(p[_CORNERS[0]] - p[_CORNERS[1]])) / iod
        return lift > SMILE_LIFT and width > SMILE_WIDTH
    if when == "mouth_open":
        return float(np.linalg.norm(p[_LIPS_INNER[0]] - p[_LIPS_INNER[1]])) / iod > MOUTH_GAP
    if when == "eyebrows_raised":
        heights = [float(np.linalg.norm(p[b] - p[e])) for b, e in _BROWS]
        return float(np.mean(heights)) / iod > BROW_HEIGHT
    raise ValueError(f"{when!r} is not an expression")


def gesture(hand: np.ndarray, when: str, chin_y: float | None) -> bool:
    """Whether the hand ``(21, 3)`` (normalised) makes ``when``; ``chin_y`` of the face, if any."""
    xy = hand[:, :2].astype(np.float64)
    wrist = xy[0]

    def out(tip: int, joint: int) -> bool:  # a finger is out when its tip is farther from the wrist
        return float(np.linalg.norm(xy[tip] - wrist)) > 1.15 * float(np.linalg.norm(xy[joint] - wrist))

    if when == "hand_raised":
        fingers_up = xy[12, 1] < wrist[1]
        return bool(fingers_up and wrist[1] < (chin_y if chin_y is not None else 0.5))
    if when == "peace_sign":
        return out(8, 6) and out(12, 10) and not out(16, 14) and not out(20, 18)
    raise ValueError(f"{when!r} is not a gesture")


def holds(when: str, mesh: RawFrames, hands: RawFrames | None) -> dict[int, bool]:
    """Per grid index analysed: whether ``when`` holds (the largest face; any hand)."""
    faces = dict(mesh.faces_at())
    out: dict[int, bool] = {}
    if when in HAND_TRIGGERS:
        assert hands is not None
        for idx, found in hands.faces_at():
            face = faces.get(idx)
            chin = float(_largest(face)[_CHIN, 1]) if face is not None and len(face) else None
            out[idx] = any(gesture(h, when, chin) for h in found)
        return out
    for idx, face in faces.items():
        out[idx] = bool(len(face)) and expression(_largest(face), when)
    return out


def _largest(faces: np.ndarray) -> np.ndarray:
    iod = np.linalg.norm(faces[:, _L_IRIS] - faces[:, _R_IRIS], axis=-1)
    return faces[int(np.argmax(iod))]


def envelope(states: dict[int, bool], rate: float, times: np.ndarray, fade: float = FADE) -> np.ndarray:
    """0..1 per time in ``times`` (source s): 1 while the trigger holds, ramped over ``fade``."""
    if not states:
        return np.zeros(len(times), np.float32)
    idx = np.array(sorted(states))
    on = np.array([states[i] for i in idx], np.float64)
    if len(on) >= 3:  # a majority of three: one-sample blips neither start nor stop an effect
        padded = np.pad(on, 1, mode="edge")
        on = ((padded[:-2] + padded[1:-1] + padded[2:]) >= 2).astype(np.float64)
    grid = idx / rate
    nearest = np.clip(np.searchsorted(grid, times - 0.5 / rate), 0, len(grid) - 1)
    state = on[nearest]
    if fade <= 0 or len(times) < 2:
        return state.astype(np.float32)
    # Ramps: distance (s) to the nearest frame of the other state, mapped through the fade.
    step = float(np.median(np.diff(times)))
    k = max(1, round(fade / step))
    kernel = np.ones(2 * k + 1) / (2 * k + 1)
    return np.clip(np.convolve(np.pad(state, k, mode="edge"), kernel, mode="valid"), 0, 1).astype(np.float32)
