"""Beat and tempo accuracy of audio.analysis against plain librosa, on music generated in code.

    .venv/bin/python benchmarks/beats.py [--seconds 20] [--no-sweep]

Tracks come from ``testkit.synth.evaluation_set`` (70-180 BPM: swing, noise, a silent intro,
drumless off-beat chords, syncopation, one tempo change) with exactly known beats. Reports per
track and overall: beat F-measure (mir_eval, +-70 ms, first 5 s ignored as in MIREX), tempo right
(within 4 %; for the tempo-change track both segments must be found), warm analysis seconds; the
warm time of a 60 s track; and a wider stress sweep (84 tracks, every 4 BPM, all grooves).
Targets: mean F >= 0.95, tempo right on >= 95 % of tracks, 60 s track <= 2 s warm.
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import librosa
import mir_eval
import numpy as np

from audio.analysis import analyze, warm_up
from testkit.synth import SynthTrack, TrackSpec, evaluation_set, synthesize

TEMPO_TOLERANCE = 0.04


def f_measure(reference: np.ndarray, estimated: np.ndarray) -> float:
    ref, est = (
        mir_eval.beat.trim_beats(np.asarray(reference)),
        mir_eval.beat.trim_beats(np.asarray(estimated)),
    )
    return float(mir_eval.beat.f_measure(ref, est))


def close(a: float, b: float) -> bool:
    return abs(a / b - 1.0) <= TEMPO_TOLERANCE if b else False


def ours(track: SynthTrack) -> tuple[float, bool, float, float]:
    """(F, tempo right, seconds, tempo)."""
    started = time.perf_counter()
    result = analyze(track.samples, track.sr)
    seconds = time.perf_counter() - started
    ok = close(result.tempo, track.tempo)
    if track.spec.bpm_after is not None:
        found = [bpm for _, bpm in result.tempo_segments]
        ok = (
            ok
            and any(close(b, track.spec.bpm) for b in found)
            and any(close(b, track.spec.bpm_after) for b in found)
        )
    return f_measure(track.beats, np.asarray(result.beats)), ok, seconds, result.tempo


def plain_librosa(track: SynthTrack) -> tuple[float, bool, float]:
    """(F, tempo right, tempo) of ``librosa.beat.beat_track`` with its defaults."""
    tempo, beats = librosa.beat.beat_track(y=track.samples, sr=track.sr, units="time")
    bpm = float(np.atleast_1d(tempo)[0])
    return f_measure(track.beats, beats), close(bpm, track.tempo), bpm


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-sweep", action="store_true")
    args = parser.parse_args()
    print(f"warm-up (numba JIT or cache load): {warm_up():.1f} s")
    header = (
        f"{'track':16s} {'ref':>6s} | {'ours':>7s} {'ok':>3s} {'F':>6s} {'sec':>5s}"
        f" | {'librosa':>7s} {'ok':>3s} {'F':>6s}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for spec in evaluation_set(args.seconds):
        track = synthesize(spec)
        f_ours, ok_ours, sec, bpm_ours = ours(track)
        f_lib, ok_lib, bpm_lib = plain_librosa(track)
        rows.append((f_ours, ok_ours, sec, f_lib, ok_lib))
        print(
            f"{spec.name:16s} {track.tempo:6.1f} | {bpm_ours:7.1f} {'yes' if ok_ours else 'NO':>3s}"
            f" {f_ours:6.3f} {sec:5.2f} | {bpm_lib:7.1f} {'yes' if ok_lib else 'NO':>3s} {f_lib:6.3f}"
        )
    mean_f = statistics.mean(r[0] for r in rows)
    tempo_acc = sum(r[1] for r in rows) / len(rows)
    mean_sec = statistics.mean(r[2] for r in rows)
    lib_f, lib_acc = statistics.mean(r[3] for r in rows), sum(r[4] for r in rows) / len(rows)
    print("-" * len(header))
    print(
        f"{'overall':16s} {'':6s} | {'':7s} {tempo_acc:4.0%} {mean_f:5.3f} {mean_sec:5.2f}"
        f" | {'':7s} {lib_acc:4.0%} {lib_f:5.3f}"
    )

    long_track = synthesize(TrackSpec("long_60s", 126, 60.0, "rock", "16th", swing=0.1, seed=99))
    mono_times, stereo_times = [], []
    stereo = np.stack([long_track.samples, 0.8 * long_track.samples])
    stereo48 = librosa.resample(stereo, orig_sr=22050, target_sr=48000, res_type="soxr_hq")
    for _ in range(3):
        started = time.perf_counter()
        analyze(long_track.samples, long_track.sr)
        mono_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        analyze(stereo48, 48000)
        stereo_times.append(time.perf_counter() - started)
    long_s = statistics.median(mono_times)
    stereo_s = statistics.median(stereo_times)
    print(f"60 s track, warm, median of 3: {long_s:.2f} s mono 22.05 kHz; {stereo_s:.2f} s stereo 48 kHz")

    if not args.no_sweep:
        sweep = [(ours(t), plain_librosa(t)) for t in map(synthesize, sweep_specs())]
        n = len(sweep)
        ours_acc, ours_f = sum(o[1] for o, _ in sweep) / n, statistics.mean(o[0] for o, _ in sweep)
        lib_acc, lib_f = sum(lib[1] for _, lib in sweep) / n, statistics.mean(lib[0] for _, lib in sweep)
        print(
            f"stress sweep ({n} tracks, 70-180 BPM every 4, all grooves): ours tempo {ours_acc:.0%}"
            f" F {ours_f:.3f} | librosa tempo {lib_acc:.0%} F {lib_f:.3f}"
        )

    targets = [
        ("mean F >= 0.95", mean_f >= 0.95),
        ("tempo >= 95 %", tempo_acc >= 0.95),
        ("60 s <= 2 s", long_s <= 2.0),
    ]
    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    raise SystemExit(main())
