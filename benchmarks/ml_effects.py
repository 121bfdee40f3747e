"""Benchmark: each measured clip effect's render vs a plain transcode of the same clip, cold and warm.

A 10 s 1080x1920 30 fps clip (the astronaut photo, shaken by a known jitter) is rendered in one
process, alternating: (a) a plain ffmpeg transcode with the render's encoder settings, (b) a
ReelForge render with no effect, then per effect a render with an empty analysis cache (cold)
and one right after it (warm). Wall time and CPU time (this process and its children) are both
printed: on a shared machine the CPU ratio is the steadier one. Targets: stabilize cold <= 1.5x,
every effect warm <= 1.2x.

    .venv/bin/python benchmarks/ml_effects.py [--rounds 1] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from editor import ffmpeg
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from testkit import shaky

ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-an"]
EFFECTS: dict[str, dict[str, object]] = {
    "stabilize": {"type": "stabilize", "strength": 0.6},
    "auto_enhance": {"type": "auto_enhance"},
}
TARGETS = {"stabilize": (1.5, 1.2), "auto_enhance": (None, 1.2)}


def cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(action: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    action()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0)
    opts = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="ml-bench-") as tmp:
        root = Path(tmp)
        frames = round(opts.seconds * 30)
        shaky.shaken_clip(root / "clip.mp4", shaky.Shake.random(frames, 30.0), width=1080, height=1920)
        resolve = local_resolver(root)

        def run(effects: list[dict[str, object]], home: Path, name: str) -> None:
            spec = parse_spec({"clips": [{"src": "clip.mp4", "effects": effects}]})
            render(spec, root / name, resolve=resolve, home=home)

        def plain() -> None:
            ffmpeg.run([*ffmpeg.input_args(root / "clip.mp4"), "-map", "0:v:0", *ENCODE, str(root / "a.mp4")])

        runs: dict[str, list[tuple[float, float]]] = {}
        for r in range(opts.rounds):
            runs.setdefault("plain ffmpeg", []).append(timed(plain))
            runs.setdefault("render, no effect", []).append(timed(lambda: run([], root / "none", "n.mp4")))
            for name, effect in EFFECTS.items():
                home = root / f"home-{name}-{r}"  # fresh per round: cold first, then warm
                runs.setdefault(f"{name} cold", []).append(timed(partial(run, [effect], home, "c.mp4")))
                runs.setdefault(f"{name} warm", []).append(timed(partial(run, [effect], home, "w.mp4")))
    med = {
        k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in runs.items()
    }
    base_wall, base_cpu = med["plain ffmpeg"]
    print(f"{'run':20s} {'wall s':>7s} {'x plain':>8s} {'cpu s':>7s} {'x plain':>8s}  target")
    ok = True
    for key, (wall, cpu) in med.items():
        name, _, phase = key.rpartition(" ")
        limit = TARGETS.get(name, (None, None))[0 if phase == "cold" else 1] if name in TARGETS else None
        verdict = "" if limit is None else f"<= {limit}  {'ok' if cpu / base_cpu <= limit else 'MISSED'}"
        ok &= limit is None or cpu / base_cpu <= limit
        print(f"{key:20s} {wall:7.2f} {wall / base_wall:8.2f} {cpu:7.2f} {cpu / base_cpu:8.2f}  {verdict}")
    print(f"load after: {os.getloadavg()[0]:.2f} (1 min); targets judged on CPU time")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
