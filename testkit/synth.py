"""Test music made in code: drum/bass/chord patterns with known beat and downbeat times.

Pure numpy, deterministic per seed. Used by ``tests/audio`` and ``benchmarks/beats.py`` so that
accuracy is measured against ground truth we generated, never against stored fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_KEYS = (0, 3, 5, 7, 10, 2, 9, 4)


@dataclass(frozen=True)
class TrackSpec:
    """One synthetic 4/4 track. ``style`` picks the groove; tempo may change once at a bar line."""

    name: str
    bpm: float
    seconds: float = 20.0
    style: str = "rock"  # rock | house | halftime | syncopated | nodrums | funk
    hats: str = "8th"  # none | 8th | 16th
    swing: float = 0.0  # 0..0.33 of a beat: delay of the off-beat eighth
    silence: float = 0.0  # seconds of silence before the music starts
    bpm_after: float | None = None  # tempo after the change (at the bar nearest ``seconds / 2``)
    noise_db: float = -60.0  # white noise level relative to full scale
    key: int = 0  # root in semitones above A1 (55 Hz)
    kick_hz: float = 55.0
    brightness: float = 1.0  # harmonic richness of bass and chords
    seed: int = 0
    progression: int = 0  # index into ``PROGRESSIONS``
    melody: bool = False  # a random (per seed) eighth-note melody over the chords


@dataclass(frozen=True)
class SynthTrack:
    spec: TrackSpec
    samples: np.ndarray = field(repr=False)  # float32 mono
    sr: int
    beats: np.ndarray = field(repr=False)  # seconds
    downbeats: np.ndarray = field(repr=False)

    @property
    def tempo(self) -> float:
        """The tempo that lasts longest (the reference for tempo accuracy)."""
        after = self.spec.bpm_after
        if after is None:
            return self.spec.bpm
        first_period = 60.0 / self.spec.bpm
        changed = np.flatnonzero(np.abs(np.diff(self.beats) - first_period) > 1e-6)
        change_t = float(self.beats[changed[0]]) if len(changed) else self.spec.seconds
        first_len = change_t - self.spec.silence
        return self.spec.bpm if first_len >= self.spec.seconds - change_t else after


def beat_grid(spec: TrackSpec) -> np.ndarray:
    """Beat times in seconds: constant tempo, or one change at a bar line near the middle."""
    beats: list[float] = []
    t = spec.silence
    period = 60.0 / spec.bpm
    change_at = spec.seconds / 2 if spec.bpm_after else None
    while t < spec.seconds - 0.05:
        if change_at is not None and len(beats) % 4 == 0 and t >= change_at and spec.bpm_after:
            period = 60.0 / spec.bpm_after
            change_at = None
        beats.append(t)
        t += period
    return np.asarray(beats)


def _env(n: int, sr: int, decay: float) -> np.ndarray:
    return np.exp(-np.arange(n) / (decay * sr)).astype(np.float32)


def _kick(sr: int, hz: float) -> np.ndarray:
    n = int(0.35 * sr)
    t = np.arange(n) / sr
    freq = hz + (2.4 * hz) * np.exp(-t / 0.03)
    phase = 2 * np.pi * np.cumsum(freq) / sr
    return (np.sin(phase) * _env(n, sr, 0.12)).astype(np.float32)


def _snare(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.25 * sr)
    t = np.arange(n) / sr
    noise = rng.standard_normal(n).astype(np.float32)
    noise = np.diff(noise, prepend=0.0) * 0.5
    tone = np.sin(2 * np.pi * 185 * t)
    return (0.55 * noise * _env(n, sr, 0.06) + 0.5 * tone * _env(n, sr, 0.05)).astype(np.float32)


def _hat(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.06 * sr)
    noise = rng.standard_normal(n)
    noise = np.diff(np.diff(noise, prepend=0.0), prepend=0.0) * 0.25
    return (noise * _env(n, sr, 0.012)).astype(np.float32)


def _tone(sr: int, hz: float, seconds: float, brightness: float, decay: float) -> np.ndarray:
    n = int(seconds * sr)
    t = np.arange(n) / sr
    out = np.zeros(n)
    for h in range(1, 6):
        if hz * h < sr / 2.2:
            out += (brightness**h / h) * np.sin(2 * np.pi * hz * h * t)
    attack = np.minimum(1.0, np.arange(n) / (0.005 * sr))
    return (out * attack * _env(n, sr, decay)).astype(np.float32)


def _add(buf: np.ndarray, sr: int, at: float, sound: np.ndarray, gain: float) -> None:
    start = round(at * sr)
    if start >= len(buf) or start < 0:
        return
    end = min(len(buf), start + len(sound))
    buf[start:end] += gain * sound[: end - start]


_I, _II, _IV, _V, _VI = (0, 4, 7), (2, 5, 9), (5, 9, 12), (7, 11, 14), (-3, 0, 4)
PROGRESSIONS = ((_I, _IV, _V, _VI), (_I, _VI, _IV, _V), (_VI, _IV, _I, _V), (_II, _V, _I, _I))
_SCALE = (0, 2, 4, 5, 7, 9, 11, 12)


def synthesize(spec: TrackSpec, sr: int = 22050) -> SynthTrack:
    """Render ``spec``: every beat, off-beat and bar event is placed from the same beat grid."""
    rng = np.random.default_rng(spec.seed)
    beats = beat_grid(spec)
    buf = np.zeros(int(spec.seconds * sr), dtype=np.float32)
    kick, snare, hat = _kick(sr, spec.kick_hz), _snare(sr, rng), _hat(sr, rng)
    root = 55.0 * 2 ** (spec.key / 12)
    next_times = np.append(beats[1:], beats[-1] + (beats[-1] - beats[-2]) if len(beats) > 1 else 0.5)
    drums = spec.style != "nodrums"
    for i, (t, t_next) in enumerate(zip(beats, next_times, strict=True)):
        period = t_next - t
        pos = i % 4
        bar = i // 4
        chord = PROGRESSIONS[spec.progression % len(PROGRESSIONS)][bar % 4]
        off = t + period * (0.5 + spec.swing)
        if drums:
            _drum_events(buf, sr, spec, pos, t, period, off, kick, snare, hat, bar)
        bass_hz = root * 2 ** (chord[0] / 12)
        if spec.style in ("syncopated", "funk"):
            if pos in (0, 2):
                _add(buf, sr, t, _tone(sr, bass_hz, period * 0.9, spec.brightness * 0.5, 0.3), 0.45)
            _add(buf, sr, off, _tone(sr, bass_hz * 2, period * 0.4, spec.brightness * 0.5, 0.1), 0.2)
        elif spec.style == "nodrums":
            if pos in (0, 2):
                _add(buf, sr, t, _tone(sr, bass_hz, period * 0.95, spec.brightness * 0.6, 0.35), 0.6)
        else:
            _add(buf, sr, t, _tone(sr, bass_hz, period * 0.9, spec.brightness * 0.5, 0.25), 0.3)
        if spec.style in ("nodrums", "syncopated"):
            # chords stabbed on the off-beats (the trap for beat trackers), plus a soft one on 1
            gain = 0.22 if spec.style == "nodrums" else 0.12
            for semi in chord:
                stab = _tone(sr, root * 4 * 2 ** (semi / 12), period * 0.35, spec.brightness * 0.7, 0.08)
                _add(buf, sr, off, stab, gain)
                if pos == 0:
                    _add(buf, sr, t, stab, gain * 0.6)
        if spec.melody:
            for at in (t, off):
                if rng.random() < 0.75:
                    note = root * 8 * 2 ** (_SCALE[int(rng.integers(len(_SCALE)))] / 12)
                    _add(buf, sr, at, _tone(sr, note, period * 0.45, spec.brightness * 0.6, 0.15), 0.12)
        if spec.style not in ("nodrums", "syncopated") and pos == 0:
            for semi in chord:
                pad = _tone(sr, root * 4 * 2 ** (semi / 12), period * 3.8, spec.brightness * 0.6, 1.2)
                _add(buf, sr, t, pad, 0.05)
    if spec.silence > 0:
        buf[: int(spec.silence * sr)] = 0.0
    buf += (10 ** (spec.noise_db / 20) * rng.standard_normal(len(buf))).astype(np.float32)
    if spec.silence > 0:
        buf[: int(spec.silence * sr)] = 0.0
    buf *= 0.7 / max(1e-9, float(np.max(np.abs(buf))))
    return SynthTrack(spec=spec, samples=buf.astype(np.float32), sr=sr, beats=beats, downbeats=beats[::4])


def _drum_events(
    buf: np.ndarray,
    sr: int,
    spec: TrackSpec,
    pos: int,
    t: float,
    period: float,
    off: float,
    kick: np.ndarray,
    snare: np.ndarray,
    hat: np.ndarray,
    bar: int,
) -> None:
    style = spec.style
    if style == "house":
        _add(buf, sr, t, kick, 0.9)
        if pos in (1, 3):
            _add(buf, sr, t, snare, 0.5)
        _add(buf, sr, off, hat, 0.35)
    elif style == "halftime":
        if pos == 0 or (pos == 1 and bar % 2 == 1):
            _add(buf, sr, t, kick, 0.9)
        if pos == 2:
            _add(buf, sr, t, snare, 0.7)
    elif style == "funk":
        if pos == 0:
            _add(buf, sr, t, kick, 0.9)
        if pos in (1, 3):
            _add(buf, sr, t, snare, 0.6)
        if pos == 2:
            _add(buf, sr, off, kick, 0.7)  # syncopated kick on the "and" of 3
    else:  # rock, syncopated
        if pos in (0, 2):
            _add(buf, sr, t, kick, 0.9)
        if pos in (1, 3):
            _add(buf, sr, t, snare, 0.6)
        if style == "syncopated" and pos == 1:
            _add(buf, sr, off, kick, 0.5)
    if spec.hats == "8th":
        _add(buf, sr, t, hat, 0.3)
        _add(buf, sr, off, hat, 0.22)
    elif spec.hats == "16th":
        for k in range(4):
            _add(buf, sr, t + k * period / 4, hat, 0.3 if k % 2 == 0 else 0.18)


def evaluation_set(seconds: float = 20.0) -> tuple[TrackSpec, ...]:
    """The benchmark's tracks: 70-180 BPM, swing, noise, silence, syncopation, one tempo change."""
    s = seconds
    return (
        TrackSpec("ballad_70", 70, s, "halftime", "16th", key=_KEYS[0], seed=1),
        TrackSpec("hiphop_72", 72, s, "rock", "16th", key=_KEYS[1], seed=2),
        TrackSpec("swing_85", 85, s, "rock", "8th", swing=0.17, key=_KEYS[2], seed=3),
        TrackSpec("nodrums_92", 92, s, "nodrums", "none", key=_KEYS[3], seed=4),
        TrackSpec("noisy_100", 100, s, "rock", "8th", noise_db=-18, key=_KEYS[4], seed=5),
        TrackSpec("intro_110", 110, s, "rock", "8th", silence=4.0, key=_KEYS[5], seed=6),
        TrackSpec("house_124", 124, s, "house", "8th", key=_KEYS[6], seed=7),
        TrackSpec("change_96_128", 96, max(s, 24.0), "rock", "8th", bpm_after=128, key=_KEYS[7], seed=8),
        TrackSpec("synco_132", 132, s, "syncopated", "8th", key=_KEYS[0], seed=9),
        TrackSpec("funk_150", 150, s, "funk", "16th", key=_KEYS[1], seed=10),
        TrackSpec("punk_168", 168, s, "rock", "8th", key=_KEYS[2], seed=11),
        TrackSpec("dnb_176", 176, s, "rock", "8th", key=_KEYS[3], seed=12),
        TrackSpec("fast_180", 180, s, "house", "none", key=_KEYS[4], seed=13),
    )


