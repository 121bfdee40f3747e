"""Reference edit: reelforge vs one hand-written ffmpeg command vs MoviePy, doing the same work.

Three 5 s 1080x1920 30 fps clips with audio and a 20 s music track; clip1 -> clip2 fade 0.5 s,
clip2 -> clip3 slideleft 0.5 s (14 s), global grade (contrast 1.1, saturation 0.8) and vignette,
music at 0.5 mixed with the clips' sound, no loudness normalisation; same x264 preset and CRF.
Runs alternate; prints the medians, reelforge's ratio to the hand-written command (target <= 1.10)
and reelforge's peak RSS (target <= 400 MB, the whole process tree: Python and ffmpeg).
MoviePy 2 (``moviepy_peer.py``, the library the design names) renders the same edit once after the
first pair, by default, since it is slow; ``--moviepy-runs`` sets how many times (0 skips it).

    .venv/bin/python benchmarks/reference_edit.py [--runs 3] [--moviepy-runs 1]
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

from benchmarks._measure import timed_run, venv_bin
from editor.ffmpeg import ffmpeg_exe
from editor.samples import make_clip, make_music

SPEC = {
    "version": 1,
    "output": {"width": 1080, "height": 1920, "fps": 30, "crf": 20, "preset": "veryfast"},
    "clips": [
        {"src": "c1.mp4", "transition": {"type": "fade", "duration": 0.5}},
        {"src": "c2.mp4", "transition": {"type": "slideleft", "duration": 0.5}},
        {"src": "c3.mp4"},
    ],
    "effects": [{"type": "grade", "contrast": 1.1, "saturation": 0.8}, {"type": "vignette", "strength": 0.5}],
    "audio": {"original_volume": 1.0, "sound": {"src": "music.m4a", "volume": 0.5}, "loudness": None},
}

HAND_GRAPH = (
    "[0:v]fps=30,format=yuv420p[v0];[1:v]fps=30,format=yuv420p[v1];[2:v]fps=30,format=yuv420p[v2];"
    "[v0][v1]xfade=transition=fade:duration=0.5:offset=4.5[x1];"
    "[x1][v2]xfade=transition=slideleft:duration=0.5:offset=9[x2];"
    "[x2]eq=contrast=1.1:saturation=0.8,vignette=angle=0.7604[v];"
    "[0:a][1:a]acrossfade=d=0.5[a1];[a1][2:a]acrossfade=d=0.5[a2];"
    "[3:a]volume=0.5[m];[a2][m]amix=inputs=2:duration=first:normalize=0[a]"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--moviepy-runs", type=int, default=1, help="MoviePy renders (slow; 0 skips)")
    args = parser.parse_args()
    runs = args.runs
    with tempfile.TemporaryDirectory(prefix="rf-bench-") as tmp:
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
        (work / "spec.json").write_text(json.dumps(SPEC))
        ours = [venv_bin("reelforge"), "render", "spec.json", "-o", "ours.mp4"]
        hand = [
            ffmpeg_exe(),
            "-hide_banner",
            "-v",
            "error",
            "-y",
            "-i",
            "c1.mp4",
            "-i",
            "c2.mp4",
            "-i",
            "c3.mp4",
            "-i",
            "music.m4a",
            "-filter_complex",
            HAND_GRAPH,
            "-map",
            "[v]",
            "-map",
            "[a]",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "160k",
            "-ar",
            "48000",
            "-movflags",
            "+faststart",
            "-t",
            "14",
            "hand.mp4",
        ]
        peer = [sys.executable, str(Path(__file__).with_name("moviepy_peer.py")), str(work), "moviepy.mp4"]
        times: dict[str, list[float]] = {"reelforge": [], "ffmpeg": [], "moviepy": []}
        peaks = {"reelforge": 0.0, "ffmpeg": 0.0, "moviepy": 0.0}
        os.environ["IMAGEIO_FFMPEG_EXE"] = ffmpeg_exe()  # MoviePy runs the same ffmpeg binary

        def measure(name: str, argv: list[str], run: int) -> None:
            seconds, rss = timed_run(argv, cwd=work)
            times[name].append(seconds)
            peaks[name] = max(peaks[name], rss)
            print(f"run {run + 1} {name:9} {seconds:6.2f} s  peak RSS {rss:6.1f} MB", flush=True)

        for run in range(runs):
            pair = [("reelforge", ours), ("ffmpeg", hand)]
            for name, argv in pair if run % 2 == 0 else pair[::-1]:
                measure(name, argv, run)
            if run == 0:  # MoviePy is slow: its runs sit between the first pair and the others
                for peer_run in range(args.moviepy_runs):
                    measure("moviepy", peer, peer_run)
        ours_med, hand_med = statistics.median(times["reelforge"]), statistics.median(times["ffmpeg"])
        print(
            f"\nmedian reelforge {ours_med:.2f} s | hand-written ffmpeg {hand_med:.2f} s | "
            f"ratio {ours_med / hand_med:.3f} (target <= 1.10)"
        )
        if times["moviepy"]:
            peer_med, peer_runs = statistics.median(times["moviepy"]), len(times["moviepy"])
            print(
                f"moviepy {peer_med:.2f} s ({peer_runs} run(s)): {peer_med / hand_med:.1f}x the hand-written "
                f"command, {peer_med / ours_med:.1f}x reelforge; peak RSS {peaks['moviepy']:.0f} MB"
            )
        print(
            f"peak RSS, whole process tree: reelforge {peaks['reelforge']:.0f} MB (target <= 400) | "
            f"hand-written ffmpeg {peaks['ffmpeg']:.0f} MB"
        )


if __name__ == "__main__":
    main()
