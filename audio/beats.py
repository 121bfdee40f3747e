"""Tempo, beats, downbeats and phrases that hold on real music as well as on drum tracks.

Pipeline (all on mono 22050 Hz):

1. Onset envelopes (spectral flux of a root-compressed mel spectrogram): low (< 150 Hz: kick,
   bass), mid (150 Hz - 2 kHz: snare, chords), high (hats); and pitch-class profiles (chroma) of
   the whole spectrum and of the bass (< 300 Hz) from a long-window STFT.
2. Windowed autocorrelation -> a tempo salience per 8 s window; one tempo step is found by
   splitting the windows where two tempos explain the salience clearly better than one.
3. The octave decision per segment: at the slower candidate's grid, are the half-beat positions
   as accented as the beats (then the faster tempo is the beat)? Unless the bass drum marks them
   too (a kick on every beat), harmony overrules accents: when chords and bass notes change on
   the slower grid and not half-way, the slower tempo is the beat (running eighths in a chorale
   do not double it; a snare on 2 and 4 still halves nothing).
4. A local tempo curve inside each segment (rubato, a piece that speeds up), then dynamic-
   programming beat tracking on an envelope where onsets and harmonic change agree: chords and
   bass notes change on beats, syncopated accents do not (the phase decision). Beats then move
   from the envelope's peaks back to where the attacks start (strings and voices swell).
5. Beats in silence are dropped; the meter (2, 3 or 4 beats) and the bar phase come from harmonic
   change and bass onsets at bar scale; phrase starts (every 4 bars) from change at phrase scale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

import librosa
import numpy as np
from scipy.ndimage import maximum_filter1d, median_filter

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
_HARMONY_WEIGHT = 1.0
_ATTACK_FLOOR = 0.3  # an attack starts where the onset envelope first exceeds 30 % of its peak
_MAX_ATTACK = 12  # frames (140 ms): the slowest attack looked for (bowed strings, organ, choir)
_N_FFT_LONG = 4096  # 186 ms: resolves the pitch class of bass notes
_HOP_LONG = 4 * HOP  # 46 ms: finer than half a beat at 180 BPM
_BASS_HZ = 300.0


@dataclass(frozen=True)
class Envelopes:
    low: np.ndarray
    mid: np.ndarray
    high: np.ndarray
    full: np.ndarray
    rms_db: np.ndarray
    chroma: np.ndarray  # (12, frames), whole spectrum
    bass: np.ndarray  # (12, frames), below 300 Hz
    timbre: np.ndarray  # (16, frames) log mel energies: how full the sound is

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
    beats_per_bar: int = 4
    phrases: np.ndarray = field(default_factory=lambda: np.zeros(0))  # downbeats that start a 4-bar phrase
    confidence: float = 0.0  # 0..1: how clearly beats stand out from the half-beats


@cache
def _mel_basis() -> np.ndarray:
    return librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=64, fmax=SR / 2)


@cache
def _chroma_bases() -> tuple[np.ndarray, np.ndarray]:
    full = librosa.filters.chroma(sr=SR, n_fft=_N_FFT_LONG, tuning=0.0)
    bass = full * (librosa.fft_frequencies(sr=SR, n_fft=_N_FFT_LONG) < _BASS_HZ)[None, :]
    return full, bass


def _norm(x: np.ndarray) -> np.ndarray:
    scale = float(np.percentile(x, 99)) if x.size else 0.0
    return x / scale if scale > 1e-9 else np.zeros_like(x)


_CHUNK_FRAMES = 4096  # frames per STFT chunk: bounded memory on long inputs


def _spectra(y: np.ndarray, n_fft: int, hop: int) -> Iterator[np.ndarray]:
    """Magnitudes of a centred STFT (zero padding of n_fft/2 at both ends), chunk by chunk."""
    padded = np.pad(np.asarray(y, dtype=np.float32), n_fft // 2)
    n = 1 + (len(padded) - n_fft) // hop if len(padded) >= n_fft else 0
    for f0 in range(0, n, _CHUNK_FRAMES):
        f1 = min(n, f0 + _CHUNK_FRAMES)
        segment = padded[f0 * hop : (f1 - 1) * hop + n_fft]
        yield np.abs(librosa.stft(segment, n_fft=n_fft, hop_length=hop, center=False))


def _features(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mel power (64, n), RMS (n,) and chroma + bass chroma (24, n) on the short hop."""
    mels, rmss = [], []
    for spec in _spectra(y, N_FFT, HOP):
        mels.append(_mel_basis() @ spec**2)
        rmss.append(librosa.feature.rms(S=spec, frame_length=N_FFT)[0])
    if not mels:
        return np.zeros((64, 0)), np.zeros(0), np.zeros((24, 0))
    full, bass = _chroma_bases()
    longs = [
        np.concatenate([full @ p, bass @ p]) for p in (s**2 for s in _spectra(y, _N_FFT_LONG, _HOP_LONG))
    ]
    mel, rms = np.concatenate(mels, axis=1), np.concatenate(rmss)
    long = np.concatenate(longs, axis=1) if longs else np.zeros((24, 1))
    # frame i of the short STFT is centred where frame i/4 of the long one is
    at = np.minimum(np.rint(np.arange(mel.shape[1]) * HOP / _HOP_LONG).astype(int), long.shape[1] - 1)
    return mel, rms, long[:, at]


