"""Test and benchmark clips for the ML looks, from real photos (the scikit-image astronaut and
matplotlib's Grace Hopper) moved by ffmpeg: a portrait crossing a wide frame, a still portrait."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from editor import ffmpeg
from editor.plan.graph import num


def photo(name: str, folder: Path) -> Path:
    """``astronaut`` or ``grace_hopper`` as a PNG in ``folder`` (made once)."""
    path = folder / f"{name}.png"
    if not path.exists():
        if name == "astronaut":
            from skimage import data

            img = np.ascontiguousarray(data.astronaut())
        else:
            import matplotlib.cbook as cbook

            img = np.array(
                Image.open(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))).convert("RGB")
            )
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(path)
    return path


def crossing(
    path: Path, *, width: int = 1920, height: int = 1080, seconds: float = 6.0, fps: int = 30, side: int = 480
) -> Path:
    """The astronaut photo (``side`` px square) crossing a textured ``width`` x ``height`` frame from
    left to right at mid height: its x is ``(width - side) * t / seconds``."""
    src = photo("astronaut", path.parent)
    travel = width - side
    graph = (
        f"cellauto=s={width}x{height}:rate={fps}:rule=110,format=yuv420p,"
        f"colorchannelmixer=rr=0.3:gg=0.4:bb=0.5,trim=duration={num(seconds)}[bg];"
        f"[0:v]scale={side}:{side}[p];"
        f"[bg][p]overlay=x='{travel}*t/{num(seconds)}':y={(height - side) // 2}:eval=frame:shortest=1,"
        "format=yuv420p[v]"
    )
    ffmpeg.run(
        [
            *ffmpeg.input_args(src, before=["-loop", "1", "-framerate", str(fps)]),
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-t",
            num(seconds),
            "-r",
            str(fps),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "20",
            "-an",
            f"file:{path}",
        ]
    )
    return path


def still_clip(
    path: Path, name: str, *, seconds: float = 2.0, fps: int = 30, size: int = 512, noise: int = 0
) -> Path:
    """The photo held still for ``seconds`` as a ``size`` x ``size`` video (a person against a scene),
    with ``noise`` (0-100) of temporal grain like a phone sensor's."""
    grain = f",noise=alls={noise}:allf=t" if noise else ""
    src = photo(name, path.parent)
    ffmpeg.run(
        [
            *ffmpeg.input_args(src, before=["-loop", "1", "-framerate", str(fps)]),
            "-vf",
            f"scale={size}:{size}{grain},format=yuv420p",
            "-t",
            num(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "16",
            "-an",
            f"file:{path}",
        ]
    )
    return path


def sequence(path: Path, parts: list[Path]) -> Path:
    """``parts`` (same size and rate) played one after another."""
    inputs = [arg for p in parts for arg in ffmpeg.input_args(p)]
    chain = "".join(f"[{i}:v]" for i in range(len(parts))) + f"concat=n={len(parts)}:v=1:a=0"
    ffmpeg.run(
        [
            *inputs,
            "-filter_complex",
            chain,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "16",
            "-an",
            f"file:{path}",
        ]
    )
    return path
