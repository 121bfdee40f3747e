"""Pure: a shaky camera path becomes a smooth one, shown through a moving crop window.

The picture's path ``P`` (cumulative per-frame shifts) is low-passed into ``S``; the crop window
follows the shake (``x = margin + P - S``) so the picture inside it moves along ``S``. The window
is as small as the largest correction needs, within a cap set by the strength, so the zoom is the
least that hides every border; where the shake exceeds the cap the path is pulled back inside
(smoothing and clamping alternately), never past the frame's edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CropPath:
    """A ``width`` x ``height`` window of a ``frame`` (w, h), at (x[k], y[k]) in frame k (k / fps s)."""

    frame: tuple[int, int]
    width: int
    height: int
    x: np.ndarray
    y: np.ndarray
    fps: float

    @property
    def zoom(self) -> float:
        return self.frame[0] / self.width


def smoothing_seconds(strength: float) -> float:
    """The low-pass's sigma: a light touch at 0.1, a locked-off look near 1."""
    return 0.1 + 0.9 * strength


def max_margin(strength: float) -> float:
    """The most of each side the window may give up (the zoom cap): 3 % .. 10 %."""
    return 0.03 + 0.07 * strength


def smooth(path: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian low-pass along axis 0, edges held (no pull towards zero at the clip's ends)."""
    if sigma <= 0 or len(path) < 2:
        return path.copy()
    radius = max(1, math.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    padded = np.pad(path, ((radius, radius), (0, 0)), mode="edge")
    return np.stack([np.convolve(padded[:, i], taps, mode="valid") for i in range(path.shape[1])], axis=1)


def plan_crop(shifts: np.ndarray, fps: float, frame: tuple[int, int], strength: float) -> CropPath:
    """The crop window per frame for per-frame picture ``shifts`` (n, 2) of a ``frame`` (w, h)."""
    w, h = frame
    path = np.cumsum(shifts, axis=0)
    cap = max_margin(strength) * np.array([w, h], np.float64)
    sigma = smoothing_seconds(strength) * fps
    steady = smooth(path, sigma)
    for _ in range(8):  # pull the smooth path inside the reachable band, then smooth again
        steady = smooth(np.clip(steady, path - cap, path + cap), sigma)
    correction = np.clip(path - steady, -cap, cap)
    need = float(np.max(np.abs(correction) / np.array([w, h]), initial=0.0))
    cw = max(2, math.floor(w * (1 - 2 * need) / 2) * 2)
    ch = max(2, math.floor(h * (1 - 2 * need) / 2) * 2)
    x = np.clip(np.rint((w - cw) / 2 + correction[:, 0]), 0, w - cw).astype(np.int64)
    y = np.clip(np.rint((h - ch) / 2 + correction[:, 1]), 0, h - ch).astype(np.int64)
    return CropPath(frame, cw, ch, x, y, fps)


def crop_commands(path: CropPath, name: str) -> str:
    """A ``sendcmd`` script moving ``crop@name`` to each frame's window (only when it moves)."""
    lines = []
    prev: tuple[int, int] | None = None
    for k, (x, y) in enumerate(zip(path.x.tolist(), path.y.tolist(), strict=True)):
        if (x, y) == prev:
            continue
        t = max(0.0, (k - 0.25) / path.fps)  # just before frame k, so jittered timestamps still match
        lines.append(f"{t:.6f} [enter] crop@{name} x {x}, crop@{name} y {y};")
        prev = (x, y)
    return "\n".join(lines) + "\n"
