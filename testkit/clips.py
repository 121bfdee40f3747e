"""One-colour clips made by ffmpeg, with a tone: which source a region of a frame came from, and
which sound is in a mix, are then plain to measure (tests and benchmarks of composition)."""

from __future__ import annotations

from pathlib import Path

from editor import ffmpeg
from editor.plan.graph import num


def solid_clip(
    path: Path,
    rgb: tuple[int, int, int],
    *,
    seconds: float = 2.0,
    size: tuple[int, int] = (270, 480),
    fps: float = 30,
    tone: float = 300.0,
) -> Path:
    """An H.264 + AAC clip of one colour and a sine ``tone`` (Hz) at a moderate level."""
    color = "0x{:02x}{:02x}{:02x}".format(*rgb)
    graph = (
        f"color=c={color}:s={size[0]}x{size[1]}:r={num(fps)}:d={num(seconds)},format=yuv420p[v];"
        f"sine=f={num(tone)}:d={num(seconds)},volume=0.3[a]"
    )
    maps = ["-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]
    ffmpeg.run(["-filter_complex", graph, *maps, str(path)])
    return path