def envelopes(y: np.ndarray) -> Envelopes:
    mel, rms, chromas = _features(y)
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
    low, mid, high = (_norm(b) for b in bands)
    return Envelopes(
        low=low,
        mid=mid,
        high=high,
        full=_norm(bands.mean(axis=0)),
        rms_db=20 * np.log10(np.maximum(rms, 1e-10)),
        chroma=chromas[:12],
        bass=chromas[12:],
        timbre=np.log1p(1e3 * mel.reshape(16, 4, n).mean(axis=1) / max(float(mel.max(initial=0.0)), 1e-12)),
    )


def change(profile: np.ndarray, width: int) -> np.ndarray:
    """Per frame: cosine distance between the mean profile of the ``width`` frames before and after."""
    n = profile.shape[1]
    width = max(1, int(width))
    sums = np.concatenate([np.zeros((profile.shape[0], 1)), np.cumsum(profile, axis=1)], axis=1)
    t = np.arange(n)
    before = sums[:, t] - sums[:, np.maximum(t - width, 0)]
    after = sums[:, np.minimum(t + width, n)] - sums[:, t]
    before /= np.linalg.norm(before, axis=0, keepdims=True) + 1e-9
    after /= np.linalg.norm(after, axis=0, keepdims=True) + 1e-9
    return 1.0 - np.sum(before * after, axis=0)


def harmonic_change(env: Envelopes, width: int) -> np.ndarray:
    """Chord and bass-note changes over ``width`` frames, normalised like the onset envelopes."""
    return _norm(change(env.chroma, width) + change(env.bass, width))


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
        if (score - single_score) / n_win > 0.08 and abs(np.log(ratio)) > np.log(1.12) and not octave:
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


