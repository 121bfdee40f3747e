"""Per-clip video chains: trim, speed, frame rate, fit to the output frame, clip effects."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from editor.effects import EffectContext
from editor.plan.graph import Graph, num
from editor.spec import Clip, Output


def fit_filters(g: Graph, src: str, fit: str, out: Output) -> str:
    """Scale ``src`` into the output frame: crop to fill, pad to fit, or over a blurred copy of itself."""
    w, h = out.width, out.height
    if fit in ("cover", "smart"):  # smart: the reframe hook already cropped to the aspect
        return g.chain([src], [f"scale={w}:{h}:force_original_aspect_ratio=increase", f"crop={w}:{h}"], "fit")
    contained = f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2"
    if fit == "contain":
        return g.chain([src], [contained, f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black"], "fit")
    # blur_fill: blur a small copy (cheap), scale it up as the background, the whole clip on top.
    bw, bh = max(2, w // 8 // 2 * 2), max(2, h // 8 // 2 * 2)
    bg_src, fg_src = g.label("bgsrc"), g.label("fgsrc")
    g.chains.append(f"[{src}]split=2[{bg_src}][{fg_src}]")
    bg = g.chain(
        [bg_src],
        [
            f"scale={bw}:{bh}:force_original_aspect_ratio=increase",
            f"crop={bw}:{bh}",
            "gblur=sigma=4",
            f"scale={w}:{h}",
            "eq=brightness=-0.06",
        ],
        "bg",
    )
    fg = g.chain([fg_src], [contained], "fg")
    return g.chain([bg, fg], ["overlay=(W-w)/2:(H-h)/2"], "fit")


def clip_video(
    g: Graph,
    stream: str,
    clip: Clip,
    *,
    still: bool,
    duration: float,
    out: Output,
    luts: Mapping[str, Path],
    face: str | None = None,
) -> str:
    """The clip's frames at the output size and rate, ``duration`` seconds long, effects applied.

    ``face`` is an optional hook label: when given, it is where face filters were attached (they
    run on source frames before speed and fit); callers pass the stream label those returned.
    """
    fps = num(out.fps)
    if still:
        frames = max(1, round(duration * out.fps))
        fitted = fit_filters(g, stream, clip.fit, out)
        label = g.chain(
            [fitted],
            [
                "setsar=1",
                "format=yuv420p",
                "settb=AVTB",  # a HEIF grid comes in a 1 s time base, where N/30 s rounds to 0
                f"loop=loop={frames - 1}:size=1:start=0",
                f"setpts=N/({fps}*TB)",
                f"fps={fps}",
            ],
            "still",
        )
    else:
        speed = [f"setpts=PTS/{num(clip.speed)}"] if clip.speed != 1 else []
        timed = g.chain([face or stream], [*speed, f"fps={fps}:start_time=0"], "timed")
        fitted = fit_filters(g, timed, clip.fit, out)
        label = g.chain([fitted], ["setsar=1", "format=yuv420p"], "clip")
    ctx = EffectContext(width=out.width, height=out.height, fps=out.fps, duration=duration, luts=luts)
    for effect in clip.effects:
        if not effect.source_stage:  # e.g. background: hooked on the source frames
            label = effect.apply(g, label, ctx)
    return label
