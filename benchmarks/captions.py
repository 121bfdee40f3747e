"""Benchmark: a 15 s 1080x1920 render with 20 animated caption lines vs the same render without text.

Both go through the whole engine (``editor.render.render``): caption file parsed, every line laid
out and drawn once (karaoke states included), then one ffmpeg pass. Runs alternate in one process,
so the ratio is taken side by side. Target: captions/plain <= 1.25.

    .venv/bin/python benchmarks/captions.py [--rounds 2] [--seconds 15]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from editor.render import local_resolver, render
from editor.resolve import parse_spec
from editor.samples import make_clip
from editor.spec import EditSpec
from editor.text.captions import read_captions
from editor.text.layers import prepare_text

LINES = [
    "Hei alle sammen! 👋", "今日はいい天気ですね", "你好，世界！", "안녕하세요 🇰🇷", "مرحبا بالعالم",
    "שלום עולם", "नमस्ते दुनिया", "สวัสดีครับ", "Blåbærsyltetøy 🫐", "Let's go 🚀🔥",
    "¿Qué tal? 😀", "Привет, мир!", "Καλημέρα ☀️", "Xin chào 🇻🇳", "Merhaba dünya",
    "Thanks for watching 👍🏽", "Like & follow 👨‍👩‍👧‍👦", "Γειά σου", "Olá, tudo bem?", "See you soon ✨",
]  # fmt: skip
TARGET = 1.25


def stamp(t: float) -> str:
    return f"00:{int(t // 60):02d}:{t % 60:06.3f}"


def write_captions(path: Path, seconds: float) -> None:
    """20 cues spread over the video; every other one has word timings (karaoke)."""
    step = seconds / len(LINES)
    cues = ["WEBVTT", ""]
    for i, text in enumerate(LINES):
        start, end = i * step, (i + 1) * step
        words = text.split(" ")
        if i % 2 == 0 and len(words) > 1:
            text = " ".join(f"<{stamp(start + k * step / len(words))}>{w}" for k, w in enumerate(words))
        cues += [f"{stamp(start)} --> {stamp(end)}", text, ""]
    path.write_text("\n".join(cues), encoding="utf-8")


def specs(seconds: float) -> tuple[EditSpec, EditSpec]:
    base = {
        "output": {"width": 1080, "height": 1920, "fps": 30},
        "clips": [{"src": "clip.mp4", "duration": seconds}],
        "audio": {"loudness": None},
    }
    captions = {"src": "captions.vtt", "style": "caption-pill", "animation": {"in": "pop", "out": "slide_up"}}
    return parse_spec(base), parse_spec({**base, "captions": captions})


def _cpu() -> float:
    """CPU seconds of this process and its finished children (ffmpeg): steadier than wall time on a
    shared machine."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15.0)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="captions-bench-") as tmp:
        root = Path(tmp)
        make_clip(root / "clip.mp4", seconds=opts.seconds, width=1080, height=1920, pattern="testsrc2")
        write_captions(root / "captions.vtt", opts.seconds)
        plain, captioned = specs(opts.seconds)
        resolve = local_resolver(root)
        started = time.perf_counter()  # the drawing alone, cold (fonts load on first use)
        layers = prepare_text(
            captioned, read_captions(root / "captions.vtt"), root, (1080, 1920), opts.seconds
        )
        drawing = time.perf_counter() - started
        times: dict[str, list[float]] = {"plain": [], "captions": []}
        cpu: dict[str, list[float]] = {"plain": [], "captions": []}
        for _ in range(opts.rounds):
            for key, spec in (("plain", plain), ("captions", captioned)):
                started, used = time.perf_counter(), _cpu()
                render(spec, root / f"{key}.mp4", resolve=resolve)
                times[key].append(time.perf_counter() - started)
                cpu[key].append(_cpu() - used)
        med = {k: statistics.median(v) for k, v in times.items()}
        for key, runs in times.items():
            print(
                f"{key:9s} median {med[key]:6.2f} s  runs {', '.join(f'{x:.2f}' for x in runs)}"
                f"  CPU {statistics.median(cpu[key]):6.2f} s"
            )
        ratio = med["captions"] / med["plain"]
        cpu_ratio = statistics.median(cpu["captions"]) / statistics.median(cpu["plain"])
        print(f"{len(LINES)} cues -> {len(layers)} line layers, drawn in {drawing:.2f} s (cold)")
        print(f"captions/plain = {ratio:.2f} wall, {cpu_ratio:.2f} CPU (target <= {TARGET})")
        return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
