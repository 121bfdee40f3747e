"""Split render: a 60 s 1080x1920 edit rendered in 1, 2 and 4 pieces side by side on this machine.

Four 15.375 s 1080x1920 clips joined by three 0.5 s fades (60 s), grade and vignette, a music mix;
x264 veryfast CRF 20, as the reference edit. One worker is the ordinary one-piece render. Prints
each run's wall time, the speed-up over one piece, what every step cost (pieces, the sound, the
join: the inputs of the N-machine model in docs/scaling.md) and the PSNR of the frames around each
seam against the one-piece render.

    .venv/bin/python benchmarks/split.py [--workers 1 2 4] [--service]

``--service`` runs the same edit through the API instead: `reelforge serve` with N embedded worker
processes and ``REELFORGE_SPLIT_PIECES=N`` (the clips' own sound, no music: a sound would need the
sound library), timed from the submit to ``succeeded``, with what each piece cost and which worker
process rendered it, as the service records them (``render_pieces``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._measure import upload
from benchmarks.api_load import make_user, start_server
from editor import ffmpeg
from editor.render import local_resolver
from editor.resolve import parse_spec
from editor.samples import make_clip, make_music
from editor.split import StepTime, render_split

SPEC = {
    "version": 1,
    "output": {"width": 1080, "height": 1920, "fps": 30, "crf": 20, "preset": "veryfast"},
    "clips": [
        {"src": "c1.mp4", "out": 15.375, "transition": {"type": "fade", "duration": 0.5}},
        {"src": "c2.mp4", "out": 15.375, "transition": {"type": "fade", "duration": 0.5}},
        {"src": "c3.mp4", "out": 15.375, "transition": {"type": "fade", "duration": 0.5}},
        {"src": "c4.mp4", "out": 15.375},
    ],
    "effects": [{"type": "grade", "contrast": 1.1, "saturation": 0.8}, {"type": "vignette", "strength": 0.5}],
    "audio": {"original_volume": 1.0, "sound": {"src": "music.m4a", "volume": 0.5}, "loudness": None},
}


SPEC_CLIPS: list[dict[str, Any]] = SPEC["clips"]  # type: ignore[assignment]


def psnr(a: Path, b: Path, start: float, end: float) -> float:
    trim = f"trim=start={start}:end={end},setpts=PTS-STARTPTS"
    graph = f"[0:v]{trim}[a];[1:v]{trim}[b];[a][b]psnr"
    result = ffmpeg.run([*ffmpeg.input_args(a), *ffmpeg.input_args(b), "-lavfi", graph, "-f", "null", "-"])
    value = re.findall(r"average:(\S+)", result.stderr_tail)[-1]
    return float("inf") if value == "inf" else float(value)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def through_service(work: Path, counts: list[int]) -> dict[int, tuple[float, Path, tuple[float, ...]]]:
    """The edit through `reelforge serve` with N worker processes splitting it into N pieces."""
    done: dict[int, tuple[float, Path, tuple[float, ...]]] = {}
    for workers in counts:
        home = work / f"home{workers}"
        proc, url, env = start_server(home, workers, {"REELFORGE_SPLIT_PIECES": str(workers)})
        try:
            token = make_user(env, "bench")
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as api:
                ids = {f"c{i}.mp4": upload(api, work / f"c{i}.mp4") for i in range(1, 5)}
                clips = [{**c, "src": f"media:{ids[c['src']]}"} for c in SPEC_CLIPS]
                spec = {**SPEC, "clips": clips, "audio": {"original_volume": 1.0, "loudness": None}}
                started = time.monotonic()
                render_id = api.post("/v1/renders", json={"spec": spec}).raise_for_status().json()["id"]
                while (body := api.get(f"/v1/renders/{render_id}").json())["status"] in ("queued", "running"):
                    time.sleep(0.2)
                wall = time.monotonic() - started
                assert body["status"] == "succeeded", body
                output = work / f"service{workers}.mp4"
                output.write_bytes(httpx.get(body["output_url"], timeout=120).raise_for_status().content)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        with sqlite3.connect(home / "reelforge.db") as db:
            rows = db.execute(
                "SELECT number, start, duration, seconds, output_key IS NULL FROM render_pieces"
                " WHERE render_id = ? ORDER BY number",
                (render_id,),
            ).fetchall()
        pieces = len(rows) or 1
        print(f"{workers} worker process(es): {pieces} piece(s), {wall:6.1f} s from submit to succeeded,"
              f" load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        for number, start, duration, seconds, own in rows:
            who = "the coordinator" if own else "a helper (uploaded)"
            print(f"    piece {number} at {start:6.2f} s: {seconds:6.1f} s for {duration:5.2f} s, by {who}")
        done[workers] = (wall, output, tuple(row[1] for row in rows[1:]))
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--service", action="store_true", help="through the API's worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rf-bench-split-") as tmp:
        work = Path(tmp)
        patterns = ["testsrc2", "mandelbrot", "testsrc2", "smptehdbars"]
        for i, pattern in enumerate(patterns, 1):
            make_clip(work / f"c{i}.mp4", seconds=15.5, width=1080, height=1920, fps=30, pattern=pattern)
        make_music(work / "music.m4a", seconds=70)
        (work / "spec.json").write_text(json.dumps(SPEC))
        spec = parse_spec(SPEC)
        if args.service:
            ran = through_service(work, args.workers)
            if 1 in ran:
                for workers, (wall, output, seams_at) in ran.items():
                    seams = [psnr(output, ran[1][1], c - 0.5, c + 0.5) for c in seams_at]
                    around = f"; PSNR around seams {min(seams):.1f}-{max(seams):.1f} dB" if seams else ""
                    print(f"{workers} worker(s): {wall:6.1f} s, speed-up {ran[1][0] / wall:.2f}x{around}")
            print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
            return

        walls: dict[int, float] = {}
        outputs: dict[int, Path] = {}
        cuts: dict[int, tuple[float, ...]] = {}
        for workers in args.workers:
            steps: list[StepTime] = []
            cpu, started = children_cpu(), time.monotonic()
            result, plan = render_split(
                spec,
                work / f"out{workers}.mp4",
                resolve=local_resolver(work),
                workers=workers,
                on_step=steps.append,
            )
            walls[workers] = time.monotonic() - started
            outputs[workers], cuts[workers] = result.output, plan.cuts
            used = children_cpu() - cpu
            load = os.getloadavg()[0]
            print(
                f"{workers} worker(s): {len(plan.pieces)} piece(s), {walls[workers]:6.1f} s wall, "
                f"{used:6.1f} s CPU (ffmpeg), load {load:.1f}"
                + (f"  [{plan.reason}]" if plan.reason else ""),
                flush=True,
            )
            for step in steps:
                rate = step.seconds / step.output_seconds
                made = f"{step.output_seconds:5.2f} s ({rate:.3f} s per output s)"
                print(f"    {step.step:18} {step.seconds:6.1f} s for {made}")
        base = walls.get(1)
        if base is not None:
            for workers, wall in walls.items():
                seams = [psnr(outputs[workers], outputs[1], c - 0.5, c + 0.5) for c in cuts[workers]]
                around = f"; PSNR around seams {min(seams):.1f}-{max(seams):.1f} dB" if seams else ""
                print(
                    f"{workers} worker(s): {wall:6.1f} s, speed-up {base / wall:.2f}x over one piece{around}"
                )
        print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