def half_beat_ratio(evidence: np.ndarray, slow_bpm: float, phase_by: np.ndarray | None = None) -> float:
    """``evidence`` at the half-beat positions relative to the beats, on the slower tempo's grid.

    The grid's phase is where ``phase_by`` (default ``evidence``) is strongest, found again in
    every 8 s window so that a tempo that drifts a few per cent (rubato) does not blur the test.
    """
    tolerant = maximum_filter1d(evidence, size=5)
    by = tolerant if phase_by is None else maximum_filter1d(phase_by, size=5)
    period = 60.0 * FPS / slow_bpm
    phases = np.arange(int(np.ceil(period)), dtype=float)
    win = max(int(_WINDOW_S * FPS), int(4 * period))
    on_sum = off_sum = 0.0
    for s in range(0, max(1, len(evidence) - win // 2), win):
        part, part_by = tolerant[s : s + win], by[s : s + win]
        if len(part) <= 2 * period:
            continue
        on_by = _grid_mean(part_by, period, phases)
        best = float(phases[int(np.argmax(on_by))])
        on, off = _grid_mean(part, period, np.array([best, best + period / 2]))
        on_sum, off_sum = on_sum + on, off_sum + off
    return float(off_sum / on_sum) if on_sum > 1e-9 else 0.0


def choose_octave(env: Envelopes, start: int, end: int, bpm: float) -> float:
    """Pick among ``bpm``, ``2*bpm`` and ``bpm/2`` inside 70-180 BPM (see the module docstring)."""
    family = sorted({c for c in (bpm / 2, bpm, bpm * 2) if MIN_BPM * 0.99 <= c <= MAX_BPM * 1.01})
    if len(family) < 2:
        return bpm
    slow, fast = family[0], family[1]
    accent = env.accent[start:end]
    if half_beat_ratio(accent, slow) <= _HALF_BEAT_RATIO:
        return slow
    if half_beat_ratio(env.low[start:end], slow) >= _KICK_EVERY_BEAT:
        return fast  # the bass drum marks the half-beats too: they are beats, whatever the harmony
    quarter = round(60.0 * FPS / fast / 2)  # harmony compared over half a fast beat
    harmony = harmonic_change(_slice(env, start, end), quarter)
    return slow if half_beat_ratio(harmony, slow, accent + harmony) < _HARMONY_HALF_RATIO else fast


_KICK_EVERY_BEAT = 0.75  # low-band half/on ratio; dev set: real slow beats <= 0.61
_HARMONY_HALF_RATIO = 0.92  # dev set: slow beats <= 0.84, fast ones >= 1.01


def _slice(env: Envelopes, start: int, end: int) -> Envelopes:
    cut = slice(start, end)
    return Envelopes(
        env.low[cut], env.mid[cut], env.high[cut], env.full[cut], env.rms_db[cut],
        env.chroma[:, cut], env.bass[:, cut], env.timbre[:, cut],
    )  # fmt: skip


def local_tempo(env: np.ndarray, start: int, end: int, bpm: float) -> np.ndarray:
    """Per-frame tempo within +-8 % of ``bpm`` from 6 s windows: rubato and slow tempo drifts."""
    n = end - start
    win, hop = int(6.0 * FPS), int(1.0 * FPS)
    if n <= win + 2 * hop:
        return np.full(n, bpm)
    grid = bpm * np.exp(np.linspace(np.log(0.92), np.log(1.08), 33))
    centers, picks = [], []
    for s in range(start, end - win + 1, hop):
        acf = _acf(env[s : s + win])
        idx = np.arange(len(acf))
        lags = 60.0 * FPS / grid
        score = np.interp(lags, idx, acf) + 0.5 * np.interp(2 * lags, idx, acf, right=0.0)
        centers.append(s + win / 2 - start)
        picks.append(grid[int(np.argmax(score))])
    smooth = median_filter(np.asarray(picks), size=5, mode="nearest")
    return np.interp(np.arange(n), centers, smooth)


def _track(envelope: np.ndarray, bpm_per_frame: np.ndarray) -> np.ndarray:
    _, frames = librosa.beat.beat_track(
        onset_envelope=envelope, sr=SR, hop_length=HOP, bpm=bpm_per_frame, tightness=400, trim=False
    )
    frames = np.asarray(frames, dtype=float)
    if len(frames) < 3:
        return frames
    # drop leading/trailing beats with next to no accent (before the music starts, after it ends)
    strength = maximum_filter1d(envelope, size=7)[frames.astype(int)]
    strong = np.flatnonzero(strength >= 0.1 * float(np.median(strength)))
    return frames[strong[0] : strong[-1] + 1] if len(strong) else frames[:0]


def _on_off(evidence: np.ndarray, frames: np.ndarray) -> tuple[float, float]:
    """Mean ``evidence`` on the beats and half-way between them."""
    tolerant = maximum_filter1d(evidence, size=5)
    mids = np.rint((frames[:-1] + frames[1:]) / 2).astype(int)
    return float(tolerant[frames[:-1].astype(int)].mean()), float(tolerant[mids].mean())


def _agree(low: np.ndarray, with_harmony: np.ndarray, onsets_only: np.ndarray) -> np.ndarray:
    """When harmony moved the beats half a beat off where the onsets alone put them, the bass
    decides: the grid whose beats carry clearly more low-band onsets (kick, bass notes) wins."""
    if len(with_harmony) < 4 or len(onsets_only) < 4:
        return with_harmony
    gap = np.abs(with_harmony[:, None] - onsets_only[None, :]).min(axis=1)
    if np.median(gap) < np.median(np.diff(with_harmony)) / 4:
        return with_harmony  # the same grid
    on_h, off_h = _on_off(low, with_harmony)
    on_o, off_o = _on_off(low, onsets_only)
    contrast_h, contrast_o = on_h / (off_h + 1e-9), on_o / (off_o + 1e-9)
    return onsets_only if contrast_o > _BASS_DECIDES * contrast_h else with_harmony


_BASS_DECIDES = 1.5


def _fix_phase(evidence: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Move beats half a beat if the phase evidence is clearly stronger there."""
    if len(frames) < 4:
        return frames
    on, off = _on_off(evidence, frames)
    if off > 1.5 * on and off > 0.1:
        mids = (frames[:-1] + frames[1:]) / 2
        last = frames[-1] + (frames[-1] - frames[-2]) / 2
        return np.append(mids, last) if last < len(evidence) else mids
    return frames


def attack_lag(envelope: np.ndarray, frames: np.ndarray) -> float:
    """Median frames from where the attacks start to where the beats sit (the envelope's peaks).

    Flux peaks one frame after a click and up to ~100 ms into a bowed or sung note; people hear
    the beat where the note starts, so beats move back by this lag (one per track: robust).
    """
    if len(frames) == 0:
        return 0.0
    lags = []
    for b in np.rint(frames).astype(int).clip(0, len(envelope) - 1):
        lo = max(0, b - 2)
        peak = lo + int(np.argmax(envelope[lo : b + 3]))
        i = peak
        while i > 0 and peak - i < _MAX_ATTACK and envelope[i - 1] >= _ATTACK_FLOOR * envelope[peak]:
            i -= 1
        lags.append(b - i)
    return float(np.median(lags))


def _drop_silent(env: Envelopes, frames: np.ndarray) -> np.ndarray:
    if len(frames) == 0:
        return frames
    loud = maximum_filter1d(env.rms_db, size=int(0.25 * FPS) | 1)
    floor = max(SILENCE_DB, float(env.rms_db.max()) - 50.0)
    return frames[loud[np.rint(frames).astype(int).clip(0, len(loud) - 1)] > floor]


def _beat_sync(profile: np.ndarray, idx: np.ndarray) -> np.ndarray:
    bounds = np.append(idx, profile.shape[1])
    last = profile.shape[1] - 1
    cols = [profile[:, a:b].mean(axis=1) if b > a else profile[:, min(a, last)] for a, b in pairwise(bounds)]
    out = np.stack(cols, axis=1)
    return out / np.maximum(np.linalg.norm(out, axis=0, keepdims=True), 1e-9)


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-9)


def meter(env: Envelopes, frames: np.ndarray) -> tuple[int, int]:
    """(beats per bar in 2/3/4, index of the first downbeat) from bar-scale change and bass onsets."""
    if len(frames) < 8:
        return 4, 0
    idx = np.rint(frames).astype(int).clip(0, len(env.low) - 1)
    low = maximum_filter1d(env.low, size=5)[idx]
    sync = np.concatenate([_beat_sync(env.chroma, idx), _beat_sync(env.bass, idx)])
    best: tuple[float, int, int] = (-np.inf, 4, 0)
    for per_bar in (4, 3, 2):
        # change between the bar before and the bar after each beat
        novelty = change(sync, per_bar)
        score = _z(novelty) + 0.5 * _z(low)
        means = [score[k::per_bar].mean() for k in range(per_bar)]
        phase = int(np.argmax(means))
        contrast = means[phase] - float(np.mean(np.delete(means, phase)))
        bias = {4: 0.15, 3: 0.0, 2: -0.1}[per_bar]  # 4/4 unless the evidence says otherwise
        if contrast + bias > best[0]:
            best = (contrast + bias, per_bar, phase)
    return best[1], best[2]


def phrase_starts(env: Envelopes, downbeat_frames: np.ndarray, bars: int = 4) -> np.ndarray:
    """Downbeats that start ``bars``-bar phrases: the grouping where change is largest."""
    if len(downbeat_frames) < 2 * bars:
        return downbeat_frames[:1]
    idx = np.rint(downbeat_frames).astype(int).clip(0, len(env.low) - 1)
    sync = np.concatenate([_beat_sync(env.chroma, idx), _beat_sync(env.bass, idx)])
    ends = [*idx[1:], len(env.rms_db)]
    loud = np.array(
        [env.rms_db[a:b].mean() if b > a else env.rms_db[a] for a, b in zip(idx, ends, strict=True)]
    )
    score = _z(change(sync, bars)) + _z(np.abs(np.diff(loud, prepend=loud[0])))
    phase = int(np.argmax([score[k::bars].mean() for k in range(bars)]))
    return downbeat_frames[phase::bars]


def _fit_tempo(beats: np.ndarray, bpm: float) -> float:
    """Least-squares beat period of a segment's beats, counting skipped beats (sub-frame precision)."""
    period = 60.0 / bpm
    if len(beats) < 4:
        return bpm
    steps = np.rint(np.diff(beats) / period).clip(min=1)
    index = np.concatenate([[0.0], np.cumsum(steps)])
    slope = float(np.polyfit(index, beats, 1)[0])
    return 60.0 / slope if 0.8 * period < slope < 1.25 * period else bpm


def rhythm(env: Envelopes) -> Rhythm:
    """Tempo, segments, beats, downbeats, phrases and onsets (seconds) from ``envelopes(y)``."""
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
    onset_env = env.full + env.low + env.mid
    for start, end, bpm in segs:
        octave = choose_octave(env, start, end, bpm)
        bpm_frames[start:end] = local_tempo(onset_env, start, end, octave)
        chosen.append((start, end, octave))
    half_beat = round(30.0 * FPS / float(np.median(bpm_frames)))
    harmony = harmonic_change(env, half_beat)
    evidence = onset_env * (1.0 + _HARMONY_WEIGHT * harmony)
    frames = _agree(env.low, _track(evidence, bpm_frames), _track(onset_env, bpm_frames))
    frames = _drop_silent(env, _fix_phase(env.low + harmony, frames))
    lag = attack_lag(onset_env, frames) / FPS
    beats = np.maximum(frames / FPS - lag, 0.0)
    tempos = []
    for start, end, bpm in chosen:
        inside = beats[(beats >= start / FPS) & (beats < end / FPS)]
        tempos.append(_fit_tempo(inside, bpm))
    longest = int(np.argmax([end - start for start, end, _ in chosen]))
    per_bar, first = meter(env, frames)
    downbeat_frames = frames[first::per_bar]
    on, off = _on_off(evidence, frames) if len(frames) >= 4 else (0.0, 0.0)
    return Rhythm(
        tempo=round(tempos[longest], 2),
        segments=tuple((round(s / FPS, 3), round(t, 2)) for (s, _, _), t in zip(chosen, tempos, strict=True)),
        beats=beats,
        downbeats=beats[first::per_bar],
        onsets=onsets,
        beats_per_bar=per_bar,
        phrases=np.maximum(phrase_starts(env, downbeat_frames) / FPS - lag, 0.0),
        confidence=round(float(np.clip((on - off) / (on + 1e-9), 0.0, 1.0)), 3),
    )
