"""From raw per-sample detections to stable, smooth face tracks at output frame times.

1. Gate detections (too small or centred off-frame ones are dropped).
2. Give faces stable ids: greedy matching of each sample's faces to live tracks on the centre
   distance divided by face size (inter-ocular distance); unmatched faces start new tracks, tracks
   unseen for longer than ``gap`` end. Tracks seen fewer than ``min_hits`` times are dropped as
   spurious; ids are numbered by first appearance.
3. Smooth each track segment with a One Euro filter whose speed term is measured in face units per
   second (so it behaves the same for small and large faces), run forwards and backwards and
   averaged (offline video: no lag).
4. Resample to output frame times by linear interpolation; a lost face keeps its last pose for
   ``hold`` seconds, then fades out over ``fade`` seconds instead of flickering.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from editor.face.landmarks import eye_centre, inter_ocular


@dataclass(frozen=True)
class TrackingParams:
    gap: float = 0.5  # s: a track unseen for longer ends (gaps up to this are interpolated)
    hold: float = 0.3  # s: a lost face keeps its pose this long ...
    fade: float = 0.3  # s: ... then fades out over this long
    min_hits: int = 3  # samples a track needs to be kept
    max_jump: float = 1.5  # inter-ocular distances a face may move between two samples
    min_iod_px: float = 6.0  # smaller faces (in source pixels) are ignored
    min_cutoff: float = 1.0  # Hz
    beta: float = 1.0  # per (face unit / s)
    d_cutoff: float = 1.0  # Hz


@dataclass(frozen=True, eq=False)
class Track:
    """One face's samples: source times (s) and landmarks in source pixels."""

    face_id: int
    times: np.ndarray  # (n,)
    points: np.ndarray  # (n, 478, 2)

    @property
    def weight(self) -> float:
        """Size times presence: how prominent the face is over the clip."""
        return float(inter_ocular(self.points).sum())


@dataclass(frozen=True, eq=False)
class TrackFrames:
    """One face at every output frame: landmarks in source pixels and a 0..1 visibility."""

    face_id: int
    points: np.ndarray = field(repr=False)  # (N, 478, 2) float32
    alpha: np.ndarray = field(repr=False)  # (N,) float32

    @property
    def visible(self) -> np.ndarray:
        return self.alpha > 0


@dataclass
class _Live:
    times: list[float]
    points: list[np.ndarray]

    @property
    def last(self) -> float:
        return self.times[-1]


def build_tracks(
    samples: list[tuple[float, np.ndarray]], width: int, height: int, params: TrackingParams
) -> list[Track]:
    """Stable-id tracks from ``(time, (n, 478, 2) normalised points)`` samples in time order."""
    scale = np.array([width, height], np.float32)
    live: list[_Live] = []
    done: list[_Live] = []
    for t, faces in samples:
        pts = [p for p in (f * scale for f in faces) if _plausible(p, width, height, params)]
        done.extend(tr for tr in live if t - tr.last > params.gap + 1e-6)
        live = [tr for tr in live if t - tr.last <= params.gap + 1e-6]
        pairs = []
        for ti, tr in enumerate(live):
            prev = tr.points[-1]
            for di, p in enumerate(pts):
                size = max(float(inter_ocular(prev)), float(inter_ocular(p)), 1.0)
                cost = float(np.linalg.norm(eye_centre(prev) - eye_centre(p))) / size
                if cost <= params.max_jump:
                    pairs.append((cost, ti, di))
        used_t: set[int] = set()
        used_d: set[int] = set()
        for _, ti, di in sorted(pairs):
            if ti not in used_t and di not in used_d:
                used_t.add(ti)
                used_d.add(di)
                live[ti].times.append(t)
                live[ti].points.append(pts[di])
        live.extend(_Live([t], [p]) for di, p in enumerate(pts) if di not in used_d)
    done.extend(live)
    kept = sorted(
        (tr for tr in done if len(tr.times) >= params.min_hits),
        key=lambda tr: (tr.times[0], float(eye_centre(tr.points[0])[0])),
    )
    return [
        Track(i, np.array(tr.times, np.float64), np.stack(tr.points).astype(np.float32))
        for i, tr in enumerate(kept)
    ]


