"""Shared fixtures: one JIT warm-up per session, WAV writing and ffmpeg measuring helpers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.analysis import warm_up
from editor import ffmpeg


@pytest.fixture(scope="session")
def warmed() -> float:
    """Compile librosa's numba kernels once for the whole session."""
    return warm_up()


def write_wav(path: Path, samples: np.ndarray, sr: int) -> Path:
    """Write mono ``(n,)`` or ``(channels, n)`` float samples as a float WAV."""
    data = np.asarray(samples, dtype=np.float32)
    sf.write(path, data.T if data.ndim == 2 else data, sr, subtype="FLOAT")
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """``((channels, n) float64, sr)``."""
    data, sr = sf.read(path, always_2d=True)
    return data.T, sr


def render(inputs: Sequence[Path], graph: str, out: Path, *, before: Sequence[Sequence[str]] = ()) -> Path:
    """Run ``-filter_complex graph`` over ``inputs`` into a float WAV; the graph ends in ``[out]``."""
    args: list[str] = []
    for i, path in enumerate(inputs):
        args += ffmpeg.input_args(path, before=before[i] if i < len(before) else ())
    ffmpeg.run([*args, "-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_f32le", str(out)])
    return out


def dominant_hz(samples: np.ndarray, sr: int) -> float:
    x = np.asarray(samples, dtype=np.float64)
    x = x.mean(axis=0) if x.ndim == 2 else x
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sr)[int(np.argmax(spectrum))])


def audible_seconds(samples: np.ndarray, sr: int, floor_db: float = -50.0) -> float:
    """Time of the last 10 ms window louder than ``floor_db`` dBFS (RMS)."""
    x = np.asarray(samples, dtype=np.float64)
    x = x.mean(axis=0) if x.ndim == 2 else x
    win = sr // 100
    frames = x[: len(x) // win * win].reshape(-1, win)
    loud = np.flatnonzero(10 * np.log10(np.mean(frames**2, axis=1) + 1e-20) > floor_db)
    return float((loud[-1] + 1) * win / sr) if len(loud) else 0.0


def sine(freq: float, seconds: float, sr: int = 48000, amp: float = 0.5, fade: float = 0.01) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / fade) if fade > 0 else 1.0
    return (amp * np.sin(2 * np.pi * freq * t) * ramp).astype(np.float32)


def band_centroid_hz(samples: np.ndarray, sr: int, low: float, high: float) -> float:
    """Power-weighted mean frequency between ``low`` and ``high`` (robust to a smeared peak)."""
    x = np.asarray(samples, dtype=np.float64)
    x = x.mean(axis=0) if x.ndim == 2 else x
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / sr)
    band = (freqs >= low) & (freqs <= high)
    return float((freqs[band] * power[band]).sum() / power[band].sum())
