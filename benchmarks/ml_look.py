"""Benchmark: the ML looks (smart reframe, background blur) vs a plain transcode, 10 s at 1080x1920.

For each look, in one process and alternating: (a) the same clip rendered with ``fit: cover`` and
no look (the plain transcode), (b) the look with a cold analysis cache, (c) the same again, warm;
wall clock and CPU time (this process's MediaPipe plus its ffmpeg children: steadier when the
machine is shared).
Targets (issue #16): reframe b/a <= 1.5, background b/a <= 2, both c/a <= 1.2. Then the matte's
temporal stability on a still subject: mean frame-to-frame change (0..1) of the written matte,
beside the raw per-sample segmentation's.

    .venv/bin/python benchmarks/ml_look.py [--rounds 1] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from editor import ffmpeg
from editor.face.matte import write_matte
from editor.face.scene import analyse_scene
from editor.plan.graph import num
from editor.probe import probe
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from testkit import look_media

OUT = {"width": 1080, "height": 1920, "fps": 30, "preset": "veryfast"}


def portrait(path: Path, seconds: float) -> Path:
    """The astronaut photo as a 1080x1920 selfie, drifting slowly sideways."""
    src = look_media.photo("astronaut", path.parent)
    ffmpeg.run(
        [
            *ffmpeg.input_args(src, before=["-loop", "1", "-framerate", "30"]),
            "-vf",
            "scale=1920:1920,crop=1080:1920:x='420+200*sin(t/2)':y=0,format=yuv420p",
            "-t",
            num(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-an",
            f"file:{path}",
        ]
    )
    return path


def cpu() -> float:
    """CPU seconds of this process (MediaPipe) and its finished children (ffmpeg)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(root: Path, clip: Path, look: dict[str, Any], home: Path, name: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one render."""
    spec = parse_spec({"output": OUT, "clips": [{"src": clip.name, **look}]})
    started, used = time.perf_counter(), cpu()
    render(spec, root / f"{name}.mp4", resolve=local_resolver(root), home=home)
    return time.perf_counter() - started, cpu() - used


def stability(root: Path, seconds: float) -> tuple[float, float]:
    """(written matte, raw segmentation): mean frame-to-frame change on a still subject with grain."""
    clip = look_media.still_clip(root / "still.mp4", "astronaut", seconds=seconds, size=512, noise=12)
    info = probe(clip)
    scene = analyse_scene(clip, info, {"matte"}, start=0, end=info.duration, cache_dir=root / "stab")
    raw = scene.get("matte").points.astype(np.float64) / 255
    raw_change = float(np.abs(np.diff(raw, axis=0)).mean())
    times = np.arange(int(info.duration * 30)) / 30
    return write_matte(root / "m.mkv", scene.get("matte"), scene.rate, times, Fraction(30), None), raw_change


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ml-look-bench-") as tmp:
        root = Path(tmp)
        wide = look_media.crossing(root / "wide.mp4", seconds=opts.seconds)
        selfie = portrait(root / "selfie.mp4", opts.seconds)
        looks: dict[str, tuple[Path, dict[str, Any], float]] = {
            "reframe": (wide, {"fit": "smart"}, 1.5),
            "background": (
                selfie,
                {"effects": [{"type": "background", "mode": "blur", "strength": 0.7}]},
                2.0,
            ),
        }
        print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
        for name, (clip, look, cold_target) in looks.items():
            runs: dict[str, list[tuple[float, float]]] = {"plain": [], "cold": [], "warm": []}
            for r in range(opts.rounds):
                home = root / f"home_{name}{r}"
                runs["plain"].append(timed(root, clip, {}, root / "plain_home", f"{name}_plain"))
                runs["cold"].append(timed(root, clip, look, home, f"{name}_cold"))
                runs["warm"].append(timed(root, clip, look, home, f"{name}_warm"))
            wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
            used = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
            for what, med in (("wall", wall), ("CPU", used)):
                print(
                    f"{name:<10} {what:<4} plain {med['plain']:6.2f} s | cold {med['cold']:6.2f} s = "
                    f"{med['cold'] / med['plain']:.2f}x (target <= {cold_target}) | "
                    f"warm {med['warm']:6.2f} s = {med['warm'] / med['plain']:.2f}x (target <= 1.2)"
                )
        written, raw = stability(root, min(opts.seconds, 4.0))
        print(f"matte stability (still, grainy): {written:.4f} mean change per frame; raw samples {raw:.4f}")
        print(f"load after: {os.getloadavg()[0]:.2f} (1 min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
