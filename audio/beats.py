"""Tempo, beats and downbeats without octave errors over 70-180 BPM.

Pipeline (all on mono 22050 Hz):

1. Band onset envelopes (spectral flux of a root-compressed mel spectrogram): low (< 150 Hz: kick, bass),
   mid (150 Hz - 2 kHz: snare, chords), high (hats), plus their weighted "accent" sum.
2. Windowed autocorrelation -> a tempo salience per 8 s window. One tempo change is found by
   splitting the windows where two tempos explain the salience clearly better than one.
3. Per segment, the best metrical family in 70-180 BPM, then the octave decision: at the slower
   candidate's grid, are the half-beat positions as accented (low + mid bands) as the beats? If
   yes the faster tempo is the beat, else the slower one. Hi-hats barely count, so 16th hats
   cannot double a ballad and a snare on 2 and 4 cannot halve a fast punk track.
4. Dynamic-programming beat tracking (librosa's, with the tempo fixed per frame), then a phase
   check: if the low band is stronger half a beat later, the tracker sat on the off-beats.
5. Beats in silence are dropped; downbeats are the bar phase (4/4) with the most low-band
   accent and harmonic change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import librosa
import numpy as np
from scipy.ndimage import maximum_filter1d

SR = 22050
HOP = 256
N_FFT = 1024
FPS = SR / HOP
MIN_BPM = 70.0
MAX_BPM = 180.0
SILENCE_DB = -60.0
_BPM_GRID = np.arange(MIN_BPM, MAX_BPM + 0.25, 0.25)
_WINDOW_S = 8.0
_WINDOW_HOP_S = 2.0
_HALF_BEAT_RATIO = 0.38  # off/on accent ratio above which the faster tempo is the beat


@dataclass(frozen=True)
class Envelopes:
    low: np.ndarray
    mid: np.ndarray
    high: np.ndarray
    full: np.ndarray
    rms_db: np.ndarray
    chroma: np.ndarray  # (12, frames)

    @property
    def accent(self) -> np.ndarray:
        """Kick, bass, snare and chords count; hats count a little."""
        return self.low + self.mid + 0.25 * self.high


@dataclass(frozen=True)
class Rhythm:
    tempo: float
    segments: tuple[tuple[float, float], ...]  # (start seconds, bpm) per tempo segment
    beats: np.ndarray
    downbeats: np.ndarray
    onsets: np.ndarray


@cache
def _mel_basis() -> np.ndarray:
    return librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=64, fmax=SR / 2)


@cache
def _chroma_basis() -> np.ndarray:
    return librosa.filters.chroma(sr=SR, n_fft=N_FFT)


def _norm(x: np.ndarray) -> np.ndarray:
    scale = float(np.percentile(x, 99)) if x.size else 0.0
    return x / scale if scale > 1e-9 else np.zeros_like(x)


_CHUNK_FRAMES = 4096  # ~48 s per STFT chunk: bounded memory on long inputs


def _features(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mel power (64, n), chroma (12, n) and RMS (n,) per frame, computed chunk by chunk.

    Identical to one centred STFT over the whole signal (zero padding of n_fft/2 at both ends).
    """
    padded = np.pad(np.asarray(y, dtype=np.float32), N_FFT // 2)
    n = 1 + (len(padded) - N_FFT) // HOP if len(padded) >= N_FFT else 0
    mels, chromas, rmss = [], [], []
    for f0 in range(0, n, _CHUNK_FRAMES):
        f1 = min(n, f0 + _CHUNK_FRAMES)
        segment = padded[f0 * HOP : (f1 - 1) * HOP + N_FFT]
        spec = np.abs(librosa.stft(segment, n_fft=N_FFT, hop_length=HOP, center=False))
        power = spec**2
        mels.append(_mel_basis() @ power)
        chromas.append(_chroma_basis() @ power)
        rmss.append(librosa.feature.rms(S=spec, frame_length=N_FFT)[0])
    if not mels:
        return np.zeros((64, 0)), np.zeros((12, 0)), np.zeros(0)
    return np.concatenate(mels, axis=1), np.concatenate(chromas, axis=1), np.concatenate(rmss)


def envelopes(y: np.ndarray) -> Envelopes:
    mel, chroma, rms = _features(y)
    n = mel.shape[1]
    # root-compressed (not log) magnitudes: a quiet hat must not weigh as much as a loud kick
    compressed = (mel / max(float(mel.max(initial=0.0)), 1e-12)) ** 0.25
    freqs = librosa.mel_frequencies(n_mels=66, fmax=SR / 2)[1:-1]
    bounds = [0, int(np.searchsorted(freqs, 150.0)), int(np.searchsorted(freqs, 2000.0)), len(freqs)]
    # flux of frame i is S[i] - S[i-1], stamped at frame i (S is already centred: no extra shift)
    if n > 1:
        bands = librosa.onset.onset_strength_multi(
            S=compressed, sr=SR, hop_length=HOP, channels=bounds, aggregate=np.mean, center=False
        )
        bands = np.pad(bands, ((0, 0), (1, 0)))[:, :n]
    else:
        bands = np.zeros((3, n))
    chroma = chroma / np.maximum(chroma.max(axis=0, keepdims=True, initial=0.0), 1e-10)
    low, mid, high = (_norm(b) for b in bands)
    return Envelopes(
        low=low,
        mid=mid,
        high=high,
        full=_norm(bands.mean(axis=0)),
        rms_db=20 * np.log10(np.maximum(rms, 1e-10)),
        chroma=chroma,
    )


def _acf(x: np.ndarray) -> np.ndarray:
    x = x - x.mean()
    n = len(x)
    spec = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(np.abs(spec) ** 2)[:n]
    return ac / ac[0] if ac[0] > 1e-12 else np.zeros(n)


def _family_salience(acf: np.ndarray) -> np.ndarray:
    """Salience over ``_BPM_GRID``: periodicity at the beat, two beats and a bar."""
    lags = 60.0 * FPS / _BPM_GRID
    idx = np.arange(len(acf))
    total = np.zeros_like(lags)
    for mult, weight in ((1, 1.0), (2, 0.5), (4, 0.5)):
        total += weight * np.interp(lags * mult, idx, acf, right=0.0)
    return total


def _window_salience(env: np.ndarray) -> tuple[np.ndarray, int, int]:
    win = int(_WINDOW_S * FPS)
    hop = int(_WINDOW_HOP_S * FPS)
    if len(env) <= win:
        return _family_salience(_acf(env))[None, :], len(env), hop
    starts = range(0, len(env) - win + 1, hop)
    return np.stack([_family_salience(_acf(env[s : s + win])) for s in starts]), win, hop


def _segments(env: np.ndarray, sal: np.ndarray, win: int, hop: int) -> list[tuple[int, int, float]]:
    """One or two (start frame, end frame, bpm) segments: at most one tempo change."""
    n_win = len(sal)
    n_frames = len(env)
    single = int(np.argmax(sal.mean(axis=0)))
    single_score = float(sal[:, single].sum())
    best: tuple[float, int, int, int] | None = None
    min_w = max(2, round(_WINDOW_S / _WINDOW_HOP_S))
    prefix = np.concatenate([np.zeros((1, sal.shape[1])), np.cumsum(sal, axis=0)])
    for k in range(min_w, n_win - min_w + 1):
        left = int(np.argmax(prefix[k]))
        right = int(np.argmax(prefix[-1] - prefix[k]))
        score = float(prefix[k, left] + prefix[-1, right] - prefix[k, right])
        if best is None or score > best[0]:
            best = (score, k, left, right)
    if best is not None:
        score, k, left, right = best
        ratio = _BPM_GRID[right] / _BPM_GRID[left]
        octave = abs(abs(np.log2(ratio)) - 1.0) < 0.06
        if (score - single_score) / n_win > 0.08 and abs(np.log(ratio)) > np.log(1.06) and not octave:
            rough = (k - 1) * hop + win // 2 + hop // 2
            bpm_a, bpm_b = float(_BPM_GRID[left]), float(_BPM_GRID[right])
            boundary = _refine_boundary(env, rough, bpm_a, bpm_b)
            return [(0, boundary, bpm_a), (boundary, n_frames, bpm_b)]
    return [(0, n_frames, float(_BPM_GRID[single]))]


def _refine_boundary(env: np.ndarray, rough: int, bpm_a: float, bpm_b: float) -> int:
    """Where short windows stop favouring the first tempo's lag over the second's."""
    half = int(2.0 * FPS)
    step = max(1, int(0.1 * FPS))
    lag_a, lag_b = 60.0 * FPS / bpm_a, 60.0 * FPS / bpm_b
    centers = np.arange(max(half, rough - int(5 * FPS)), min(len(env) - half, rough + int(5 * FPS)), step)
    if len(centers) < 3:
        return rough
    diff = []
    for c in centers:
        acf = _acf(env[c - half : c + half])
        idx = np.arange(len(acf))
        diff.append(
            sum(np.interp([lag_a * m], idx, acf)[0] - np.interp([lag_b * m], idx, acf)[0] for m in (1, 2))
        )
    d = np.convolve(np.asarray(diff), np.ones(5) / 5, mode="same")
    # the boundary maximises (evidence for a before) - (evidence for a after)
    cum = np.cumsum(d)
    score = cum - (cum[-1] - cum)
    return int(centers[int(np.argmax(score))])


def _grid_mean(env: np.ndarray, period: float, phases: np.ndarray) -> np.ndarray:
    """Mean of ``env`` on a grid of ``period`` frames starting at each of ``phases``."""
    count = int((len(env) - phases.max() - 1) // period) + 1 if len(env) > phases.max() else 0
    if count < 1:
        return np.zeros(len(phases))
    pos = np.rint(phases[:, None] + period * np.arange(count)[None, :]).astype(int)
    return env[np.minimum(pos, len(env) - 1)].mean(axis=1)


def half_beat_ratio(accent: np.ndarray, slow_bpm: float) -> float:
    """Accent at the half-beat positions relative to the beats, at the slower tempo's best phase."""
    tolerant = maximum_filter1d(accent, size=5)
    period = 60.0 * FPS / slow_bpm
    phases = np.arange(int(np.ceil(period)), dtype=float)
    on = _grid_mean(tolerant, period, phases)
    if on.max() <= 1e-9:
        return 0.0
    best = float(phases[int(np.argmax(on))])
    off = _grid_mean(tolerant, period, np.array([best + period / 2]))[0]
    return float(off / on.max())


def choose_octave(accent: np.ndarray, bpm: float) -> float:
    """Pick among ``bpm``, ``2*bpm`` and ``bpm/2`` inside 70-180 by the half-beat test."""
    family = sorted({c for c in (bpm / 2, bpm, bpm * 2) if MIN_BPM * 0.99 <= c <= MAX_BPM * 1.01})
    if len(family) < 2:
        return bpm
    slow, fast = family[0], family[1]
    return fast if half_beat_ratio(accent, slow) > _HALF_BEAT_RATIO else slow


def _track(env: Envelopes, bpm_per_frame: np.ndarray) -> np.ndarray:
    dp_env = env.full + env.low + env.mid
    _, frames = librosa.beat.beat_track(
        onset_envelope=dp_env, sr=SR, hop_length=HOP, bpm=bpm_per_frame, tightness=400, trim=False
    )
    frames = np.asarray(frames, dtype=float)
    if len(frames) < 3:
        return frames
    # drop leading/trailing beats with next to no accent (before the music starts, after it ends)
    strength = maximum_filter1d(dp_env, size=7)[frames.astype(int)]
    strong = np.flatnonzero(strength >= 0.1 * float(np.median(strength)))
    return frames[strong[0] : strong[-1] + 1] if len(strong) else frames[:0]


def _fix_phase(env: Envelopes, frames: np.ndarray) -> np.ndarray:
    """Move beats half a beat if the low band (kick, bass) is clearly stronger there."""
    if len(frames) < 4:
        return frames
    low = maximum_filter1d(env.low, size=5)
    mids = (frames[:-1] + frames[1:]) / 2
    on = float(low[frames[:-1].astype(int)].mean())
    off = float(low[np.rint(mids).astype(int)].mean())
    if off > 2.0 * on and off > 0.1:
        step = frames[-1] - frames[-2]
        last = frames[-1] + step / 2
        return np.append(mids, last) if last < len(low) else mids
    return frames


def _drop_silent(env: Envelopes, frames: np.ndarray) -> np.ndarray:
    if len(frames) == 0:
        return frames
    loud = maximum_filter1d(env.rms_db, size=int(0.25 * FPS) | 1)
    floor = max(SILENCE_DB, float(env.rms_db.max()) - 50.0)
    return frames[loud[np.rint(frames).astype(int).clip(0, len(loud) - 1)] > floor]


def _downbeats(env: Envelopes, frames: np.ndarray) -> np.ndarray:
    if len(frames) < 8:
        return frames[:1]
    idx = np.rint(frames).astype(int)
    low = maximum_filter1d(env.low, size=5)[idx]
    bounds = np.append(idx, env.chroma.shape[1])
    sync = np.stack(
        [env.chroma[:, a:b].mean(axis=1) if b > a else env.chroma[:, a] for a, b in pairwise(bounds)],
        axis=1,
    )
    unit = sync / np.maximum(np.linalg.norm(sync, axis=0, keepdims=True), 1e-9)
    change = np.concatenate([[0.0], 1.0 - np.sum(unit[:, 1:] * unit[:, :-1], axis=0)])

    def z(x: np.ndarray) -> np.ndarray:
        return (x - x.mean()) / (x.std() + 1e-9)

    score = z(low) + z(change)
    phase = int(np.argmax([score[k::4].mean() for k in range(4)]))
    return frames[phase::4]


def _fit_tempo(beats: np.ndarray, bpm: float) -> float:
    """Least-squares beat period of a segment's beats, counting skipped beats (sub-frame precision)."""
    period = 60.0 / bpm
    if len(beats) < 4:
        return bpm
    steps = np.rint(np.diff(beats) / period).clip(min=1)
    index = np.concatenate([[0.0], np.cumsum(steps)])
    slope = float(np.polyfit(index, beats, 1)[0])
    return 60.0 / slope if 0.8 * period < slope < 1.25 * period else bpm


def rhythm(y: np.ndarray) -> Rhythm:
    """Tempo, segments, beats, downbeats and onsets (seconds) of mono 22050 Hz samples."""
    env = envelopes(y)
    n = len(env.full)
    onsets = librosa.onset.onset_detect(onset_envelope=env.full, sr=SR, hop_length=HOP, units="time")
    onsets = np.asarray(onsets)
    loud_frames = np.rint(np.asarray(onsets) * FPS).astype(int).clip(0, max(n - 1, 0))
    onsets = onsets[env.rms_db[loud_frames] > SILENCE_DB] if n else onsets
    if n < int(2 * FPS) or float(env.rms_db.max()) <= SILENCE_DB:
        return Rhythm(0.0, (), np.zeros(0), np.zeros(0), onsets)
    sal, win, hop = _window_salience(env.full)
    segs = _segments(env.full, sal, win, hop)
    bpm_frames = np.empty(n)
    chosen: list[tuple[int, int, float]] = []
    for start, end, bpm in segs:
        octave = choose_octave(env.accent[start:end], bpm)
        bpm_frames[start:end] = octave
        chosen.append((start, end, octave))
    frames = _track(env, bpm_frames)
    frames = _drop_silent(env, _fix_phase(env, frames))
    beats = frames / FPS
    tempos = []
    for start, end, bpm in chosen:
        inside = beats[(beats >= start / FPS) & (beats < end / FPS)]
        tempos.append(_fit_tempo(inside, bpm))
    longest = int(np.argmax([end - start for start, end, _ in chosen]))
    return Rhythm(
        tempo=round(tempos[longest], 2),
        segments=tuple((round(s / FPS, 3), round(t, 2)) for (s, _, _), t in zip(chosen, tempos, strict=True)),
        beats=beats,
        downbeats=_downbeats(env, frames) / FPS,
        onsets=onsets,
    )
