"""Fingerprint and lookup time of audio.fingerprint on generated songs.

    .venv/bin/python benchmarks/fingerprint.py [--sounds 200] [--seconds 30]

Builds an in-memory index of ``--sounds`` generated songs, then reports: fingerprint time per
minute of audio (60 s and 15 min inputs), hashes per second of audio, index size, and lookup
time of a 10 s excerpt (a known song at an offset, which must be found) and of a song that is
not indexed (which must not).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audio.fingerprint import FingerprintIndex, fingerprint
from audio.synth import TrackSpec, synthesize, unrelated_set

T = TypeVar("T")


def timed(fn: Callable[..., T], *args: object) -> tuple[T, float]:
    started = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sounds", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()

    for seconds in (60.0, 900.0):
        track = synthesize(TrackSpec("long", 118, seconds, "rock", "8th", melody=True, seed=7))
        fp, took = timed(fingerprint, track.samples, track.sr)
        print(
            f"fingerprint {seconds:5.0f} s: {took:6.2f} s ({took / seconds * 60:.2f} s per minute), "
            f"{len(fp) / seconds:.0f} hashes/s"
        )

    index = FingerprintIndex()
    build = 0.0
    songs = unrelated_set(args.sounds, args.seconds)
    excerpt = None
    for i, spec in enumerate(songs):
        track = synthesize(spec)
        fp, took = timed(fingerprint, track.samples, track.sr)
        build += took
        index.add(spec.name, fp)
        if i == len(songs) // 2:
            excerpt = (spec.name, track.samples[int(7.3 * track.sr) : int(17.3 * track.sr)], track.sr)
    rows = sum(1 for _ in index.rows())
    print(
        f"index: {len(index)} sounds x {args.seconds:.0f} s, {rows} rows, fingerprinting took {build:.1f} s"
    )

    assert excerpt is not None
    name, samples, sr = excerpt
    outsider = synthesize(unrelated_set(1, 10.0, first=args.sounds + 1000)[0])
    hit_times, miss_times = [], []
    for _ in range(5):
        found, took = timed(lambda: index.match(fingerprint(samples, sr)))
        hit_times.append(took)
        missing, took = timed(lambda: index.match(fingerprint(outsider.samples, outsider.sr)))
        miss_times.append(took)
    ok = found is not None and found.sound_id == name and abs(found.offset - 7.3) < 0.1 and missing is None
    hit_ms = statistics.median(hit_times) * 1000
    print(
        f"lookup of a 10 s excerpt (fingerprint + match), median of 5: {hit_ms:.0f} ms"
        f" -> {found.sound_id if found else None} at {found.offset if found else float('nan'):.2f} s"
        f" (score {found.score if found else 0}, coverage {found.coverage if found else 0:.2f})"
    )
    print(f"lookup of a song not in the index: {statistics.median(miss_times) * 1000:.0f} ms -> {missing}")
    print(f"correct: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
