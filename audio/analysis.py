"""Sound analysis: tempo, beats, bars, phrases, key, highlights, loudness (LUFS, LRA), true peak.

``analyze(samples, sr)`` is pure: decoded float samples in, a frozen ``SoundAnalysis`` out.
Input caps protect against hostile data; violations raise ``ValueError`` for the caller to
translate. Results are cacheable by content hash with ``AnalysisCache``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np

from audio import loudness
from audio.highlights import Highlight

ANALYSIS_VERSION = 2  # bump whenever results for the same samples may change
ANALYSIS_SR = 22050
MAX_SECONDS = 15 * 60.0
MAX_SAMPLE_RATE = 192_000
MAX_CHANNELS = 8


@dataclass(frozen=True)
class SoundAnalysis:
    duration: float
    sample_rate: int
    tempo: float  # BPM of the longest tempo segment; 0.0 when there is no beat
    beats: tuple[float, ...]
    downbeats: tuple[float, ...]
    onsets: tuple[float, ...]
    loudness_lufs: float
    loudness_range: float
    true_peak_db: float
    tempo_segments: tuple[tuple[float, float], ...] = field(default=())  # (start s, bpm)
    beats_per_bar: int = 4
    phrases: tuple[float, ...] = ()  # downbeats that start a 4-bar phrase (8-bar: every other one)
    beat_confidence: float = 0.0  # 0..1
    key: str | None = None  # "C", "F#"... ; None when there is no tonal centre
    mode: str | None = None  # major | minor
    key_confidence: float = 0.0  # 0..1
    highlights: tuple[Highlight, ...] = ()  # the best 15, 30 and 60 s windows, bar-aligned

    def highlight(self, seconds: float) -> Highlight | None:
        """The best window of the shortest length >= ``seconds`` (or the longest there is)."""
        fitting = [h for h in self.highlights if h.end - h.start >= seconds - 1e-6]
        return (
            min(fitting, key=lambda h: h.end - h.start)
            if fitting
            else (max(self.highlights, key=lambda h: h.end - h.start) if self.highlights else None)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": ANALYSIS_VERSION,
            "duration": self.duration,
            "sample_rate": self.sample_rate,
            "tempo": self.tempo,
            "beats": list(self.beats),
            "downbeats": list(self.downbeats),
            "onsets": list(self.onsets),
            "loudness_lufs": self.loudness_lufs,
            "loudness_range": self.loudness_range,
            "true_peak_db": self.true_peak_db,
            "tempo_segments": [list(seg) for seg in self.tempo_segments],
            "beats_per_bar": self.beats_per_bar,
            "phrases": list(self.phrases),
            "beat_confidence": self.beat_confidence,
            "key": self.key,
            "mode": self.mode,
            "key_confidence": self.key_confidence,
            "highlights": [h.to_json() for h in self.highlights],
        }

    @staticmethod
    def is_current(data: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
        """Whether a stored ``to_json`` came from this ``ANALYSIS_VERSION`` (older ones lack fields)."""
        return data is not None and data.get("version") == ANALYSIS_VERSION

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SoundAnalysis:
        """Inverse of ``asdict`` (the cache's stored form)."""
        return cls(
            duration=float(data["duration"]),
            sample_rate=int(data["sample_rate"]),
            tempo=float(data["tempo"]),
            beats=tuple(data["beats"]),
            downbeats=tuple(data["downbeats"]),
            onsets=tuple(data["onsets"]),
            loudness_lufs=float(data["loudness_lufs"]),
            loudness_range=float(data["loudness_range"]),
            true_peak_db=float(data["true_peak_db"]),
            tempo_segments=tuple((float(s), float(b)) for s, b in data.get("tempo_segments", ())),
            beats_per_bar=int(data.get("beats_per_bar", 4)),
            phrases=tuple(data.get("phrases", ())),
            beat_confidence=float(data.get("beat_confidence", 0.0)),
            key=data.get("key"),
            mode=data.get("mode"),
            key_confidence=float(data.get("key_confidence", 0.0)),
            highlights=tuple(Highlight(**h) for h in data.get("highlights", ())),
        )


def check_input(samples: np.ndarray, sr: int, *, max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """Validate caps and return samples as float32 ``(channels, n)``; raise ``ValueError``."""
    if not isinstance(sr, int | np.integer) or not 1000 <= sr <= MAX_SAMPLE_RATE:
        raise ValueError(f"sample rate {sr} Hz is outside 1000..{MAX_SAMPLE_RATE} Hz")
    x = np.asarray(samples)
    if x.ndim not in (1, 2):
        raise ValueError(f"samples must be mono (n,) or (channels, n), got shape {x.shape}")
    x = x[None, :] if x.ndim == 1 else x
    if x.shape[0] > MAX_CHANNELS:
        raise ValueError(
            f"{x.shape[0]} channels is more than the {MAX_CHANNELS} allowed (shape is (channels, n))"
        )
    if x.shape[1] / sr > max_seconds:
        raise ValueError(f"audio is {x.shape[1] / sr:.1f} s long; the limit is {max_seconds:g} s")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"samples must be float, got {x.dtype}")
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise ValueError("samples contain NaN or infinity")
    return x


def _mono_for_rhythm(x: np.ndarray, sr: int) -> np.ndarray:
    import librosa

    mono = x.mean(axis=0)
    if sr != ANALYSIS_SR:
        mono = librosa.resample(mono, orig_sr=sr, target_sr=ANALYSIS_SR, res_type="soxr_hq")
    return np.ascontiguousarray(mono, dtype=np.float32)


def _r(values: np.ndarray) -> tuple[float, ...]:
    return tuple(round(float(v), 3) for v in values)


def analyze(samples: np.ndarray, sr: int, *, max_seconds: float = MAX_SECONDS) -> SoundAnalysis:
    """Analyse mono ``(n,)`` or ``(channels, n)`` float samples at ``sr`` Hz.

    Loudness and true peak are measured on the original channels and rate; rhythm, key and
    highlights on a mono 22050 Hz mix. Raises ``ValueError`` on inputs over the caps.
    """
    x = check_input(samples, sr, max_seconds=max_seconds)
    power = loudness.segment_power(x, sr)
    duration = round(x.shape[1] / sr, 3)
    common: dict[str, Any] = {
        "duration": duration,
        "sample_rate": int(sr),
        "loudness_lufs": loudness.integrated_loudness(x, sr, power=power),
        "loudness_range": loudness.loudness_range(x, sr, power=power),
        "true_peak_db": loudness.true_peak_db(x, sr),
    }
    if not x.shape[1]:
        return SoundAnalysis(tempo=0.0, beats=(), downbeats=(), onsets=(), **common)
    return SoundAnalysis(**common, **_music(_mono_for_rhythm(x, sr), duration))


def _music(mono: np.ndarray, duration: float) -> dict[str, Any]:
    """Rhythm, key and highlights of mono 22050 Hz samples, as ``SoundAnalysis`` fields."""
    from audio import highlights, key
    from audio.beats import FPS, envelopes, rhythm

    env = envelopes(mono)
    found = rhythm(env)
    tonal = key.estimate(env.chroma)
    score, novelty = highlights.moment_scores(env.chroma, env.timbre, env.rms_db, FPS)
    starts = found.downbeats if len(found.downbeats) else found.beats
    return {
        "tempo": found.tempo,
        "beats": _r(found.beats),
        "downbeats": _r(found.downbeats),
        "onsets": _r(found.onsets),
        "tempo_segments": found.segments,
        "beats_per_bar": found.beats_per_bar,
        "phrases": _r(found.phrases),
        "beat_confidence": found.confidence,
        "key": key.NAMES[tonal.tonic] if tonal else None,
        "mode": tonal.mode if tonal else None,
        "key_confidence": tonal.confidence if tonal else 0.0,
        "highlights": highlights.best_windows(score, novelty, duration, np.asarray(starts)),
    }


def warm_up() -> float:
    """Run the full analysis once on 4 s of synthetic clicks; return the seconds it took.

    librosa's numba kernels compile on first use (tens of seconds in a fresh process). Call this
    at worker start-up so the first real request does not pay for it. Set ``NUMBA_CACHE_DIR`` to
    a persistent writable directory before librosa is imported to keep the compiled code
    between processes (librosa marks its kernels ``cache=True``).
    """
    import time

    started = time.perf_counter()
    sr = ANALYSIS_SR
    clicks = np.zeros(4 * sr, dtype=np.float32)
    t = np.arange(int(0.05 * sr)) / sr
    click = (np.sin(2 * np.pi * 80 * t) * np.exp(-t / 0.02)).astype(np.float32)
    for start in range(0, len(clicks) - len(click), sr // 2):
        clicks[start : start + len(click)] += click
    analyze(clicks, sr)
    return time.perf_counter() - started


def content_hash(samples: np.ndarray, sr: int) -> str:
    """sha256 of the sample bytes, shape and rate (the content part of the cache key)."""
    x = np.ascontiguousarray(samples, dtype=np.float32)
    digest = hashlib.sha256(f"{x.shape}:{sr}:".encode())
    digest.update(x.tobytes())
    return digest.hexdigest()


def analysis_key(content_sha256: str) -> str:
    """Cache key: the content hash under the current ``ANALYSIS_VERSION``."""
    if not content_sha256 or not all(c in "0123456789abcdef" for c in content_sha256.lower()):
        raise ValueError("content hash must be a hex digest")
    return f"v{ANALYSIS_VERSION}-{content_sha256.lower()}"


class AnalysisCache:
    """A directory of ``<key>.json`` files; writes are atomic (temp file + rename)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        if not key or not all(c.isalnum() or c == "-" for c in key):
            raise ValueError(f"invalid cache key {key!r}")
        return self.directory / f"{key}.json"

    def get(self, key: str) -> SoundAnalysis | None:
        """The stored analysis, or ``None`` when missing or unreadable; bad keys raise ``ValueError``."""
        path = self._path(key)
        try:
            return SoundAnalysis.from_dict(json.loads(path.read_text()))
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, analysis: SoundAnalysis) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(asdict(analysis), fh)
        os.replace(tmp, self._path(key))

    def get_or_analyze(self, samples: np.ndarray, sr: int) -> SoundAnalysis:
        key = analysis_key(content_hash(samples, sr))
        cached = self.get(key)
        if cached is not None:
            return cached
        result = analyze(samples, sr)
        self.put(key, result)
        return result
