"""Duplicate detection by spectral-peak landmark hashing (Wang 2003, "Shazam").

``fingerprint(samples, sr)`` resamples to 11025 Hz mono, picks the strongest local maxima of
the log spectrogram (a fixed number per second, so gain does not matter), pairs each peak with
a few later peaks, and hashes ``(f1, f2 - f1, t2 - t1)`` into 23 bits. A re-encode keeps most
peaks; a trim shifts every anchor by the same offset, which is what matching looks for: many
hashes that agree on one time offset between query and reference.

The stored form is a list of ``(hash, frame)`` integer pairs per sound (``Fingerprint.pairs``),
ready for a ``(sound_id, hash, frame)`` table indexed on ``hash``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import maximum_filter
from scipy.signal import resample_poly, stft

FP_SR = 11025
N_FFT = 1024
HOP = 256
FRAME_SECONDS = HOP / FP_SR
PEAKS_PER_SECOND = 30
FAN_OUT = 6
MAX_DT = 63  # frames (6 bits)
MAX_DF = 127  # bins (8 bits with sign)
MAX_BIN = 511  # 9 bits: up to ~5.5 kHz
FP_VERSION = 1


@dataclass(frozen=True)
class Fingerprint:
    hashes: np.ndarray = field(repr=False)  # uint32
    frames: np.ndarray = field(repr=False)  # int32, anchor frame of each hash
    duration: float = 0.0

    def pairs(self) -> list[tuple[int, int]]:
        """The serialisable form: ``[(hash, frame), ...]``."""
        return list(zip(self.hashes.tolist(), self.frames.tolist(), strict=True))

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[int, int]], duration: float = 0.0) -> Fingerprint:
        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return cls(arr[:, 0].astype(np.uint32), arr[:, 1].astype(np.int32), duration)

    def __len__(self) -> int:
        return len(self.hashes)


def _mono_11k(samples: np.ndarray, sr: int) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=0)
    if sr != FP_SR:
        from math import gcd

        g = gcd(int(sr), FP_SR)
        x = resample_poly(x, FP_SR // g, int(sr) // g).astype(np.float32)
    return x


def _peaks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frame, bin) of the strongest local maxima, ``PEAKS_PER_SECOND`` per second at most."""
    _, _, spec = stft(x, nperseg=N_FFT, noverlap=N_FFT - HOP, boundary=None, padded=False)
    mag = np.log(np.abs(spec[: MAX_BIN + 1]) + 1e-9).T  # (frames, bins)
    if mag.shape[0] < 3:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    floor = max(float(mag.max()) - np.log(10**3.5), np.log(1e-5))  # 70 dB range, nothing below -100 dB
    local = (mag == maximum_filter(mag, size=(9, 21))) & (mag > floor)
    local[:, :3] = False
    frames, bins = np.nonzero(local)
    strength = mag[frames, bins]
    keep: list[np.ndarray] = []
    block_of = frames // round(1.0 / FRAME_SECONDS)  # one-second blocks
    for block in np.unique(block_of):
        idx = np.flatnonzero(block_of == block)
        keep.append(idx[np.argsort(strength[idx])[::-1][:PEAKS_PER_SECOND]])
    chosen = np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)
    order = np.lexsort((bins[chosen], frames[chosen]))
    return frames[chosen][order], bins[chosen][order]


def fingerprint(samples: np.ndarray, sr: int) -> Fingerprint:
    """Landmark hashes of mono ``(n,)`` or ``(channels, n)`` float samples."""
    x = _mono_11k(samples, sr)
    frames, bins = _peaks(x)
    hashes: list[int] = []
    anchors: list[int] = []
    n = len(frames)
    for i in range(n):
        made = 0
        for j in range(i + 1, n):
            dt = int(frames[j] - frames[i])
            if dt > MAX_DT:
                break
            df = int(bins[j] - bins[i])
            if dt < 1 or abs(df) > MAX_DF:
                continue
            hashes.append((int(bins[i]) << 14) | ((df + 128) << 6) | dt)
            anchors.append(int(frames[i]))
            made += 1
            if made >= FAN_OUT:
                break
    return Fingerprint(
        np.asarray(hashes, dtype=np.uint32), np.asarray(anchors, dtype=np.int32), round(len(x) / FP_SR, 3)
    )


