"""Colour of a clip: small frames sampled a few times a second (cached), reduced to one correction.

Each sample gives its levels (dark, middle and bright luma percentiles) and its illuminant (the
shades-of-grey estimate, p = 6, over pixels that are neither clipped, nearly black, nor skin). The
clip's correction comes from the medians over all samples: one steady grade for the whole clip,
so nothing flickers, and a few odd frames (a flash, a hand over the lens) do not move it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from editor import ffmpeg
from editor.effects.enhance import ColourFix
from editor.home import file_sha256
from editor.measure.cache import MeasureCache
from editor.plan.graph import num
from editor.probe import MediaInfo

COLOUR_VERSION = 1  # of the cached stats; the correction is derived on load
SAMPLE_RATE = 2.0  # frames per second looked at
SAMPLE_WIDTH = 160
LUMA = np.array([0.2126, 0.7152, 0.0722])
MID_BAND = (0.3, 0.6)  # where the middle grey of a well-exposed clip sits: left alone inside it
CAST_TOLERANCE = 0.06  # a scene's own colour (a warm room, skin, foliage) explains this much (log gain)
STATS = ("low", "mid", "high", "ill_r", "ill_g", "ill_b")


def sample_frames(info: MediaInfo, start: float, end: float, *, timeout: float = 600.0) -> np.ndarray:
    """(n, h, w, 3) float RGB in 0..1: a still once, a video ``SAMPLE_RATE`` times a second."""
    w = min(SAMPLE_WIDTH, info.width) // 2 * 2
    h = max(2, round(info.height * w / info.width / 2) * 2)
    before: tuple[str, ...] = ()
    vf = f"scale={w}:{h}:flags=area"
    if not info.is_still:
        before = ("-ss", num(start, 6), "-t", num(end - start, 6))
        vf = f"fps={num(SAMPLE_RATE)}:start_time=0,{vf}" if end - start > 1 / SAMPLE_RATE else vf
    raw = ffmpeg.capture(
        [
            *ffmpeg.input_args(info.path, demuxer=info.demuxer.split(",")[0], before=before),
            "-an",
            "-sn",
            "-dn",
            *(["-frames:v", "1"] if info.is_still else []),
            "-vf",
            vf,
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "pipe:1",
        ],
        timeout=timeout,
    )
    frames = np.frombuffer(raw, np.uint8)[: len(raw) // (w * h * 3) * w * h * 3]
    return frames.reshape(-1, h, w, 3).astype(np.float64) / 255.0


def frame_stats(frame: np.ndarray) -> np.ndarray:
    """One sample's (low, mid, high) luma percentiles and its illuminant (r, g, b)."""
    pixels = frame.reshape(-1, 3)
    luma = pixels @ LUMA
    low, mid, high = np.percentile(luma, [0.5, 50, 99.5])
    usable = (pixels.max(axis=1) < 0.97) & (luma > 0.03) & ~skin(pixels)
    chosen = pixels[usable] if usable.sum() > 0.02 * len(pixels) else pixels
    illuminant = np.mean(chosen**6, axis=0) ** (1 / 6)
    return np.array([low, mid, high, *illuminant])


def skin(pixels: np.ndarray) -> np.ndarray:
    """Pixels of skin hue (red to yellow-orange, moderately saturated): kept out of the white
    balance, since a face filling the frame would read as an orange cast."""
    r, g, b = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    top = pixels.max(axis=1)
    sat = (top - pixels.min(axis=1)) / np.maximum(top, 1e-6)
    return (r >= g) & (g >= b) & (sat > 0.12) & (sat < 0.7) & (top > 0.15) & (r - g > 0.25 * (r - b))


def correction(stats: np.ndarray) -> ColourFix:
    """The clip's correction from its samples' stats (n, 6), by their medians."""
    low, mid, high, *illuminant = np.median(stats, axis=0)
    ill = np.maximum(np.array(illuminant), 1e-3)
    grey = float(ill @ LUMA)
    # A cast as small as the scene's own colours explain is left alone, so a balanced clip (and
    # the skin in it) stays as it is; from twice that it is corrected in full (a ramp between, so
    # nothing jumps); the gains keep the grey's brightness.
    log_gains = np.log(np.clip(grey / ill, 0.6, 1.6))
    log_gains *= np.clip(np.abs(log_gains) / CAST_TOLERANCE - 1, 0.0, 1.0)  # none, then all by 2x it
    gains = np.exp(log_gains)
    gains *= grey / float((ill * gains) @ LUMA)
    black = float(np.clip(low, 0.0, 0.15))
    white = float(np.clip(high, max(0.45, black + 0.35), 1.0))
    middle = (mid - black) / (white - black)
    gamma = 1.0
    target = float(np.clip(middle, *MID_BAND))
    if 0.02 < middle < 0.98 and target != middle:  # half-way (in log) into the band: not flattened
        gamma = float(np.clip(math.sqrt(math.log(target) / math.log(middle)), 0.6, 1.5))
    r, g, b = (float(x) for x in gains)
    return ColourFix((r, g, b), black, white, gamma)


def measure_colour(info: MediaInfo, start: float, end: float, *, cache_dir: Path) -> ColourFix:
    """The correction of ``info`` over source time ``[start, end)``."""
    cache = MeasureCache(cache_dir, COLOUR_VERSION)
    digest = file_sha256(info.path)
    key = "still" if info.is_still else f"r{num(SAMPLE_RATE)}-w{SAMPLE_WIDTH}-{num(start, 6)}-{num(end, 6)}"
    cached = cache.load(digest, key)
    if cached is not None:
        return correction(cached["stats"])
    frames = sample_frames(info, start, end)
    stats = np.array([frame_stats(f) for f in frames]).reshape(-1, len(STATS))
    if not len(stats):
        stats = np.array([[0.0, 0.5, 1.0, 1.0, 1.0, 1.0]])  # nothing decoded: no correction
    cache.save(digest, key, {"stats": stats})
    return correction(stats)
