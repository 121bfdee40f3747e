"""The hook of a song: the best 15, 30 and 60 s windows, from repetition, energy and novelty.

Features are pooled over half-second frames: chroma (what is played) and a coarse spectral
envelope (how full it sounds). A moment scores high when it

* recurs elsewhere in the song (its 4 s neighbourhood is similar to another one at least 4 s
  away in a time-lag self-similarity matrix: the chorus comes back, the bridge does not),
* is loud relative to the rest of the song, and
* a window scores a bonus when it starts at a section change (novelty on the similarity
  diagonal) so it does not open mid-phrase.

Window starts are bar starts (downbeats) when there are any. Pure numpy, no IO.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LENGTHS = (15.0, 30.0, 60.0)
_STEP = 0.5  # seconds per pooled frame
_CONTEXT = 8  # frames stacked per feature: 4 s of context
_MIN_LAG = 24  # frames: a repeat must be at least 12 s away (a loop inside a section is no repeat)
_REPEAT_WEIGHT = 2.0  # raw cosine similarity: a chorus that recurs exactly gains ~0.2-0.4


@dataclass(frozen=True)
class Highlight:
    start: float
    end: float
    score: float

    def to_json(self) -> dict[str, float]:
        return {"start": self.start, "end": self.end, "score": self.score}


def _pool(x: np.ndarray, per: int) -> np.ndarray:
    n = x.shape[-1] // per
    if n == 0:
        return x[..., :0]
    return x[..., : n * per].reshape(*x.shape[:-1], n, per).mean(axis=-1)


def _unit(x: np.ndarray) -> np.ndarray:
    x = x - x.mean(axis=0, keepdims=True)
    return x / (np.linalg.norm(x, axis=0, keepdims=True) + 1e-9)


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-9)


def moment_scores(
    chroma: np.ndarray, timbre: np.ndarray, rms_db: np.ndarray, fps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per half-second frame: (score of being in the hook, novelty of starting a section there)."""
    per = max(1, round(_STEP * fps))
    c = _pool(chroma, per)
    c = c / (c.max(axis=0, keepdims=True) + 1e-9)
    t = _pool(timbre, per)
    loud = _pool(rms_db[None, :], per)[0]
    n = c.shape[1]
    feats = np.concatenate([_unit(c), 0.7 * _unit(t)])
    # time-lag embedding: each frame carries the 4 s around it
    half = _CONTEXT // 2
    padded = np.pad(feats, ((0, 0), (half, _CONTEXT - half)), mode="edge")
    stacked = np.concatenate([padded[:, k : k + n] for k in range(_CONTEXT)])
    stacked /= np.linalg.norm(stacked, axis=0, keepdims=True) + 1e-9
    sim = stacked.T @ stacked
    lag = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :])
    repeat = np.where(lag >= _MIN_LAG, sim, -1.0).max(axis=1) if n > _MIN_LAG else np.zeros(n)
    novelty = np.zeros(n)
    for i in range(1, n):  # dissimilarity between the 4 s before and after the frame
        a, b = feats[:, max(0, i - _CONTEXT) : i].mean(axis=1), feats[:, i : i + _CONTEXT].mean(axis=1)
        novelty[i] = 1.0 - float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9)
    fullness = t.mean(axis=0)
    score = _z(loud) + 0.5 * _z(fullness) + _REPEAT_WEIGHT * (repeat - repeat.mean())
    return score, _z(novelty)


def best_windows(
    score: np.ndarray,
    novelty: np.ndarray,
    duration: float,
    starts: np.ndarray,
    lengths: tuple[float, ...] = LENGTHS,
) -> tuple[Highlight, ...]:
    """The best window per length; a song shorter than a length gives the whole song once."""
    out: list[Highlight] = []
    n = len(score)
    cum = np.concatenate([[0.0], np.cumsum(score)])
    for length in lengths:
        if duration <= length or n == 0:
            out.append(Highlight(0.0, round(duration, 3), 0.0))
            continue
        candidates = starts[(starts >= 0) & (starts + length <= duration)]
        if len(candidates) == 0:
            candidates = np.arange(0.0, duration - length + 1e-9, _STEP)
        best: tuple[float, float] | None = None
        for s in candidates:
            a, b = round(s / _STEP), min(n, round((s + length) / _STEP))
            if b <= a:
                continue
            value = (cum[b] - cum[a]) / (b - a) + 0.5 * float(novelty[min(a, n - 1)])
            if best is None or value > best[0]:
                best = (value, float(s))
        if best is None:
            out.append(Highlight(0.0, round(length, 3), 0.0))
            continue
        value, start = best
        out.append(Highlight(round(start, 3), round(start + length, 3), round(value, 3)))
    return tuple(out)
