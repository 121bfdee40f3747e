"""Reference edit: reelforge vs one hand-written ffmpeg command vs MoviePy, doing the same work.

Three 5 s 1080x1920 30 fps clips with audio and a 20 s music track; clip1 -> clip2 fade 0.5 s,
clip2 -> clip3 slideleft 0.5 s (14 s), global grade (contrast 1.1, saturation 0.8) and vignette,
music at 0.5 mixed with the clips' sound, no loudness normalisation; same x264 preset and CRF.
Runs alternate; prints the medians, reelforge's ratio to the hand-written command (target <= 1.10)
and reelforge's peak RSS (target <= 400 MB, the whole process tree: Python and ffmpeg).
MoviePy 2 (``moviepy_peer.py``, the library the design names) renders the same edit once after the
first pair, by default, since it is slow; ``--moviepy-runs`` sets how many times (0 skips it).

    .venv/bin/python benchmarks/reference_edit.py [--runs 3] [--moviepy-runs 1] [--levers]

``--levers`` instead prints what each memory lever (decoder threads, -filter_complex_threads, x264
lookahead and frame threads, sliced threads) buys on the hand-written command, one run each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._measure import timed_run, venv_bin
from editor.ffmpeg import ffmpeg_exe
from editor.plan.build import DECODER_THREADS, X264_LOOKAHEAD
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


def hand_argv(
    decoder: Sequence[str] = (), before: Sequence[str] = (), encoder: Sequence[str] = ()
) -> list[str]:
    """The hand-written command; ``decoder`` options go before each input, ``before`` before all
    inputs, ``encoder`` after the x264 options (the memory levers)."""
    inputs = [arg for name in ("c1.mp4", "c2.mp4", "c3.mp4", "music.m4a") for arg in (*decoder, "-i", name)]
    return [
        ffmpeg_exe(), "-hide_banner", "-v", "error", "-y", *before, *inputs,
        "-filter_complex", HAND_GRAPH, "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", *encoder, "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-movflags", "+faststart", "-t", "14", "hand.mp4",
    ]  # fmt: skip


def levers(work: Path, ours: list[str]) -> None:
    """What each memory lever buys, one at a time on the hand-written command, then together and
    in reelforge's own render (which applies them: ``editor.plan.build``)."""
    cores = str(os.cpu_count() or 1)
    lookahead = str(X264_LOOKAHEAD)
    variants: list[tuple[str, list[str]]] = [
        ("hand-written, ffmpeg defaults", hand_argv()),
        ("decoders -threads 1", hand_argv(decoder=DECODER_THREADS)),
        ("-filter_complex_threads 1", hand_argv(before=("-filter_complex_threads", "1"))),
        (f"x264 -rc-lookahead {lookahead}", hand_argv(encoder=("-rc-lookahead", lookahead))),
        (f"x264 -threads {cores} (frame threads)", hand_argv(encoder=("-threads", cores))),
        ("x264 sliced-threads=1", hand_argv(encoder=("-x264-params", "sliced-threads=1"))),
        (
            "reelforge's two: decoders 1, lookahead",
            hand_argv(decoder=DECODER_THREADS, encoder=("-rc-lookahead", lookahead)),
        ),
        ("reelforge render (Python + ffmpeg)", ours),
    ]
    base_s = base_mb = 0.0
    print(f"{'lever':52} {'seconds':>8} {'x base':>7} {'peak RSS MB':>12} {'saves MB':>9}")
    for name, argv in variants:
        seconds, rss = timed_run(argv, cwd=work)
        base_s, base_mb = (seconds, rss) if not base_s else (base_s, base_mb)
        print(
            f"{name:52} {seconds:8.2f} {seconds / base_s:7.2f} {rss:12.0f} {base_mb - rss:9.0f}", flush=True
        )
    print(f"load average {os.getloadavg()[0]:.1f} on {cores} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--moviepy-runs", type=int, default=1, help="MoviePy renders (slow; 0 skips)")
    parser.add_argument("--levers", action="store_true", help="only the table of memory levers, once each")
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
        if args.levers:
            levers(work, ours)
            return
        hand = hand_argv()
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
