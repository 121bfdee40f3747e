"""Play while it renders: how soon the first HLS segment of the reference edit is out, at draft size.

The reference edit (``reference_edit.py``: three 5 s 1080x1920 clips, two transitions, grade,
vignette, music) rendered at draft size in a warm process, as a render worker runs it, with the
progressive preview published segment by segment to a folder. Prints the time from the start of
the render call to the first playlist naming a segment (target <= 1.5 s), next to the whole render
and to the same render without a preview (the tee muxer and the forced keyframes should cost
little), and the MP4 sizes. Runs alternate.

    .venv/bin/python benchmarks/preview.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.reference_edit import SPEC
from editor.preview import FolderSink
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from editor.samples import make_clip, make_music

TARGET = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rf-bench-preview-") as tmp:
        work = Path(tmp)
        for i, (tone, pattern) in enumerate([(330, "testsrc2"), (440, "mandelbrot"), (550, "testsrc2")], 1):
            make_clip(
                work / f"c{i}.mp4",
                seconds=5,
                width=1080,
                height=1920,
                fps=30,
                tone=tone,
                pattern=pattern,
                crf=18,
            )
        make_music(work / "music.m4a", seconds=20)
        spec = parse_spec(json.loads(json.dumps(SPEC)))
        resolve = local_resolver(work)
        render(spec, work / "warm.mp4", resolve=resolve, draft=True)  # imports and caches, as in a worker
        first, teed, plain, sizes = [], [], [], {"preview": 0, "plain": 0}
        for run in range(args.runs):
            order = ["preview", "plain"] if run % 2 == 0 else ["plain", "preview"]
            for kind in order:
                out = work / f"{kind}{run}.mp4"
                sink = FolderSink(work / f"hls{run}") if kind == "preview" else None
                result = render(spec, out, resolve=resolve, draft=True, preview=sink)
                sizes[kind] = out.stat().st_size
                if kind == "plain":
                    plain.append(result.render_seconds)
                    print(f"run {run + 1} plain    render {result.render_seconds:6.2f} s", flush=True)
                    continue
                assert result.first_segment_seconds is not None
                first.append(result.first_segment_seconds)
                teed.append(result.render_seconds)
                print(
                    f"run {run + 1} preview  render {result.render_seconds:6.2f} s, "
                    f"first segment after {result.first_segment_seconds:5.2f} s",
                    flush=True,
                )
        load = os.getloadavg()
        first_med, teed_med, plain_med = map(statistics.median, (first, teed, plain))
        print(
            f"\nfirst segment downloadable after {first_med:.2f} s (median; target <= {TARGET}) | "
            f"whole render with preview {teed_med:.2f} s, without {plain_med:.2f} s "
            f"(ratio {teed_med / plain_med:.3f})"
        )
        print(
            f"MP4 with preview {sizes['preview'] / 1e6:.2f} MB, without {sizes['plain'] / 1e6:.2f} MB "
            f"(keyframes every 2 s: {sizes['preview'] / sizes['plain'] - 1:+.1%}); "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
        )


if __name__ == "__main__":
    main()
