"""Batch rendering: 12 draft renders with ``reelforge batch --workers 2`` vs ``--workers 1``.

Each job is a 4 s 1080x1920 edit (two clips, a fade, a grade and a vignette, the music mixed in),
rendered as a 720x1280 draft. Prints both wall times and the speedup (target >= 1.7x on 2 cores).
Other work on the machine skews the figures: run it on an idle machine.

    .venv/bin/python benchmarks/batch.py [--jobs 12]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._measure import timed_run, venv_bin
from editor.samples import make_clip, make_music

SPEC = {
    "version": 1,
    "output": {"width": 1080, "height": 1920, "fps": 30},
    "clips": [
        {"src": "a.mp4", "out": 2.25, "transition": {"type": "fade", "duration": 0.5}},
        {"src": "b.mp4", "out": 2.25},
    ],
    "effects": [{"type": "grade", "contrast": 1.1, "saturation": 0.9}, {"type": "vignette", "strength": 0.4}],
    "audio": {"sound": {"src": "music.m4a", "volume": 0.5}},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reelforge-bench-batch-") as tmp:
        root = Path(tmp)
        make_clip(root / "a.mp4", seconds=3, tone=330)
        make_clip(root / "b.mp4", seconds=3, pattern="smptehdbars", tone=440)
        make_music(root / "music.m4a", seconds=10)
        (root / "edit.json").write_text(json.dumps(SPEC))
        lines = [json.dumps({"spec": "edit.json", "output": f"out{i:02d}.mp4"}) for i in range(args.jobs)]
        (root / "jobs.jsonl").write_text("\n".join(lines) + "\n")
        times = {}
        for workers in (1, 2):
            argv = [
                venv_bin("reelforge"),
                "batch",
                str(root / "jobs.jsonl"),
                "-o",
                str(root / f"w{workers}"),
                "--workers",
                str(workers),
                "--draft",
                "--json",
            ]
            seconds, peak = timed_run(argv)
            made = sorted((root / f"w{workers}").glob("*.mp4"))
            if len(made) != args.jobs:
                raise SystemExit(f"--workers {workers}: {len(made)} of {args.jobs} outputs were written")
            times[workers] = seconds
            print(
                f"--workers {workers}: {seconds:6.1f} s for {args.jobs} draft renders "
                f"(peak RSS {peak:.0f} MB)"
            )
    speedup = times[1] / times[2]
    print(f"speedup {speedup:.2f}x on {os.cpu_count()} cores (target >= 1.7x on 2 cores)")


if __name__ == "__main__":
    main()
