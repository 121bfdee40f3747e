"""Composition, pure: the spec's layers plus those its ``layout`` shorthand expands to, and the box
the clip sequence fills. Pixel rectangles for boxes. No IO, no graph here.

A duet puts the borrowed video (``with``) on ``side`` and the creator's clips in the rest: left and
right keep both at the output's aspect, side by side and centred (black above and below), top and
bottom fill their part. Both play from the start for the whole length of the creator's timeline; a
shorter borrowed video holds its last frame (it does not loop: a restart would replay its sound
from the top in the middle of the answer). A react puts it in a corner, rounded, with a thin
border. ``green_screen`` gives every clip a ``background`` effect that replaces what is behind the
creator with the borrowed video (``editor.face.hooks``); its layer is invisible and only plays
the borrowed video's sound.
"""

from __future__ import annotations

from dataclasses import dataclass

from editor.spec import Border, Box, DuetLayout, EditSpec, Layer, Output, ReactLayout

REACT_MARGIN = 0.03  # of the frame width, on every side
REACT_RADIUS = 0.02
REACT_BORDER = Border(width=0.004, color="#ffffff")


@dataclass(frozen=True)
class Placed:
    """A layer to draw, with the spec fields that name it in errors (``layers[2]``, ``layout``)."""

    field: str
    src_field: str
    layer: Layer


@dataclass(frozen=True)
class Rect:
    """A box in output pixels (even sizes, inside the frame)."""

    x: int
    y: int
    w: int
    h: int


def placed_layers(spec: EditSpec) -> tuple[Placed, ...]:
    """The layout's layer (if any) first, then the spec's own, in list order."""
    own = tuple(Placed(f"layers[{i}]", f"layers[{i}].src", layer) for i, layer in enumerate(spec.layers))
    layout = spec.layout
    if layout is None:
        return own
    if isinstance(layout, DuetLayout):
        box = _duet_boxes(layout)[0]
        layer = Layer(src=layout.with_, box=box, fit="cover", volume=layout.volume, z=0)
    elif isinstance(layout, ReactLayout):
        layer = Layer(
            src=layout.with_,
            box=_react_box(layout, spec.output),
            radius=REACT_RADIUS,
            border=REACT_BORDER,
            volume=layout.volume,
            z=50,
        )
    else:  # green_screen: the clips' background effect draws it; this silent layer carries its sound
        layer = Layer(src=layout.with_, opacity=0.0, volume=layout.volume, z=0)
    return (Placed("layout", "layout.with", layer), *own)


def sequence_box(spec: EditSpec) -> Box | None:
    """Where the clip sequence goes; None when it fills the frame."""
    if isinstance(spec.layout, DuetLayout):
        return _duet_boxes(spec.layout)[1]
    return None


def rect(box: Box, out: Output) -> Rect:
    """``box`` in pixels of ``out``: even sizes of at least 2, never past the frame's edge."""
    x = min(round(box.x * out.width), out.width - 2)
    y = min(round(box.y * out.height), out.height - 2)
    w = max(2, min(round(box.w * out.width / 2) * 2, (out.width - x) // 2 * 2))
    h = max(2, min(round(box.h * out.height / 2) * 2, (out.height - y) // 2 * 2))
    return Rect(x, y, w, h)


def _duet_boxes(layout: DuetLayout) -> tuple[Box, Box]:
    """(the borrowed video's box, the creator's)."""
    r = layout.ratio
    if layout.side in ("left", "right"):
        theirs = Box(x=0.0, y=(1 - r) / 2, w=r, h=r)
        mine = Box(x=r, y=r / 2, w=1 - r, h=1 - r)
        if layout.side == "right":
            theirs, mine = theirs.model_copy(update={"x": 1 - r}), mine.model_copy(update={"x": 0.0})
        return theirs, mine
    top, bottom = Box(y=0.0, h=r), Box(y=r, h=1 - r)
    if layout.side == "bottom":
        top, bottom = Box(y=0.0, h=1 - r), Box(y=1 - r, h=r)
        return bottom, top
    return top, bottom


def _react_box(layout: ReactLayout, out: Output) -> Box:
    """A corner box of the output's aspect, ``size`` of the frame wide, a margin from the edges."""
    size, mx = layout.size, REACT_MARGIN
    my = REACT_MARGIN * out.width / out.height
    x = mx if layout.corner.endswith("left") else 1 - mx - size
    y = my if layout.corner.startswith("top") else 1 - my - size
    return Box(x=x, y=y, w=size, h=size)
