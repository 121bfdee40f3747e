"""Text layers in the filter graph: server-drawn PNGs, animated by expressions of time.

Each caption line is a PNG drawn once by ``editor.text`` (user text only ever becomes pixels; the
graph holds numbers and server paths). A layer is looped for exactly its frames, placed in time
with ``setpts`` and composited with ``overlay``; before its first frame and after its last the
overlay passes the video through. Animation is done here, per frame, by ffmpeg:

* ``crop`` picks the karaoke state (the PNG stacks one row per highlighted word) and, for the
  typewriter, slides a window over a PNG padded with its own width of transparency;
* ``fade`` (alpha) fades; ``scale`` + ``pad`` pop; ``rotate`` wiggles; ``overlay``'s x/y slide
  and bounce. Expressions are built from numbers only.

The PNG is converted to yuva420p once, before ``loop``, and ``overlay`` blends in yuv420: with
``format=auto`` each overlay converted the whole 1080x1920 frame and back (7 ms a frame, each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from editor.plan.graph import Graph, Input, num

POP_OVERSHOOT = 1.12  # easeOutBack peaks ~10 % above full size
WIGGLE = 0.18  # radians of the first swing


@dataclass(frozen=True)
class Motion:
    kind: str  # pop, fade, slide_up, typewriter, bounce, wiggle
    duration: float


@dataclass(frozen=True)
class TextLayer:
    """One drawn line: where and when it shows, and how it moves."""

    png: Path
    size: tuple[int, int]  # one state's width and height
    at: tuple[int, int]  # top-left on the frame when settled
    start: float
    end: float
    enter: Motion | None = None
    leave: Motion | None = None
    travel: int = 0  # pixels a slide or bounce moves
    rows: tuple[tuple[float, float], ...] = ()  # karaoke: PNG row k+1 shows from..to (row 0 otherwise)
    reveal: tuple[tuple[float, int], ...] = ()  # typewriter: from time t on, w pixels show
    reveal_rtl: bool = False  # the typewriter reveals from the right edge

    def motions(self) -> set[str]:
        return {m.kind for m in (self.enter, self.leave) if m is not None}


def _progress(layer: TextLayer) -> tuple[str, str]:
    """0 -> 1 while entering; 1 -> 0 while leaving (1 when there is no such motion)."""
    p_in = p_out = "1"
    if layer.enter:
        p_in = f"clip((t-{num(layer.start)})/{num(layer.enter.duration)},0,1)"
    if layer.leave:
        p_out = f"clip(({num(layer.end)}-t)/{num(layer.leave.duration)},0,1)"
    return p_in, p_out


def _steps(base: int, changes: list[tuple[float, int]]) -> str:
    """A step function of t: ``base``, then each (time, value) from that time on."""
    terms, last = [str(base)], base
    for time, value in changes:
        if value != last:
            terms.append(f"{value - last}*gte(t,{num(time)})")
            last = value
    return "+".join(terms)


def _canvas(layer: TextLayer) -> tuple[int, int]:
    """Room for the layer at its largest (pop overshoot) and most tilted (wiggle)."""
    w, h = layer.size
    motions = layer.motions()
    if "wiggle" in motions:
        c, s = math.cos(WIGGLE), math.sin(WIGGLE)
        w, h = math.ceil(w * c + h * s), math.ceil(w * s + h * c)
    if "pop" in motions:
        w, h = math.ceil(w * POP_OVERSHOOT - 1e-6), math.ceil(h * POP_OVERSHOOT - 1e-6)
    return w + w % 2, h + h % 2


def layer_filters(layer: TextLayer, fps: float) -> tuple[list[str], tuple[int, int]]:
    """Filters on the PNG stream (after its input), and the size of what they output."""
    w, h = layer.size
    frames = max(1, round((layer.end - layer.start) * fps))
    filters = [
        "format=yuva420p",
        f"loop=loop={frames - 1}:size=1:start=0",
        f"setpts=N/{num(fps)}/TB+{num(layer.start, 6)}/TB",
    ]
    if layer.rows or layer.reveal:
        rows = [f"{k + 1}*gte(t,{num(a)})*lt(t,{num(b)})" for k, (a, b) in enumerate(layer.rows)]
        y = f"{h}*({'+'.join(rows)})" if rows else "0"
        x = "0"
        if layer.reveal:
            shown = _steps(0, list(layer.reveal))
            x = f"{w}-({shown})" if layer.reveal_rtl else shown
        filters.append(f"crop=w={w}:h={h}:x='{x}':y='{y}'")
    p_in, p_out = _progress(layer)
    for motion, kind in ((layer.enter, "in"), (layer.leave, "out")):
        if motion is None or motion.kind == "typewriter":
            continue
        quick = motion.kind in ("pop", "bounce", "wiggle")
        d = motion.duration / 3 if quick else motion.duration
        st = layer.start if kind == "in" else layer.end - d
        filters.append(f"fade=t={kind}:st={num(st, 6)}:d={num(d)}:alpha=1")
    cw, ch = _canvas(layer)
    motions = layer.motions()
    if "pop" in motions:
        grow = _pop(p_in) if layer.enter and layer.enter.kind == "pop" else "1"
        shrink = _smooth(p_out) if layer.leave and layer.leave.kind == "pop" else "1"
        s = f"({grow})*({shrink})"
        filters += [
            f"scale=w='max(2,trunc({w}*{s}/2)*2)':h='max(2,trunc({h}*{s}/2)*2)':eval=frame",
            f"pad=w={cw}:h={ch}:x='(ow-iw)/2':y='(oh-ih)/2':color=black@0:eval=frame",
        ]
    if "wiggle" in motions:
        swings = []
        if layer.enter and layer.enter.kind == "wiggle":
            swings.append(f"{WIGGLE}*sin({p_in}*PI*5)*(1-{p_in})")
        if layer.leave and layer.leave.kind == "wiggle":
            swings.append(f"{WIGGLE}*sin({p_out}*PI*5)*(1-{p_out})")
        filters.append(f"rotate=a='{'+'.join(swings)}':ow={cw}:oh={ch}:c=none")
    return filters, ((cw, ch) if motions & {"pop", "wiggle"} else (w, h))


def _pop(p: str) -> str:
    """easeOutBack: from nothing to a little too big, settling at full size."""
    return f"1+2.70158*pow({p}-1,3)+1.70158*pow({p}-1,2)"


def _smooth(p: str) -> str:
    return f"{p}*{p}*(3-2*{p})"


def overlay_position(layer: TextLayer, canvas: tuple[int, int]) -> tuple[str, str]:
    """Overlay x and y expressions: the settled place, minus the canvas margin, plus the motion."""
    w, h = layer.size
    x0 = layer.at[0] - (canvas[0] - w) // 2
    y0 = layer.at[1] - (canvas[1] - h) // 2
    x = str(x0)
    if layer.reveal:
        shown = _steps(0, list(layer.reveal))
        x = f"{x0}+{w}-({shown})" if layer.reveal_rtl else f"{x0}-{w}+({shown})"
    p_in, p_out = _progress(layer)
    d = layer.travel
    offsets = []
    if layer.enter and layer.enter.kind == "slide_up":
        offsets.append(f"{d}*pow(1-{p_in},3)")
    if layer.enter and layer.enter.kind == "bounce":
        offsets.append(f"-{2 * d}*pow(1-{p_in},2)*abs(cos({p_in}*PI*2.5))")
    if layer.leave and layer.leave.kind in ("slide_up", "bounce"):
        offsets.append(f"-{d}*pow(1-{p_out},2)")
    y = f"{y0}+" + "+".join(offsets) if offsets else str(y0)
    return x, y


def add_text_layer(g: Graph, video: str, layer: TextLayer, fps: float) -> str:
    """Composite one layer over ``video``; returns the new video label."""
    k = g.add_input(Input(layer.png, demuxer="png_pipe"))
    filters, canvas = layer_filters(layer, fps)
    text = g.chain([f"{k}:v"], filters, "tl")
    x, y = overlay_position(layer, canvas)
    return g.chain([video, text], [f"overlay=x='{x}':y='{y}':eof_action=pass:format=yuv420"], "text")