def unrelated_set(count: int = 20, seconds: float = 12.0, first: int = 0) -> tuple[TrackSpec, ...]:
    """Distinct songs for false-match tests: tempo, key, progression, melody, style, timbre vary."""
    styles = ("rock", "house", "halftime", "syncopated", "nodrums", "funk")
    hats = ("8th", "16th", "none")
    return tuple(
        TrackSpec(
            f"unrelated_{i:02d}",
            bpm=72.0 + (i * 37) % 106,
            seconds=seconds,
            style=styles[i % len(styles)],
            hats=hats[i % len(hats)],
            key=(i * 5) % 12,
            kick_hz=45.0 + (i * 7) % 25,
            brightness=0.5 + 0.05 * (i % 9),
            swing=0.12 if i % 4 == 3 else 0.0,
            seed=100 + i,
            progression=i % len(PROGRESSIONS),
            melody=True,
        )
        for i in range(first, first + count)
    )


@dataclass(frozen=True)
class Song:
    """A generated song with known sections: ``sections`` holds (name, start s, end s)."""

    samples: np.ndarray = field(repr=False)
    sr: int
    sections: tuple[tuple[str, float, float], ...]
    beats: np.ndarray = field(repr=False)


def song(
    bpm: float = 120.0,
    form: tuple[str, ...] = ("verse", "chorus", "verse", "chorus", "chorus"),
    bars: int = 8,
    key: int = 0,
    sr: int = 22050,
) -> Song:
    """Verses (quiet, sparse, no drums) and choruses (loud, drums, melody; each chorus identical)."""
    seconds = bars * 4 * 60.0 / bpm
    parts = {
        "verse": (TrackSpec("verse", bpm, seconds, "nodrums", "none", key=key, seed=31, progression=2), 0.25),
        "chorus": (
            TrackSpec("chorus", bpm, seconds, "rock", "16th", key=key, seed=32, progression=0, melody=True),
            1.0,
        ),
    }
    rendered = {name: gain * synthesize(spec, sr).samples for name, (spec, gain) in parts.items()}
    pieces, sections, beats = [], [], []
    for i, name in enumerate(form):
        pieces.append(rendered[name])
        sections.append((name, i * seconds, (i + 1) * seconds))
        beats.append(i * seconds + beat_grid(parts[name][0]))
    audio = np.concatenate(pieces)
    audio *= 0.7 / max(1e-9, float(np.abs(audio).max()))
    return Song(audio.astype(np.float32), sr, tuple(sections), np.concatenate(beats))


