"""Musical key and mode from pitch-class profiles (Krumhansl-Kessler key profiles).

The whole track's chroma is correlated with the 24 rotated major and minor profiles (bass
chroma counted extra was tried and hurt: a bass note's 5th harmonic is its major third).
Confidence is how far the best key stands above the best other key that is not its relative
(C major and A minor share every note, so confusing them is a smaller mistake).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# Krumhansl & Kessler (1982) probe-tone ratings
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True)
class Key:
    tonic: int  # pitch class, 0 = C
    mode: str  # major | minor
    confidence: float  # 0..1

    @classmethod
    def parse(cls, tonic: str | None, mode: str | None, confidence: float = 0.0) -> Key | None:
        """From ``SoundAnalysis.key`` / ``.mode``; ``None`` when the sound has no key."""
        if tonic not in NAMES or mode not in ("major", "minor"):
            return None
        return cls(NAMES.index(tonic), mode, confidence)

    @property
    def name(self) -> str:
        return f"{NAMES[self.tonic]} {self.mode}"

    def semitones_to(self, other: Key) -> int:
        """The shift in -6..+5 semitones that moves this key's tonic onto ``other``'s.

        Between modes the relative key counts (A minor -> C major is 0: same notes).
        """
        mine = self.tonic if self.mode == other.mode else (self.tonic + (3 if self.mode == "minor" else -3))
        return (other.tonic - mine + 6) % 12 - 6


def _corr(profile: np.ndarray, template: np.ndarray) -> np.ndarray:
    """Pearson correlation of ``profile`` with each of the 12 rotations of ``template``."""
    rows = np.stack([np.roll(template, k) for k in range(12)])
    rows = rows - rows.mean(axis=1, keepdims=True)
    p = profile - profile.mean()
    denom = np.linalg.norm(rows, axis=1) * (np.linalg.norm(p) + 1e-12)
    return rows @ p / denom


def estimate(chroma: np.ndarray) -> Key | None:
    """The key of ``chroma`` (12, frames); ``None`` when silent or without any tonal centre."""
    profile = np.asarray(chroma, dtype=float).sum(axis=1)
    if profile.sum() <= 1e-9 or np.ptp(profile) <= 1e-9 * profile.max():
        return None
    scores = np.concatenate([_corr(profile, _MAJOR), _corr(profile, _MINOR)])
    best = int(np.argmax(scores))
    tonic, mode = best % 12, ("major" if best < 12 else "minor")
    relative = (tonic + 9) % 12 + 12 if mode == "major" else (tonic + 3) % 12
    others = np.delete(scores, [best, relative])
    margin = float(scores[best] - others.max())
    return Key(tonic, mode, round(float(np.clip(margin / 0.15, 0.0, 1.0)), 3))
