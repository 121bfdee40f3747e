"""Benchmark: a 15 s 1080x1920 duet (two decodes, two fits, a canvas, two overlays, two sounds
mixed) against a single-clip render of the same length, both by the engine; a react
(picture-in-picture with rounded corners and a border) for reference.

Runs alternate in one process and the medians are compared. Target: duet <= 1.6x the single clip.

    .venv/bin/python benchmarks/duet.py [--rounds 2] [--seconds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from editor.render import local_resolver, render
from editor.resolve import parse_spec
from editor.samples import make_clip

TARGET = 1.6


def specs(seconds: float) -> dict[str, dict[str, Any]]:
    mine = {"src": "mine.mp4", "duration": seconds}
    return {
        "a_single": {"clips": [mine]},
        "b_duet": {"clips": [mine], "layout": {"type": "duet", "with": "theirs.mp4"}},
        "c_react": {"clips": [mine], "layout": {"type": "react", "with": "theirs.mp4"}},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15.0)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="duet-bench-") as tmp:
        root = Path(tmp)
        make_clip(root / "mine.mp4", seconds=opts.seconds, tone=330)
        make_clip(root / "theirs.mp4", seconds=opts.seconds, tone=550, pattern="mandelbrot")
        times: dict[str, list[float]] = {name: [] for name in specs(opts.seconds)}
        for _ in range(opts.rounds):
            for name, spec in specs(opts.seconds).items():
                started = time.perf_counter()
                render(parse_spec(spec), root / f"{name}.mp4", resolve=local_resolver(root))
                times[name].append(time.perf_counter() - started)
        med = {name: statistics.median(runs) for name, runs in times.items()}
        for name, runs in times.items():
            ratio = med[name] / med["a_single"]
            listed = ", ".join(f"{x:.2f}" for x in runs)
            print(f"{name:9s} median {med[name]:6.2f} s  ({ratio:.2f}x)  runs {listed}")
        duet = med["b_duet"] / med["a_single"]
        print(f"duet/single = {duet:.2f} (target <= {TARGET})")
        return 0 if duet <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
