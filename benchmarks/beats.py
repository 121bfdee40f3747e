"""Beats, downbeats and tempo of audio.analysis against plain librosa, on real and generated music.

    .venv/bin/python benchmarks/beats.py [--seconds 20] [--no-sweep] [--no-real]

Two sets with exactly known beats:

* real music (``benchmarks/realmusic.py``): 16 excerpts of open-corpus scores (string quartets,
  piano rag and mazurka, chorale, choir, voice and piano, lead sheets played by a band with
  drums) performed by a General MIDI soundfont with a breathing tempo; ``dev`` was used while
  tuning, ``held_out`` never was. Needs ``pip install music21`` and the Debian packages
  ``fluidsynth fluid-soundfont-gm``; without them the real set is skipped with a notice.
* generated (``testkit.synth.evaluation_set``): 13 tracks 70-180 BPM (swing, noise, a silent
  intro, drumless off-beat chords, syncopation, one tempo change), and a wider stress sweep.

Reports per track and per set: beat F-measure (mir_eval, +-70 ms, first 5 s ignored as in
MIREX), downbeat F-measure (plain librosa has no downbeats: its every 4th beat from the first
stands in), tempo right (within 4 %; for the tempo-change track both segments must be found);
the warm analysis time of a 60 s track, and the first analysis in a fresh process (cold).
Targets: real F >= 0.80 and downbeat F >= 0.60; generated F >= 0.97 with every tempo right;
60 s track <= 1 s warm. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import librosa
import mir_eval
import numpy as np

from audio.analysis import analyze, warm_up
from benchmarks import realmusic
from testkit.synth import SynthTrack, TrackSpec, evaluation_set, synthesize

TEMPO_TOLERANCE = 0.04


@dataclass(frozen=True)
class Case:
    name: str
    samples: np.ndarray
    sr: int
    beats: np.ndarray
    downbeats: np.ndarray
    tempos: tuple[float, ...]  # every tempo that must be found; the first is the main one


@dataclass(frozen=True)
class Score:
    f: float
    downbeat_f: float
    tempo_ok: bool
    tempo: float
    seconds: float = 0.0


def f_measure(reference: np.ndarray, estimated: np.ndarray) -> float:
    est = np.asarray(estimated, dtype=float)
    if len(est) == 0:
        return 0.0
    return float(
        mir_eval.beat.f_measure(
            mir_eval.beat.trim_beats(np.asarray(reference)), mir_eval.beat.trim_beats(est)
        )
    )


def close(a: float, b: float) -> bool:
    return abs(a / b - 1.0) <= TEMPO_TOLERANCE if b else False


def ours(case: Case) -> Score:
    started = time.perf_counter()
    result = analyze(case.samples, case.sr)
    seconds = time.perf_counter() - started
    ok = close(result.tempo, case.tempos[0])
    if len(case.tempos) > 1:
        found = [bpm for _, bpm in result.tempo_segments]
        ok = ok and all(any(close(b, t) for b in found) for t in case.tempos)
    return Score(
        f_measure(case.beats, np.asarray(result.beats)),
        f_measure(case.downbeats, np.asarray(result.downbeats)),
        ok,
        result.tempo,
        seconds,
    )


def plain_librosa(case: Case) -> Score:
    """``librosa.beat.beat_track`` with its defaults; every 4th beat as its downbeats."""
    tempo, beats = librosa.beat.beat_track(y=case.samples, sr=case.sr, units="time")
    bpm = float(np.atleast_1d(tempo)[0])
    return Score(
        f_measure(case.beats, beats), f_measure(case.downbeats, beats[::4]), close(bpm, case.tempos[0]), bpm
    )


def from_synth(track: SynthTrack) -> Case:
    spec = track.spec
    tempos = (track.tempo,) if spec.bpm_after is None else (track.tempo, spec.bpm, spec.bpm_after)
    return Case(spec.name, track.samples, track.sr, track.beats, track.downbeats, tempos)


def from_real(track: realmusic.RealTrack) -> Case:
    return Case(track.name, track.samples, track.sr, track.beats, track.downbeats, (track.tempo,))


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def run_set(title: str, cases: list[Case]) -> tuple[float, float, float, float, float, float]:
    """Print one table; return (F, downbeat F, tempo share) for ours then librosa."""
    header = (
        f"{'track':20s} {'ref':>6s} | {'ours':>6s} {'ok':>3s} {'F':>5s} {'dbF':>5s} {'sec':>5s}"
        f" | {'librosa':>7s} {'ok':>3s} {'F':>5s} {'dbF':>5s}"
    )
    print(f"\n{title}\n{header}\n{'-' * len(header)}")
    rows = []
    for case in cases:
        a, b = ours(case), plain_librosa(case)
        rows.append((a, b))
        print(
            f"{case.name:20s} {case.tempos[0]:6.1f} | {a.tempo:6.1f} {_yes(a.tempo_ok):>3s}"
            f" {a.f:5.3f} {a.downbeat_f:5.3f} {a.seconds:5.2f} | {b.tempo:7.1f} {_yes(b.tempo_ok):>3s}"
            f" {b.f:5.3f} {b.downbeat_f:5.3f}"
        )

    def mean(values: list[float]) -> float:
        return statistics.mean(values)

    result = (
        mean([a.f for a, _ in rows]),
        mean([a.downbeat_f for a, _ in rows]),
        mean([a.tempo_ok for a, _ in rows]),
        mean([b.f for _, b in rows]),
        mean([b.downbeat_f for _, b in rows]),
        mean([b.tempo_ok for _, b in rows]),
    )
    print("-" * len(header))
    print(
        f"{'mean':20s} {'':6s} | {'':6s} {result[2]:4.0%} {result[0]:5.3f} {result[1]:5.3f} {'':5s}"
        f" | {'':7s} {result[5]:4.0%} {result[3]:5.3f} {result[4]:5.3f}"
    )
    return result


def sweep_specs() -> list[TrackSpec]:
    styles = ("rock", "house", "halftime", "syncopated", "nodrums", "funk")
    hats = ("8th", "16th", "none")
    specs = []
    for i, bpm in enumerate(range(70, 181, 4)):
        for j in range(3):
            specs.append(
                TrackSpec(
                    f"sweep_{bpm}_{styles[(i + j) % 6]}",
                    bpm,
                    15.0,
                    styles[(i + j) % 6],
                    hats[(i * 2 + j) % 3],
                    swing=0.1 if j == 2 else 0.0,
                    key=(i + j) % 12,
                    seed=i * 10 + j,
                    noise_db=-30.0,
                )
            )
    return specs


_COLD = """
import time; t = time.perf_counter()
from audio.analysis import analyze
from testkit.synth import TrackSpec, synthesize
track = synthesize(TrackSpec("long_60s", 126, 60.0, "rock", "16th", swing=0.1, seed=99))
t0 = time.perf_counter(); analyze(track.samples, track.sr); print(time.perf_counter() - t0, t0 - t)
"""


def _first_in_fork(samples: np.ndarray, sr: int, out: Any) -> None:
    started = time.perf_counter()
    analyze(samples, sr)
    out.put(time.perf_counter() - started)


def first_in_forked_worker(samples: np.ndarray, sr: int) -> float:
    """Seconds of the first analysis in a process forked after ``warm_up`` (a Celery pool child)."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_first_in_fork, args=(samples, sr, queue))
    child.start()
    seconds = float(queue.get(timeout=300))
    child.join()
    return seconds


