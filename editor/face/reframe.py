"""Smart reframe: a virtual camera that crops an off-aspect clip to the output's aspect.

The subject of each analysis sample is, in order: the faces of the full-range detector (both of
the two largest when they fit in the crop with a margin, else the larger), else the person's pose
(nose and shoulders), else nothing. Samples without a subject take the path interpolated from
their neighbours (the frame's centre when the clip has none at all). The path is then smoothed
with a zero-lag Gaussian over time (eases in and out, no jitter), its speed capped, and clamped
so the crop never leaves the frame. ``reframe_filters`` applies it inside the graph: one ``crop``
whose position a ``sendcmd`` script updates on the frames where it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editor.face.tracking import RawFrames
from editor.plan.graph import Graph, escape_value

POSE_POINTS = (0, 11, 12)  # nose, shoulders
MIN_VISIBILITY = 0.5


@dataclass(frozen=True)
class ReframeParams:
    smooth: float = 0.5  # s: Gaussian sigma of the camera path
    max_speed: float = 1.2  # crop widths (or heights) per second
    margin: float = 0.1  # of the crop size, kept free around two faces framed together
    head_room: float = 0.35  # where the face centre sits from the crop's top, for a vertical pan


@dataclass(frozen=True)
class Crop:
    """The crop window in source pixels and where its top-left corner is at each output frame."""

    width: int
    height: int
    xy: np.ndarray  # (N, 2) int, per frame of the clip's source stream

    @property
    def moves(self) -> bool:
        return bool((self.xy != self.xy[0]).any())


def crop_size(width: int, height: int, aspect: float) -> tuple[int, int]:
    """The largest even crop of ``width`` x ``height`` with ``aspect`` (w / h)."""
    if width / height > aspect:
        return max(2, int(height * aspect) // 2 * 2), height // 2 * 2
    return width // 2 * 2, max(2, int(width / aspect) // 2 * 2)


def off_aspect(width: int, height: int, aspect: float) -> bool:
    return abs(width / height - aspect) > 0.01 * aspect


def subjects(
    faces: RawFrames, pose: RawFrames, width: int, height: int, crop: tuple[int, int], margin: float
) -> dict[int, tuple[float, float]]:
    """The subject's centre (source pixels) per grid index, for samples that have one."""
    out: dict[int, tuple[float, float]] = {}
    scale = np.array([width, height], np.float64)
    for idx, boxes in faces.faces_at():
        if len(boxes) == 0:
            continue
        b = boxes[np.argsort(-(boxes[:, 2] * boxes[:, 3]))][:2].astype(np.float64)
        lo, hi = b[:, :2] * scale, (b[:, :2] + b[:, 2:4]) * scale
        if len(b) == 2:
            span = hi.max(axis=0) - lo.min(axis=0)
            if (span <= np.array(crop) * (1 - 2 * margin)).all():
                out[idx] = tuple((lo.min(axis=0) + hi.max(axis=0)) / 2)
                continue
        out[idx] = tuple((lo[0] + hi[0]) / 2)
    for idx, people in pose.faces_at():
        if idx in out or len(people) == 0:
            continue
        pts = people[0][list(POSE_POINTS)]
        seen = pts[pts[:, 2] >= MIN_VISIBILITY]
        if len(seen):
            out[idx] = tuple(seen[:, :2].mean(axis=0) * scale)
    return out


def camera_path(
    targets: dict[int, tuple[float, float]],
    first: int,
    last: int,
    rate: float,
    size: tuple[int, int],
    crop: tuple[int, int],
    params: ReframeParams,
) -> np.ndarray:
    """The crop centre per grid sample ``first..last`` (``(n, 2)`` source pixels), smoothed and clamped."""
    width, height = size
    n = last - first + 1
    grid = np.arange(first, last + 1)
    path = np.empty((n, 2), np.float64)
    known = sorted(i for i in targets if first <= i <= last)
    if not known:
        path[:] = (width / 2, height / 2)
    else:
        pts = np.array([targets[i] for i in known], np.float64)
        for axis in (0, 1):
            path[:, axis] = np.interp(grid, known, pts[:, axis])
    # The subject sits at the crop's centre sideways; vertically a little above it (head room).
    path[:, 1] += (0.5 - params.head_room) * crop[1]
    lo = np.array(crop, np.float64) / 2
    hi = np.array(size, np.float64) - lo
    path = np.clip(path, lo, hi)
    path = _gaussian(path, params.smooth * rate)
    path = _speed_capped(path, np.array(crop, np.float64) * params.max_speed / rate)
    return np.clip(path, lo, hi)


def _gaussian(path: np.ndarray, sigma: float) -> np.ndarray:
    if sigma < 0.5 or len(path) < 2:
        return path
    radius = int(3 * sigma)
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    padded = np.pad(path, ((radius, radius), (0, 0)), mode="edge")
    return np.stack([np.convolve(padded[:, a], k, mode="valid") for a in (0, 1)], axis=1)


def _speed_capped(path: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Forwards then backwards, no step longer than ``step`` (a cut of the subject becomes a quick pan)."""
    out = path.copy()
    for order in (range(1, len(out)), range(len(out) - 2, -1, -1)):
        for i in order:
            prev = out[i - 1] if order.step == 1 else out[i + 1]
            out[i] = prev + np.clip(out[i] - prev, -step, step)
    return out


def plan_crop(
    faces: RawFrames,
    pose: RawFrames,
    *,
    size: tuple[int, int],
    aspect: float,
    rate: float,
    window: tuple[int, int],
    times: np.ndarray,
    params: ReframeParams = ReframeParams(),
) -> Crop:
    """The crop for source frames at ``times`` (source seconds) from samples in grid ``window``."""
    crop = crop_size(size[0], size[1], aspect)
    targets = subjects(faces, pose, size[0], size[1], crop, params.margin)
    path = camera_path(targets, window[0], window[1], rate, size, crop, params)
    grid_t = np.arange(window[0], window[1] + 1) / rate
    centre = np.stack([np.interp(times, grid_t, path[:, a]) for a in (0, 1)], axis=1)
    top_left = np.round(centre - np.array(crop) / 2).astype(np.int64)
    top_left = np.clip(top_left, 0, np.array(size) - np.array(crop))
    return Crop(crop[0], crop[1], top_left)


@dataclass(frozen=True)
class ReframePlan:
    """What ``reframe_filters`` adds: a crop named ``name`` moved by the ``commands`` script."""

    name: str
    crop: Crop
    commands: Path
    fps: float


def write_commands(path: Path, name: str, crop: Crop, fps: float) -> None:
    """A ``sendcmd`` script: the crop's x and y on each frame where they change."""
    lines = []
    prev: tuple[int, int] | None = None
    for n, (x, y) in enumerate(crop.xy.tolist()):
        if (x, y) != prev:
            t = max(0.0, (n - 0.25) / fps)
            lines.append(f"{t:.6f} [enter] crop@{name} x {x}, crop@{name} y {y};")
            prev = (x, y)
    path.write_text("\n".join(lines) + "\n")


def reframe_filters(plan: ReframePlan, g: Graph, src: str) -> str:
    """Crop ``src`` (the clip's source frames, timestamps from 0) along the planned path."""
    c = plan.crop
    x, y = (int(v) for v in c.xy[0])
    crop = f"crop@{plan.name}=w={c.width}:h={c.height}:x={x}:y={y}:exact=1"
    if not c.moves:
        return g.chain([src], [crop.replace(f"@{plan.name}", "")], "rf")
    return g.chain([src], [f"sendcmd=f={escape_value(str(plan.commands))}", crop], "rf")
