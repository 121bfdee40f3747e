"""Real music with exact beats: open-corpus scores played by a General MIDI soundfont.

    .venv/bin/python benchmarks/realmusic.py      # build (or reuse) the set and list it

Needs ``music21`` (BSD; its bundled corpus of public-domain scores) from PyPI and the Debian
packages ``fluidsynth`` and ``fluid-soundfont-gm`` (FluidR3_GM, MIT):
``pip install music21 && apt-get install fluidsynth fluid-soundfont-gm``.

Each piece is an excerpt of a score (string quartets, piano rag, mazurka, chorales, choir, voice
and piano, lead sheets arranged for a band with drums), performed the way a person would: a
tempo that breathes (slow waves, a ritardando into every phrase end, one accelerando), onsets
off the grid by a few milliseconds, velocities from the score's dynamics with some spread. The
beat and downbeat times come from the same tempo map as the notes, so they are exact.

Two splits: ``dev`` (used while tuning the tracker) and ``held_out`` (never looked at while
tuning); the benchmark reports both. Audio and annotations are cached under
``.bench-cache/realmusic/`` (git-ignored), keyed by the piece's parameters and ``SET_VERSION``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".bench-cache" / "realmusic"
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SR = 22050
SET_VERSION = 1

# General MIDI programs
PIANO, ORGAN, GUITAR, BASS, VIOLIN, VIOLA, CELLO, CHOIR, CLARINET, SAX, EPIANO = (
    0,
    19,
    25,
    33,
    40,
    41,
    42,
    52,
    71,
    65,
    4,
)
QUARTET = (VIOLIN, VIOLIN, VIOLA, CELLO)


@dataclass(frozen=True)
class Piece:
    name: str
    score: str  # music21 corpus path
    first_measure: int
    measures: int
    bpm: float  # beats per minute of the time signature's beat (dotted quarter in 6/8)
    programs: tuple[int, ...]  # GM program per part (the last one repeats)
    split: str  # dev | held_out
    rubato: float = 0.03  # depth of the slow tempo waves
    jitter_ms: float = 8.0  # onset timing spread
    accelerando: float = 0.0  # tempo at the end relative to the start (0: none)
    band: str = ""  # "" | straight | swing: add bass, comping and drums from the chord symbols
    seed: int = 0


PIECES: tuple[Piece, ...] = (
    # dev: tuned on
    Piece("rag_joplin", "joplin/maple_leaf_rag", 5, 24, 92, (PIANO,), "dev", seed=1),
    Piece("chorale_bach", "bach/bwv66.6", 1, 10, 76, (ORGAN,), "dev", rubato=0.02, seed=2),
    Piece("quartet_haydn", "haydn/opus74no1/movement1", 3, 14, 128, QUARTET, "dev", seed=3),
    Piece("quartet_mozart", "mozart/k155/movement1", 1, 16, 132, QUARTET, "dev", seed=4),
    Piece("scherzo_beethoven", "beethoven/opus18no1/movement1", 3, 24, 150, QUARTET, "dev", seed=5),
    Piece(
        "band_berlin", "leadSheet/berlinAlexandersRagtime", 1, 16, 116, (SAX,), "dev", band="straight", seed=6
    ),
    Piece("choir_johnson", "johnson_j_r/lift_every_voice", 1, 16, 72, (CHOIR,), "dev", rubato=0.04, seed=7),
    # held out: never tuned on
    Piece("mazurka_chopin", "chopin/mazurka06-2", 5, 24, 138, (PIANO,), "held_out", rubato=0.06, seed=11),
    Piece("presto_haydn", "haydn/opus1no1/movement1", 1, 24, 96, QUARTET, "held_out", seed=12),
    Piece(
        "grave_corelli",
        "corelli/opus3no1/1grave",
        1,
        10,
        72,
        (VIOLIN, VIOLIN, ORGAN),
        "held_out",
        rubato=0.04,
        seed=13,
    ),
    Piece("lied_schubert", "schubert/Lindenbaum", 9, 24, 96, (CLARINET, PIANO), "held_out", seed=14),
    Piece("hymn_aloha", "liliuokalani/aloha_oe", 2, 12, 88, (CHOIR,), "held_out", seed=15),
    Piece(
        "band_foster", "leadSheet/fosterBrownHair", 1, 16, 104, (EPIANO,), "held_out", band="swing", seed=16
    ),
    Piece("sonata_cpebach", "cpebach/h186", 1, 12, 100, (PIANO,), "held_out", accelerando=1.2, seed=17),
    Piece(
        "aria_handel",
        "handel/rinaldo/Lascia_chio_pianga",
        5,
        16,
        74,
        (CLARINET, PIANO),
        "held_out",
        rubato=0.05,
        seed=18,
    ),
    Piece("quartet_beethoven", "beethoven/opus59no1/movement1", 1, 14, 120, QUARTET, "held_out", seed=19),
)


@dataclass(frozen=True)
class RealTrack:
    piece: Piece
    samples: np.ndarray  # float32 mono, SR Hz
    sr: int
    beats: np.ndarray  # seconds
    downbeats: np.ndarray
    tempo: float  # median beats per minute of the performance

    @property
    def name(self) -> str:
        return self.piece.name


def missing_tools() -> list[str]:
    """What is not installed (empty when the set can be built)."""
    missing = []
    try:
        import music21  # noqa: F401
    except ImportError:
        missing.append("music21 (pip install music21)")
    if shutil.which("fluidsynth") is None:
        missing.append("fluidsynth (apt-get install fluidsynth)")
    if not SOUNDFONT.exists():
        missing.append("fluid-soundfont-gm (apt-get install fluid-soundfont-gm)")
    return missing


# --- score -> note events in quarter notes -------------------------------------------------------


@dataclass(frozen=True)
class _Note:
    q: float  # onset, quarter notes from the excerpt start
    length: float  # quarter notes
    pitch: int
    velocity: int
    track: int


def _score_events(piece: Piece) -> tuple[list[_Note], list[float], list[float], float]:
    """Notes, beat and downbeat positions (quarter notes) and the excerpt length in quarters."""
    from music21 import corpus, harmony, meter

    score = corpus.parse(piece.score)
    parts = list(score.parts)
    measures = [m for m in parts[0].getElementsByClass("Measure") if m.number >= piece.first_measure]
    measures = measures[: piece.measures]
    start, end = (
        float(measures[0].offset),
        float(measures[-1].offset + measures[-1].barDuration.quarterLength),
    )
    beats: list[float] = []
    downbeats: list[float] = []
    for m, following in zip(measures, [*measures[1:], None], strict=True):
        ts = m.getContextByClass(meter.TimeSignature)
        beat_ql = float(ts.beatDuration.quarterLength) if ts else 1.0
        bar_end = float(following.offset) if following is not None else end
        downbeats.append(float(m.offset) - start)
        beats.extend(q - start for q in np.arange(float(m.offset), bar_end - 1e-6, beat_ql))
    notes: list[_Note] = []
    chords: list[tuple[float, list[int]]] = []
    for track, part in enumerate(parts):
        for n in part.stripTies().flatten().notes:
            q = float(n.offset)
            if not start <= q < end:
                continue
            if isinstance(n, harmony.ChordSymbol):
                chords.append((q - start, [p.midi for p in n.pitches]))
                continue
            length = float(n.quarterLength) or 0.125
            vel = n.volume.velocity if n.volume.velocity else 80
            for p in n.pitches:
                notes.append(_Note(q - start, min(length, end - q), int(p.midi), int(vel), track))
    if piece.band:
        notes.extend(_band(chords, beats, downbeats, end - start, piece.band))
    return notes, beats, downbeats, end - start


_COMP, _BASS, _DRUMS = 97, 98, 99  # track ids of the band's guitar, bass and kit (MIDI channel 10)


def _band(
    chords: list[tuple[float, list[int]]],
    beats: list[float],
    downbeats: list[float],
    length: float,
    feel: str,
) -> list[_Note]:
    """Bass, syncopated comping and a drum kit from a lead sheet's chord symbols."""
    out: list[_Note] = []
    comp, bass = _COMP, _BASS
    chords = sorted(chords) or [(0.0, [48, 52, 55])]

    def chord_at(q: float) -> list[int]:
        current = chords[0][1]
        for at, pitches in chords:
            if at <= q + 1e-6:
                current = pitches
        return current

    off = 0.66 if feel == "swing" else 0.5
    for i, b in enumerate(beats):
        pos = i % 4
        pitches = chord_at(b)
        root = min(pitches)
        while root >= 48:
            root -= 12
        while root < 36:
            root += 12
        if pos in (0, 2):
            out.append(_Note(b, 0.9, root, 96, bass))
            out.append(_Note(b, 0.1, 36, 110, _DRUMS))  # kick
        if pos == 2:
            out.append(_Note(b + 1 + off, 0.4, root + 7, 70, bass))  # bass pickup into beat 4
        if pos in (1, 3):
            out.append(_Note(b, 0.1, 38, 100, _DRUMS))  # snare
        out.append(_Note(b, 0.1, 42, 70, _DRUMS))
        out.append(_Note(b + off, 0.1, 42, 55, _DRUMS))
        # comping on the "and" of 2 and of 4: the off-beat accents that fool trackers
        if pos in (1, 3):
            for p in pitches:
                out.append(_Note(b + off, 0.35, 60 + (p % 12), 78, comp))
        if pos == 0:
            for p in pitches:
                out.append(_Note(b, 0.3, 60 + (p % 12), 60, comp))
    if downbeats:
        out.append(_Note(downbeats[0], 0.5, 49, 100, _DRUMS))  # crash on the first bar
    return [n for n in out if n.q < length]