_MAJOR_CADENCE = ((0, 4, 7), (5, 9, 12), (7, 11, 14), (0, 4, 7))
_MINOR_CADENCE = ((0, 3, 7), (5, 8, 12), (7, 11, 14), (0, 3, 7))  # i iv V i (harmonic minor)


def cadences(tonic: int, mode: str, seconds: float = 8.0, bpm: float = 100.0, sr: int = 22050) -> np.ndarray:
    """Chords I-IV-V-I (or i-iv-V-i) with a bass line and the scale in eighths, in a known key.

    ``tonic`` is a pitch class (0 = C); the chords sit around middle C.
    """
    scale = (0, 2, 4, 5, 7, 9, 11) if mode == "major" else (0, 2, 3, 5, 7, 8, 11)
    buf = np.zeros(int(seconds * sr), dtype=np.float32)
    c4 = 261.63 * 2 ** (tonic / 12)
    bar = 4 * 60.0 / bpm
    cadence = _MAJOR_CADENCE if mode == "major" else _MINOR_CADENCE
    for i in range(int(seconds / bar) + 1):
        chord = cadence[i % 4]
        for semi in chord:
            _add(buf, sr, i * bar, _tone(sr, c4 * 2 ** (semi / 12), bar, 0.6, 1.5), 0.15)
        _add(buf, sr, i * bar, _tone(sr, c4 / 4 * 2 ** (chord[0] / 12), bar, 0.5, 1.0), 0.3)
        for k in range(8):
            note = scale[(i * 8 + k) % 7] + 12
            _add(buf, sr, i * bar + k * bar / 8, _tone(sr, c4 * 2 ** (note / 12), bar / 8, 0.5, 0.2), 0.08)
    return (0.7 * buf / max(1e-9, float(np.abs(buf).max()))).astype(np.float32)
