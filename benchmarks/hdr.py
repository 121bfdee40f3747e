"""Benchmark: the cost and the quality of HDR tone mapping.

1. Speed: a 10 s 1080x1920 HDR10 clip (PQ, BT.2020, HEVC Main10, made from an SDR clip with zscale)
   rendered by the engine (tone-mapped to the BT.709 contract) against the same SDR clip rendered
   the same way, and a plain transcode of the HDR clip (no tone mapping, same x264 settings) to
   show what HEVC 10-bit decoding alone costs. Wall and CPU seconds (ffmpeg's, from rusage), in
   one run. Target: HDR render <= 1.5x the SDR render.
2. Quality of the tone curves ffmpeg's ``tonemap`` offers, on colour patches (grey, skin, sky,
   foliage, red, near-white) against their SDR source, and on a 0-1000 nit ramp: mean patch
   difference (8-bit levels), saturation kept, where SDR white lands, how many distinct levels
   the highlights above it keep (a hard clip keeps 1), and the CPU cost of each curve.

    .venv/bin/python benchmarks/hdr.py [--seconds 10] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from editor import ffmpeg
from editor.plan.colour import TONE_CURVE, TONE_KNEE, to_contract
from editor.probe_colour import Colour
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from editor.samples import make_clip
from testkit.phone_media import PATCHES, hdr_clip, patch_image, patch_means, saturation, sdr_clip

TARGET = 1.5
PQ = Colour("bt2020", "smpte2084", "bt2020nc", "tv", 10, "pq", None, 1000.0)
CURVES = {
    f"{TONE_CURVE} {TONE_KNEE} (taken)": f"tonemap={TONE_CURVE}:param={TONE_KNEE}:desat=0",
    "mobius 0.3": "tonemap=mobius:param=0.3:desat=0",
    "reinhard": "tonemap=reinhard:desat=0",
    "hable": "tonemap=hable:desat=0",
    "clip (hard)": "tonemap=clip:desat=0",
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(action: object) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    action()  # type: ignore[operator]
    return time.perf_counter() - wall, _cpu() - cpu


def _chain(curve: str) -> str:
    steps = to_contract(PQ)
    return ",".join(curve + ":peak=" + s.split(":peak=")[1] if s.startswith("tonemap=") else s for s in steps)


def _rgb(path: Path, chain: str, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    raw = ffmpeg.capture(
        [*ffmpeg.input_args(path), "-frames:v", "1", "-vf",
         f"{chain},scale=in_range=tv:in_color_matrix=bt709:out_range=pc,format=rgb24",
         "-f", "rawvideo", "pipe:1"]
    )  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(h, w, 3).astype(float)


def _ramp(path: Path) -> Path:
    """A 256x16 grey ramp from 0 to 1000 nits in PQ, lossless (FFV1), tagged BT.2020/PQ."""
    from PIL import Image

    m1, m2, c1, c2, c3 = 2610 / 16384, 2523 / 32, 3424 / 4096, 2413 / 128, 2392 / 128
    y = (np.linspace(0, 1000, 256) / 10000) ** m1
    signal = ((c1 + c2 * y) / (1 + c3 * y)) ** m2
    png = path.with_suffix(".png")
    Image.fromarray(np.tile(np.round(signal * 65535).astype(np.uint16), (16, 1))).save(png)
    ffmpeg.run(
        [*ffmpeg.input_args(png), "-vf", "scale=in_range=full:out_range=limited,format=yuv420p10le,"
         "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc:range=tv",
         "-c:v", "ffv1", str(path)]
    )  # fmt: skip
    return path


def curves(root: Path) -> None:
    image = patch_image(root / "patches.png")
    sdr = sdr_clip(root / "patches-sdr.mp4", image, seconds=1, tone=None)
    pq = hdr_clip(root / "patches-pq.mp4", sdr, "pq")
    reference = patch_means(_rgb(sdr, "format=yuv420p", (360, 640)))
    ramp = _ramp(root / "ramp.mkv")
    speed_clip = hdr_clip(root / "speed-pq.mp4", make_clip(root / "speed.mp4", seconds=2, audio=False), "pq")
    nits = np.linspace(0, 1000, 256)
    white = int(np.searchsorted(nits, 203))
    print("tone curve            patch diff  saturation  grey  SDR white -> level  highlights  CPU s/2 s")
    passthrough = patch_means(_rgb(pq, "format=yuv420p", (360, 640)))
    rows: dict[str, tuple[dict[str, np.ndarray], np.ndarray | None, float | None]] = {
        "no tone mapping": (passthrough, None, None)
    }
    for name, curve in CURVES.items():
        chain = _chain(curve)
        mapped = patch_means(_rgb(pq, chain, (360, 640)))
        levels = _rgb(ramp, chain, (256, 16))[8, :, 1]
        decode = [*ffmpeg.input_args(speed_clip), "-vf", chain, "-f", "null", "-"]
        cpu = _timed(lambda decode=decode: ffmpeg.run(decode))[1]
        rows[name] = (mapped, levels, cpu)
    for name, (shown, ramp_out, used) in rows.items():
        diff = np.mean([np.abs(shown[p] - reference[p]).mean() for p, _ in PATCHES])
        coloured = ("skin", "sky", "foliage", "red")
        kept = np.mean([saturation(shown[p]) / saturation(reference[p]) for p in coloured])
        extra = "-"
        if ramp_out is not None:
            extra = f"{ramp_out[white]:5.0f} {len(set(ramp_out[white:].astype(int))):11d}"
        spent = "-" if used is None else f"{used:.2f}"
        grey = shown["grey"].mean()
        print(f"{name:21s} {diff:10.1f}  {kept:10.2f}  {grey:4.0f}  {extra:>30s}  {spent:>9s}")


def speed(root: Path, seconds: float, rounds: int) -> None:
    sdr = make_clip(root / "sdr.mp4", seconds=seconds)
    print(f"making the HDR10 clip ({seconds:g} s 1080x1920, HEVC Main10)...", flush=True)
    hdr_clip(root / "hdr.mp4", sdr, "pq", crf=18)
    runs: dict[str, list[tuple[float, float]]] = {
        "sdr render": [],
        "hdr render": [],
        "hdr plain transcode": [],
    }
    for _ in range(rounds):
        for name, src in (("sdr render", "sdr.mp4"), ("hdr render", "hdr.mp4")):
            spec = parse_spec({"clips": [{"src": src}]})
            runs[name].append(_timed(lambda spec=spec, name=name: render(
                spec, root / f"{name[:3]}-out.mp4", resolve=local_resolver(root))))  # fmt: skip
        plain = [*ffmpeg.input_args(root / "hdr.mp4"), "-vf", "format=yuv420p", "-c:v", "libx264",
                 "-preset", "veryfast", "-crf", "20", "-c:a", "aac", str(root / "plain.mp4")]  # fmt: skip
        runs["hdr plain transcode"].append(_timed(lambda plain=plain: ffmpeg.run(plain)))
    base_wall = statistics.median(w for w, _ in runs["sdr render"])
    base_cpu = statistics.median(c for _, c in runs["sdr render"])
    for name, measured in runs.items():
        wall, cpu = statistics.median(w for w, _ in measured), statistics.median(c for _, c in measured)
        ratios = f"wall {wall:6.2f} s ({wall / base_wall:.2f}x)  CPU {cpu:6.2f} s ({cpu / base_cpu:.2f}x)"
        print(f"{name:20s} {ratios}")
    hdr = statistics.median(c for _, c in runs["hdr render"]) / base_cpu
    print(f"HDR render / SDR render (CPU) = {hdr:.2f} (target <= {TARGET})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1)
    opts = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="hdr-bench-") as tmp:
        root = Path(tmp)
        curves(root)
        speed(root, opts.seconds, opts.rounds)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
