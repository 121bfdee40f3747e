"""Benchmark: sticker render vs a plain transcode, on a 10 s 720x1280 30 fps clip with a moving real face.

Runs alternate in one process: (a) plain ffmpeg transcode, (b) ReelForge sticker render with a cold
analysis cache, (c) the same with a warm cache. Targets: b/a <= 1.6, c/a <= 1.15.

    .venv/bin/python benchmarks/face_sticker.py [--rounds 3] [--seconds 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from editor import ffmpeg
from editor.face import StickerEffect, face_filters, prepare_faces
from editor.plan.graph import Graph, Input
from editor.probe import probe
from testkit import face_media as media

ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-an"]


def plain(clip: Path, out: Path) -> None:
    ffmpeg.run([*ffmpeg.input_args(clip), "-map", "0:v:0", *ENCODE, str(out)])


def sticker(clip: Path, out: Path, work: Path, cache: Path) -> None:
    info = probe(clip)
    prepared = prepare_faces(
        clip,
        info,
        [StickerEffect(asset="sunglasses")],
        start=0.0,
        end=info.duration,
        work_dir=work,
        cache_dir=cache,
        tag="c0_",
    )
    g = Graph()
    idx = g.add_input(Input(clip))
    src = g.chain([f"{idx}:v"], ["setpts=PTS-STARTPTS"], "src")
    label = face_filters(prepared, g, src, width=info.width, height=info.height)
    args: list[str] = []
    for inp in g.inputs:
        args += ffmpeg.input_args(inp.path, demuxer=inp.demuxer, before=inp.options)
    ffmpeg.run([*args, "-filter_complex", g.render(), "-map", f"[{label}]", *ENCODE, str(out)])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="face-bench-") as tmp:
        root = Path(tmp)
        clip = media.write_clip(
            root / "face.mp4",
            media.moving_face(720, 1280),
            width=720,
            height=1280,
            seconds=opts.seconds,
            crf=20,
        )
        times: dict[str, list[float]] = {"a_plain": [], "b_cold": [], "c_warm": []}
        for r in range(opts.rounds):
            cache = root / f"cache{r}"  # fresh per round: (b) is cold, (c) right after it is warm
            for key, runs in times.items():
                started = time.perf_counter()
                if key == "a_plain":
                    plain(clip, root / "a.mp4")
                else:
                    sticker(clip, root / f"{key}.mp4", root / f"work_{key}{r}", cache)
                runs.append(time.perf_counter() - started)
        med = {k: statistics.median(v) for k, v in times.items()}
        for k, v in times.items():
            print(f"{k:8s} median {med[k]:6.2f} s  runs {', '.join(f'{x:.2f}' for x in v)}")
        cold, warm = med["b_cold"] / med["a_plain"], med["c_warm"] / med["a_plain"]
        print(f"cold/plain = {cold:.2f} (target <= 1.6)   warm/plain = {warm:.2f} (target <= 1.15)")
        return 0 if cold <= 1.6 and warm <= 1.15 else 1


if __name__ == "__main__":
    raise SystemExit(main())