# --- performance: tempo map and humanising ---------------------------------------------------------


def _tempo_map(piece: Piece, beats: list[float], downbeats: list[float], length: float):
    """A function quarter-note position -> seconds: waves, phrase-end ritardandi, accelerando."""
    beat_ql = beats[1] - beats[0] if len(beats) > 1 else 1.0
    base_qpm = piece.bpm * beat_ql  # quarters per minute
    rng = np.random.default_rng(piece.seed)
    grid = np.arange(0.0, length + 8.0, 1 / 48)
    phase = rng.uniform(0, 2 * np.pi)
    factor = 1 + piece.rubato * np.sin(2 * np.pi * grid / (8 * beat_ql * 4) + phase)
    factor += 0.5 * piece.rubato * np.sin(2 * np.pi * grid / (3 * beat_ql * 4) + 2 * phase)
    bar_ql = downbeats[1] - downbeats[0] if len(downbeats) > 1 else 4 * beat_ql
    phrase = 4 * bar_ql
    into_end = (grid % phrase) / phrase  # 0..1 through each 4-bar phrase
    factor -= 2.0 * piece.rubato * np.clip((into_end - 0.85) / 0.15, 0, 1)  # ritardando
    if piece.accelerando:
        factor *= 1 + (piece.accelerando - 1) * np.clip(grid / length, 0, 1)
    seconds_per_step = 60.0 / (base_qpm * factor) / 48
    times = np.concatenate([[0.0], np.cumsum(seconds_per_step)[:-1]])

    def at(q: np.ndarray | float) -> np.ndarray:
        return np.interp(q, grid, times)

    return at


