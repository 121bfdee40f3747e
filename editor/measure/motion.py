"""Camera motion of a clip: ffmpeg's vidstabdetect on a downscaled copy, cached by content.

vidstabdetect finds the motion of many small fields between consecutive frames; we keep one robust
global shift per frame (the fields' consensus) in source pixels, so the camera path can be smoothed
in numpy and applied as a crop inside the render graph (``editor.measure.camera``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editor import ffmpeg
from editor.home import file_sha256
from editor.measure.cache import MeasureCache
from editor.plan.graph import escape_value, num
from editor.probe import MediaInfo

MOTION_VERSION = 1
_FRAME = re.compile(r"^Frame (\d+) \(List \d+ \[(.*)\]\)\s*$")
_FIELD = re.compile(r"\(LM (-?\d+) (-?\d+) (-?\d+) (-?\d+) (\d+) ([-\d.]+) ([-\d.]+)\)")


@dataclass(frozen=True)
class MotionParams:
    """How the detect pass runs; every field is part of the cache key."""

    max_side: int = 960  # fields are found on a copy this large at most: 4x fewer pixels at 1080p
    shakiness: int = 6
    accuracy: int = 9
    stepsize: int = 6
    mincontrast: float = 0.2

    def key(self) -> str:
        return f"s{self.max_side}-k{self.shakiness}-a{self.accuracy}-t{self.stepsize}-c{self.mincontrast}"


@dataclass(frozen=True)
class Motion:
    """``shifts[k]``: how far the picture moved from frame k-1 to frame k (x, y; source px).
    Frame k is at ``k / fps`` seconds after the range's start; ``shifts[0]`` is 0."""

    fps: float
    shifts: np.ndarray


def detect_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height))
    return max(16, round(width * scale / 2) * 2), max(16, round(height * scale / 2) * 2)


def measure_motion(
    info: MediaInfo,
    start: float,
    end: float,
    *,
    cache_dir: Path,
    params: MotionParams = MotionParams(),
    timeout: float = 1800.0,
) -> Motion:
    """The per-frame camera motion of ``info``'s video over source time ``[start, end)``."""
    fps = info.fps if info.fps and info.fps > 0 else 30.0
    cache = MeasureCache(cache_dir, MOTION_VERSION)
    digest = file_sha256(info.path)
    key = f"{params.key()}-{num(start, 6)}-{num(end, 6)}-{num(fps, 6)}"
    cached = cache.load(digest, key)
    if cached is not None:
        return Motion(fps, cached["shifts"])
    w, h = detect_size(info.width, info.height, params.max_side)
    with tempfile.TemporaryDirectory(prefix="reelforge-motion-") as tmp:
        trf = Path(tmp) / "motion.trf"
        detect = (
            f"vidstabdetect=result={escape_value(str(trf))}:fileformat=ascii:shakiness={params.shakiness}"
            f":accuracy={params.accuracy}:stepsize={params.stepsize}:mincontrast={num(params.mincontrast)}"
        )
        before = ("-ss", num(start, 6), "-t", num(end - start, 6))
        ffmpeg.run(
            [
                *ffmpeg.input_args(info.path, demuxer=info.demuxer.split(",")[0], before=before),
                "-an",
                "-sn",
                "-dn",
                "-vf",
                f"setpts=PTS-STARTPTS,fps={num(fps, 6)},scale={w}:{h}:flags=bilinear,{detect}",
                "-f",
                "null",
                "-",
            ],
            timeout=timeout,
        )
        with trf.open(encoding="ascii", errors="replace") as lines:  # ~8 kB a frame: read as a stream
            shifts = parse_trf(lines, scale=info.width / w)
    cache.save(digest, key, {"shifts": shifts})
    return Motion(fps, shifts)


def parse_trf(lines: Iterable[str], *, scale: float) -> np.ndarray:
    """Per-frame global shifts from vidstabdetect's ASCII result, in px of a frame ``scale`` x larger.

    vidstab's field vectors point from the new frame back to the old one, so the picture's shift
    is their negation. The consensus is the mean of the fields near the median (moving subjects and
    mismatched fields disagree with it); a frame without fields counts as still.
    """
    frames: dict[int, tuple[float, float]] = {}
    for line in lines:
        found = _FRAME.match(line)
        if not found:
            continue
        vectors = np.array([(float(m[0]), float(m[1])) for m in _FIELD.findall(found[2])]).reshape(-1, 2)
        frames[int(found[1])] = _consensus(vectors)
    count = max(frames, default=0)
    shifts = np.zeros((count, 2), np.float64)
    for n, (vx, vy) in frames.items():
        shifts[n - 1] = (-vx * scale, -vy * scale)
    shifts[:1] = 0.0
    return shifts


def _consensus(vectors: np.ndarray) -> tuple[float, float]:
    if len(vectors) == 0:
        return 0.0, 0.0
    median = np.median(vectors, axis=0)
    near = vectors[np.abs(vectors - median).max(axis=1) <= 1.5]
    chosen = near if len(near) else vectors
    mean = chosen.mean(axis=0)
    return float(mean[0]), float(mean[1])
