"""Pure: prepared face layers -> ffmpeg filter-graph chains (no IO, no MediaPipe).

Stickers: a PNG input, looped, through ``scale`` -> ``colorchannelmixer`` (fade) -> ``rotate`` on
a fixed canvas (big enough for every frame's size and angle), overlaid on the clip;
``sendcmd`` scripts written by ``prepare_faces``
feed every frame's size, angle, opacity and position. Region effects (blur, pixelate, beauty, lip
tint): the clip is split, one copy is processed, and a low-resolution mask video, scaled up,
becomes that copy's alpha before it is overlaid on the clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from editor.plan.graph import Graph, Input, escape_value, num


@dataclass(frozen=True)
class StickerFace:
    """One sticker on one face: filter instance name prefix, the two command scripts, first values."""

    name: str
    sticker_cmds: Path  # scale / colorchannelmixer / rotate, on the sticker branch
    overlay_cmds: Path  # overlay x / y, on the clip branch
    first: tuple[int, int, float, float, int, int]  # w, h, angle, alpha, x, y at frame 0


@dataclass(frozen=True)
class StickerLayer:
    png: Path  # server-written RGBA PNG, already at the largest size needed
    canvas: tuple[int, int]  # the rotated sticker is drawn on this, centred (fits every frame's angle)
    faces: tuple[StickerFace, ...]


@dataclass(frozen=True)
class MaskLayer:
    """A region effect: ``filters`` make the processed copy; ``mask`` is its alpha."""

    kind: str
    mask: Path
    filters: tuple[str, ...]


Layer = StickerLayer | MaskLayer


@dataclass(frozen=True)
class FacePlan:
    """Everything ``face_filters`` needs; built by ``prepare_faces``."""

    width: int
    height: int
    fps: Fraction
    layers: tuple[Layer, ...]


def _rate(fps: Fraction) -> str:
    return f"{fps.numerator}/{fps.denominator}"


def add_layers(plan: FacePlan, g: Graph, src: str) -> str:
    """Chain every layer of ``plan`` after ``src`` in ``g``; returns the output label."""
    current = src
    for layer in plan.layers:
        if isinstance(layer, MaskLayer):
            current = _mask_chain(plan, layer, g, current)
        else:
            current = _sticker_chain(plan, layer, g, current)
    return current


def _mask_chain(plan: FacePlan, layer: MaskLayer, g: Graph, src: str) -> str:
    idx = g.add_input(Input(layer.mask, demuxer="matroska"))
    base, work = g.label("fb"), g.label("fw")
    g.chains.append(f"[{src}]split=2[{base}][{work}]")
    effect = g.chain([work], list(layer.filters), "fx")
    mask = g.chain(
        [f"{idx}:v"],
        [
            "settb=AVTB",
            f"setpts=(N-0.25)/({_rate(plan.fps)})/TB",
            f"scale={plan.width}:{plan.height}:flags=bilinear",
            "format=gray",
        ],
        "fm",
    )
    alpha = g.chain([effect, mask], ["alphamerge"], "fa")
    return g.chain([base, alpha], ["overlay=format=auto:eof_action=pass"], "fo")


def _sticker_chain(plan: FacePlan, layer: StickerLayer, g: Graph, src: str) -> str:
    idx = g.add_input(Input(layer.png, demuxer="png_pipe"))
    rate = _rate(plan.fps)
    looped = g.chain(
        [f"{idx}:v"], ["format=rgba", "loop=loop=-1:size=1:start=0", f"setpts=N/({rate})/TB"], "sl"
    )
    branches = [looped]
    if len(layer.faces) > 1:
        branches = [g.label("sb") for _ in layer.faces]
        g.chains.append(f"[{looped}]split={len(layer.faces)}" + "".join(f"[{b}]" for b in branches))
    current = src
    cw, ch = layer.canvas
    for face, branch in zip(layer.faces, branches, strict=True):
        w, h, angle, alpha, x, y = face.first
        sticker = g.chain(
            [branch],
            [
                f"sendcmd=f={escape_value(str(face.sticker_cmds))}",
                f"scale@{face.name}s=w={w}:h={h}:flags=bicubic",
                f"colorchannelmixer@{face.name}a=aa={num(alpha, 3)}",
                f"rotate@{face.name}r=a={num(angle, 5)}:ow={cw}:oh={ch}:c=none",
                "format=yuva420p",
            ],
            "st",
        )
        cued = g.chain([current], [f"sendcmd=f={escape_value(str(face.overlay_cmds))}"], "sc")
        current = g.chain(
            [cued, sticker],
            [f"overlay@{face.name}o=x={x}:y={y}:eval=frame:format=auto:shortest=1"],
            "so",
        )
    return current