def _midi(notes: list[_Note], at, piece: Piece) -> bytes:
    """A format-0 standard MIDI file at 1 ms per tick (tempo 60, 1000 ticks per quarter)."""
    rng = np.random.default_rng(piece.seed + 1000)
    events: list[tuple[int, int, bytes]] = []  # (tick, order, bytes)
    channels: dict[int, int] = {}
    for n in notes:
        if n.track == _DRUMS:
            channel = 9
        else:
            channel = channels.setdefault(n.track, len(channels) + (len(channels) >= 9))
        jitter = rng.normal(0.0, piece.jitter_ms / 1000)
        t0 = float(at(n.q)) + jitter + 0.25
        t1 = float(at(n.q + n.length)) + 0.25 - 0.01
        vel = int(np.clip(n.velocity + rng.normal(0, 8), 20, 127))
        on, off = max(0, round(t0 * 1000)), max(1, round(max(t1, t0 + 0.03) * 1000))
        events.append((on, 1, bytes([0x90 | channel, n.pitch, vel])))
        events.append((off, 0, bytes([0x80 | channel, n.pitch, 0])))
    fixed = {_COMP: GUITAR, _BASS: BASS}
    header = []
    for track, channel in channels.items():
        program = fixed.get(track, piece.programs[min(track, len(piece.programs) - 1)])
        header.append((0, 0, bytes([0xC0 | channel, program])))
    body = bytearray(b"\x00\xff\x51\x03" + (1_000_000).to_bytes(3, "big"))
    last = 0
    for tick, _, data in header + sorted(events):
        body += _varlen(tick - last) + data
        last = tick
    body += b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 1000) + b"MTrk" + struct.pack(">I", len(body)) + body