@dataclass(frozen=True)
class Match:
    sound_id: str
    score: int  # hashes agreeing on the best offset (+-1 frame)
    ratio: float  # score / hashes in the query
    offset: float  # seconds: where the query starts inside the reference
    coverage: float = 1.0  # share of the query's seconds holding an agreeing hash


class FingerprintIndex:
    """In-memory inverted index ``hash -> [(sound, frame)]``; rows round-trip via ``rows()``."""

    def __init__(self, *, min_score: int = 30, min_ratio: float = 0.02, min_coverage: float = 0.5) -> None:
        self.min_score = min_score
        self.min_ratio = min_ratio
        self.min_coverage = min_coverage
        self._ids: list[str] = []
        self._postings: dict[int, list[tuple[int, int]]] = {}

    def add(self, sound_id: str, fp: Fingerprint) -> None:
        if sound_id in self._ids:
            raise ValueError(f"sound {sound_id} is already indexed")
        index = len(self._ids)
        self._ids.append(sound_id)
        for h, t in zip(fp.hashes.tolist(), fp.frames.tolist(), strict=True):
            self._postings.setdefault(h, []).append((index, t))

    def rows(self) -> Iterable[tuple[str, int, int]]:
        """``(sound_id, hash, frame)`` rows, e.g. for a database table."""
        for h, posts in self._postings.items():
            for index, t in posts:
                yield self._ids[index], h, t

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, int, int]], **kwargs: float) -> FingerprintIndex:
        index = cls(**kwargs)  # type: ignore[arg-type]
        positions: dict[str, int] = {}
        for sound_id, h, t in rows:
            if sound_id not in positions:
                positions[sound_id] = len(index._ids)
                index._ids.append(sound_id)
            index._postings.setdefault(int(h), []).append((positions[sound_id], int(t)))
        return index

    def __len__(self) -> int:
        return len(self._ids)

    def candidates(self, fp: Fingerprint) -> list[Match]:
        """Every indexed sound with at least one agreeing hash, best first (no thresholds)."""
        sounds: list[int] = []
        offsets: list[int] = []
        for h, t in zip(fp.hashes.tolist(), fp.frames.tolist(), strict=True):
            for index, ref_t in self._postings.get(h, ()):
                sounds.append(index)
                offsets.append(ref_t - t)
        if not sounds or len(fp) == 0:
            return []
        s = np.asarray(sounds, dtype=np.int64)
        o = np.asarray(offsets, dtype=np.int64)
        shift = int(o.min()) - 1
        width = int(o.max()) - shift + 2
        counts = np.bincount(s * width + (o - shift), minlength=len(self._ids) * width).reshape(-1, width)
        smoothed = counts.copy()  # tolerate a one-frame jitter of the anchors
        smoothed[:, 1:] += counts[:, :-1]
        smoothed[:, :-1] += counts[:, 1:]
        best = smoothed.argmax(axis=1)
        scores = smoothed[np.arange(len(self._ids)), best]
        seconds = np.asarray(fp.frames, dtype=np.int64) // round(1.0 / FRAME_SECONDS)
        n_seconds = max(1, int(seconds.max()) + 1) if len(seconds) else 1
        query_second = np.repeat(seconds, [len(self._postings.get(h, ())) for h in fp.hashes.tolist()])
        # coverage: the query seconds holding a hash that agrees with its sound's best offset
        agree = np.abs(o - (best[s] + shift)) <= 1
        covered = np.unique(s[agree] * n_seconds + query_second[agree]) // n_seconds
        seconds_covered = np.bincount(covered, minlength=len(self._ids))
        found = []
        for i in np.flatnonzero(scores):
            coverage = int(seconds_covered[i]) / n_seconds
            offset = (int(best[i]) + shift) * FRAME_SECONDS
            found.append(Match(self._ids[i], int(scores[i]), float(scores[i]) / len(fp), offset, coverage))
        return sorted(found, key=lambda m: -m.score)

    def match(self, fp: Fingerprint) -> Match | None:
        """The best indexed sound if enough hashes agree on one offset, else ``None``."""
        found = self.candidates(fp)
        if (
            found
            and found[0].score >= self.min_score
            and found[0].ratio >= self.min_ratio
            and found[0].coverage >= self.min_coverage
        ):
            return found[0]
        return None