def _plausible(points: np.ndarray, width: int, height: int, params: TrackingParams) -> bool:
    if float(inter_ocular(points)) < params.min_iod_px or not np.isfinite(points).all():
        return False
    cx, cy = eye_centre(points)
    return -0.1 * width <= cx <= 1.1 * width and -0.1 * height <= cy <= 1.1 * height


def segments(track: Track, params: TrackingParams) -> list[tuple[np.ndarray, np.ndarray]]:
    """Runs of samples without gaps longer than ``params.gap``, each smoothed."""
    breaks = np.nonzero(np.diff(track.times) > params.gap + 1e-6)[0] + 1
    out = []
    for idx in np.split(np.arange(len(track.times)), breaks):
        times, pts = track.times[idx], track.points[idx].astype(np.float64)
        out.append((times, smooth(times, pts, params)))
    return out


def smooth(times: np.ndarray, points: np.ndarray, params: TrackingParams) -> np.ndarray:
    """One Euro forwards and backwards, averaged; ``points`` is ``(n, P, 2)`` in pixels."""
    if len(times) < 2:
        return points.copy()
    unit = np.maximum(inter_ocular(points), 1.0)
    fwd = _one_euro(times, points, unit, params)
    bwd = _one_euro(times[-1] - times[::-1], points[::-1], unit[::-1], params)[::-1]
    return (fwd + bwd) / 2


def _alpha(cutoff: float, dt: float) -> float:
    tau = 1.0 / (2 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


def _one_euro(times: np.ndarray, x: np.ndarray, unit: np.ndarray, params: TrackingParams) -> np.ndarray:
    """One Euro filter on whole faces: one adaptive cutoff per step from the face centre's speed."""
    out = np.empty_like(x)
    out[0] = x[0]
    d_hat = np.zeros(2)
    for i in range(1, len(x)):
        dt = max(float(times[i] - times[i - 1]), 1e-6)
        speed_raw = (x[i].mean(axis=0) - out[i - 1].mean(axis=0)) / dt
        a_d = _alpha(params.d_cutoff, dt)
        d_hat = a_d * speed_raw + (1 - a_d) * d_hat
        cutoff = params.min_cutoff + params.beta * float(np.linalg.norm(d_hat)) / float(unit[i])
        a = _alpha(cutoff, dt)
        out[i] = a * x[i] + (1 - a) * out[i - 1]
    return out


def resample(track: Track, out_times: np.ndarray, rate: float, params: TrackingParams) -> TrackFrames:
    """``track`` at each of ``out_times`` (source seconds), with hold-then-fade when lost."""
    n = len(out_times)
    best_alpha = np.zeros(n, np.float32)
    best_pts = np.zeros((n, track.points.shape[1], 2), np.float32)
    half = 0.5 / rate
    for times, pts in segments(track, params):
        start, end = times[0] - half, times[-1] + half
        alpha = np.where(
            out_times < start,
            0.0,
            np.clip(1.0 - (out_times - end - params.hold) / max(params.fade, 1e-6), 0.0, 1.0),
        ).astype(np.float32)
        take = alpha > best_alpha
        if not take.any():
            continue
        best_alpha[take] = alpha[take]
        best_pts[take] = _interp(times, pts, out_times[take])
    return TrackFrames(track.face_id, best_pts, best_alpha)


def _interp(times: np.ndarray, pts: np.ndarray, at: np.ndarray) -> np.ndarray:
    if len(times) == 1:
        return np.repeat(pts[:1], len(at), axis=0).astype(np.float32)
    clamped = np.clip(at, times[0], times[-1])
    j = np.clip(np.searchsorted(times, clamped, side="right") - 1, 0, len(times) - 2)
    w = ((clamped - times[j]) / np.maximum(times[j + 1] - times[j], 1e-9))[:, None, None]
    return ((1 - w) * pts[j] + w * pts[j + 1]).astype(np.float32)
