"""Layers in the graph: each layer's frames fitted to its box, shaped (opacity, rounded corners,
border), shifted to its start and overlaid on the clip sequence; each layer's own sound.

Everything stays in the one filter graph. Masks are computed once (a single generated frame,
then repeated), so rounded corners cost one overlay per frame, not a per-pixel expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from editor.effects import EffectContext
from editor.plan.audio import FORMAT, FROM_TRIM, RATE, atempo_chain
from editor.plan.graph import Graph, num
from editor.plan.layout import Rect, rect
from editor.plan.timeline import LayerTiming
from editor.plan.video import fit_filters
from editor.spec import Box, Output


@dataclass(frozen=True)
class Drawn:
    """Frames ready to overlay: ``label`` (already timed: empty outside its span) at ``at`` pixels."""

    label: str
    at: tuple[int, int]


def layer_video(
    g: Graph, stream: str, timing: LayerTiming, out: Output, luts: Mapping[str, Path]
) -> list[Drawn]:
    """The layer (and its border, drawn first) as labels to overlay, in order."""
    layer = timing.layer
    box = rect(layer.box, out)
    fps = num(out.fps)
    frames = max(1, round(timing.duration * out.fps))
    drawn: list[Drawn] = []
    inner = box
    if layer.border is not None:
        b = max(1, round(layer.border.width * out.width))
        b = min(b, (box.w - 2) // 2, (box.h - 2) // 2)
        color = g.source(
            [f"color=c=0x{layer.border.color[1:]}:s={box.w}x{box.h}:r={fps}", "trim=end_frame=1"]
        )
        frame = _shaped(g, color, box, layer.radius * out.width, layer.opacity)
        drawn.append(Drawn(_hold(g, frame, frames, fps, timing.start), (box.x, box.y)))
        inner = Rect(box.x + b, box.y + b, box.w - 2 * b, box.h - 2 * b)
    size = out.model_copy(update={"width": inner.w, "height": inner.h})
    if timing.still:  # one frame, repeated: the layer's frames from 0, like a video's
        fitted = fit_filters(g, stream, layer.fit, size)
        repeat = ["settb=AVTB", f"loop=loop={frames - 1}:size=1:start=0", f"setpts=N/({fps}*TB)"]
        label = g.chain([fitted], ["setsar=1", "format=yuv420p", *repeat], "lstill")
    else:
        speed = [f"setpts=PTS/{num(layer.speed)}"] if layer.speed != 1 else []
        timed = g.chain([stream], [*speed, f"fps={fps}:start_time=0"], "ltimed")
        hold = [f"tpad=stop_mode=clone:stop_duration={num(timing.hold, 6)}"] if timing.hold > 0 else []
        fitted = fit_filters(g, timed, layer.fit, size)
        label = g.chain([fitted], ["setsar=1", "format=yuv420p", *hold, f"trim=end_frame={frames}"], "layer")
    ctx = EffectContext(width=inner.w, height=inner.h, fps=out.fps, duration=timing.duration, luts=luts)
    for effect in layer.effects:
        label = effect.apply(g, label, ctx)
    radius = max(0.0, layer.radius * out.width - (inner.x - box.x))
    if _needs_mask(radius, layer.opacity):
        mask = _hold(g, _mask(g, inner, radius, layer.opacity), frames, fps, 0.0)
        label = g.chain([label, mask], ["alphamerge"], "lshaped")
    if timing.start:
        label = g.chain([label], [f"setpts=PTS+{num(timing.start, 6)}/TB"], "lat")
    drawn.append(Drawn(label, (inner.x, inner.y)))
    return drawn


def canvas(g: Graph, out: Output, duration: float) -> str:
    """A black frame of the output size for the whole video, under a boxed sequence or low layers."""
    size = f"{out.width}x{out.height}"
    return g.source(
        [f"color=c=black:s={size}:r={num(out.fps)}:d={num(duration, 6)}", "format=yuv420p"], "canvas"
    )


def overlay(g: Graph, base: str, item: Drawn) -> str:
    """Draw ``item`` over ``base``; outside its time the base passes through untouched."""
    x, y = item.at
    return g.chain([base, item.label], [f"overlay=x={x}:y={y}:eof_action=pass"], "comp")


def place(g: Graph, base: str, sequence: str, box: Box, out: Output) -> str:
    """The clip sequence, already fitted to ``box``, placed on ``base``."""
    at = rect(box, out)
    return overlay(g, base, Drawn(sequence, (at.x, at.y)))


def layer_audio(g: Graph, stream: str, timing: LayerTiming, duration: float) -> str:
    """The layer's own sound, placed at its start, silent where it has none, ``duration`` long."""
    layer = timing.layer
    delay = round(timing.start * 1000)
    gain = [f"volume={num(layer.volume)}"] if layer.volume != 1 else []
    return g.chain(
        [stream],
        [
            FROM_TRIM,
            *atempo_chain(layer.speed),
            f"aresample={RATE}",
            FORMAT,
            *gain,
            f"atrim=duration={num(timing.duration, 6)}",
            *([f"adelay={delay}:all=1"] if delay else []),
            f"apad=whole_dur={num(duration, 6)}",
            f"atrim=duration={num(duration, 6)}",
        ],
        "alayer",
    )


def _needs_mask(radius: float, opacity: float) -> bool:
    return radius >= 0.5 or opacity < 1.0


def _mask(g: Graph, box: Rect, radius: float, opacity: float) -> str:
    """One grey frame: ``255 * opacity`` inside a rounded rectangle (anti-aliased edge), 0 outside."""
    w, h = box.w, box.h
    r = min(radius, w / 2, h / 2)
    level = num(255 * opacity, 3)
    if r < 0.5:
        expr = level
    else:
        rr = num(r, 3)
        cx, cy = f"clip(X,{rr},{num(w - 1 - r, 3)})", f"clip(Y,{rr},{num(h - 1 - r, 3)})"
        expr = f"{level}*clip({num(r + 0.5, 3)}-hypot(X-{cx},Y-{cy}),0,1)"
    return g.source(
        [f"color=c=black:s={w}x{h}:r=1", "trim=end_frame=1", "format=gray", f"geq=lum='{expr}'"], "mask"
    )


def _shaped(g: Graph, frame: str, box: Rect, radius: float, opacity: float) -> str:
    """A single frame with the mask as its alpha."""
    return g.chain([frame, _mask(g, box, radius, opacity)], ["alphamerge"], "shaped")


def _hold(g: Graph, frame: str, frames: int, fps: str, start: float) -> str:
    """A single frame repeated ``frames`` times at ``fps`` from ``start`` on (computed once)."""
    shift = f"+{num(start, 6)}/TB" if start else ""
    return g.chain([frame], [f"loop=loop={frames - 1}:size=1:start=0", f"setpts=N/({fps}*TB){shift}"], "held")