def _varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _render(midi: bytes) -> np.ndarray:
    import soundfile

    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = Path(tmp) / "in.mid", Path(tmp) / "out.wav"
        mid.write_bytes(midi)
        subprocess.run(
            ["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", str(SR), "-F", str(wav), str(SOUNDFONT), str(mid)],
            check=True,
            capture_output=True,
        )
        samples, sr = soundfile.read(wav, dtype="float32", always_2d=True)
    assert sr == SR
    mono = samples.mean(axis=1)
    return (0.7 * mono / max(1e-9, float(np.abs(mono).max()))).astype(np.float32)


def _key(piece: Piece) -> str:
    blob = json.dumps([SET_VERSION, asdict(piece)], sort_keys=True).encode()
    return f"{piece.name}-{hashlib.sha256(blob).hexdigest()[:12]}"


def build(piece: Piece) -> RealTrack:
    """The piece's audio and annotations, from the cache or rendered now."""
    import soundfile

    base = CACHE / _key(piece)
    wav, meta = base.with_suffix(".wav"), base.with_suffix(".json")
    if wav.exists() and meta.exists():
        samples, sr = soundfile.read(wav, dtype="float32")
        data = json.loads(meta.read_text())
    else:
        notes, beats_q, downbeats_q, length = _score_events(piece)
        at = _tempo_map(piece, beats_q, downbeats_q, length)
        samples = _render(_midi(notes, at, piece))
        end = float(at(length)) + 0.25
        samples = samples[: int((end + 1.5) * SR)]
        data = {
            "beats": [round(float(at(q)) + 0.25, 4) for q in beats_q],
            "downbeats": [round(float(at(q)) + 0.25, 4) for q in downbeats_q],
        }
        CACHE.mkdir(parents=True, exist_ok=True)
        soundfile.write(wav, samples, SR, subtype="PCM_16")
        meta.write_text(json.dumps(data))
        sr = SR
    beats = np.asarray(data["beats"])
    tempo = float(60.0 / np.median(np.diff(beats)))
    return RealTrack(
        piece, np.asarray(samples, dtype=np.float32), int(sr), beats, np.asarray(data["downbeats"]), tempo
    )


def real_set(split: str | None = None) -> list[RealTrack]:
    return [build(p) for p in PIECES if split is None or p.split == split]


def main() -> int:
    missing = missing_tools()
    if missing:
        print("cannot build the real-music set; install: " + ", ".join(missing))
        return 1
    for track in real_set():
        print(
            f"{track.name:20s} {track.piece.split:8s} {len(track.samples) / track.sr:5.1f} s"
            f" {track.tempo:6.1f} BPM {len(track.beats):3d} beats {len(track.downbeats):3d} bars"
        )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