def timings() -> tuple[float, float, float, float, float]:
    """Seconds: warm mono 22.05 kHz, its CPU time (steady on a loaded machine), warm stereo 48 kHz,
    cold first analysis, cold imports."""
    long_track = synthesize(TrackSpec("long_60s", 126, 60.0, "rock", "16th", swing=0.1, seed=99))
    stereo = np.stack([long_track.samples, 0.8 * long_track.samples])
    stereo48 = librosa.resample(stereo, orig_sr=22050, target_sr=48000, res_type="soxr_hq")
    mono_times, cpu_times, stereo_times = [], [], []
    for _ in range(3):
        started, cpu = time.perf_counter(), time.process_time()
        analyze(long_track.samples, long_track.sr)
        mono_times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu)
        started = time.perf_counter()
        analyze(stereo48, 48000)
        stereo_times.append(time.perf_counter() - started)
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", _COLD], cwd=root, capture_output=True, text=True, check=True)
    cold, imports = (float(v) for v in out.stdout.split())
    median = statistics.median
    return median(mono_times), median(cpu_times), median(stereo_times), cold, imports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--no-real", action="store_true")
    args = parser.parse_args()
    print(f"warm-up (numba JIT or cache load): {warm_up():.1f} s")
    targets: list[tuple[str, bool]] = []

    missing = realmusic.missing_tools()
    if args.no_real or missing:
        print("real-music set skipped" + (f"; install: {', '.join(missing)}" if missing else ""))
    else:
        dev = run_set("real music, dev split (tuned on)", [from_real(t) for t in realmusic.real_set("dev")])
        held = run_set("real music, held out", [from_real(t) for t in realmusic.real_set("held_out")])
        n_dev, n_held = (sum(p.split == s for p in realmusic.PIECES) for s in ("dev", "held_out"))
        both = [(d * n_dev + h * n_held) / (n_dev + n_held) for d, h in zip(dev, held, strict=True)]
        print(
            f"\nreal music, all {n_dev + n_held}: ours F {both[0]:.3f} downbeat F {both[1]:.3f}"
            f" tempo {both[2]:.0%} | librosa F {both[3]:.3f} downbeat F {both[4]:.3f} tempo {both[5]:.0%}"
        )
        targets += [("real F >= 0.80", both[0] >= 0.80), ("real downbeat F >= 0.60", both[1] >= 0.60)]

    gen = run_set("generated", [from_synth(synthesize(spec)) for spec in evaluation_set(args.seconds)])
    targets += [("generated F >= 0.97", gen[0] >= 0.97), ("every generated tempo right", gen[2] == 1.0)]

    warm, cpu, stereo_s, cold, imports = timings()
    print(
        f"\n60 s track: warm {warm:.2f} s ({cpu:.2f} s CPU) mono 22.05 kHz, {stereo_s:.2f} s stereo 48 kHz"
        " (median of 3);"
        f" cold (first analysis in a fresh process) {cold:.2f} s after {imports:.2f} s of imports"
    )
    other = synthesize(TrackSpec("worker_60s", 97, 60.0, "funk", "8th", seed=98))
    print(
        "first analysis of a 60 s track in a process forked after warm_up (a Celery pool child):"
        f" {first_in_forked_worker(other.samples, other.sr):.2f} s"
    )
    targets.append(("60 s <= 1 s warm", warm <= 1.0))

    if not args.no_sweep:
        sweep = [(ours(c), plain_librosa(c)) for c in (from_synth(synthesize(s)) for s in sweep_specs())]
        n = len(sweep)
        print(
            f"stress sweep ({n} tracks, 70-180 BPM every 4, all grooves): ours tempo"
            f" {sum(o.tempo_ok for o, _ in sweep) / n:.0%} F {statistics.mean(o.f for o, _ in sweep):.3f}"
            f" | librosa tempo {sum(b.tempo_ok for _, b in sweep) / n:.0%}"
            f" F {statistics.mean(b.f for _, b in sweep):.3f}"
        )

    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    raise SystemExit(main())
