"""Draw one laid-out line to RGBA images: pill, shadow, outline, fill, colour emoji.

Called once per caption line, never per frame: karaoke needs one image per state (each word
highlighted in turn), which only recolours the fill; everything else is drawn once. Outlines and
shadows follow the text, never the emoji (apps leave emoji as they are).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from editor.text.layout import Line, Measure, Run

RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class Look:
    """The drawing parameters of one text item, in pixels."""

    size: int
    color: RGBA
    highlight: RGBA
    line_height: int
    stroke: tuple[RGBA, int] | None = None  # colour, width
    shadow: tuple[RGBA, int, int, float] | None = None  # colour, dx, dy, blur radius
    background: tuple[RGBA, int, float] | None = None  # colour, horizontal padding, corner radius (0..0.5)

    @property
    def margin(self) -> int:
        """Room around the line box for the outline and the shadow."""
        room = self.stroke[1] if self.stroke else 0
        if self.shadow:
            _, dx, dy, blur = self.shadow
            room = max(room, max(abs(dx), abs(dy)) + math.ceil(blur * 3) + room)
        return room + 2

    @property
    def padding(self) -> int:
        return self.background[1] if self.background else 0


@dataclass(frozen=True)
class Drawn:
    """A line's images (state 0 plain, state k: the line's k-th piece highlighted) and geometry."""

    images: tuple[Image.Image, ...]
    pieces: tuple[int, ...]  # the piece highlighted in states 1..n
    box: tuple[int, int, int, int]  # the line box (pill) inside each image: left, top, right, bottom


def _paint(img: Image.Image, mask: Image.Image, rgba: RGBA) -> None:
    layer = Image.new("RGBA", img.size, (*rgba[:3], 0))
    layer.putalpha(mask if rgba[3] == 255 else mask.point(lambda v: v * rgba[3] // 255))
    img.alpha_composite(layer)


def _emoji(run: Run, m: Measure) -> tuple[Image.Image, int, int]:
    """The emoji run drawn at its bitmap strike and scaled: image, left and top offsets from the origin."""
    font = run.face.font(m.size)
    left, top, right, bottom = (int(v) for v in font.getbbox(run.text, anchor="ls"))
    big = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
    ImageDraw.Draw(big).text((-left, -top), run.text, font=font, anchor="ls", embedded_color=True)
    k = run.face.scale(m.size)
    small = big.resize(
        (max(1, round(big.width * k)), max(1, round(big.height * k))), Image.Resampling.LANCZOS
    )
    return small, round(left * k), round(top * k)


def _shape(mask: Image.Image, origin: tuple[float, float], run: Run, size: int, stroke: int = 0) -> None:
    """The run's glyphs (and outline) into ``mask``; raqm shapes and orders them."""
    direction = "rtl" if run.rtl else "ltr"
    font = run.face.font(size)
    draw = ImageDraw.Draw(mask)
    draw.text(
        origin, run.text, 255, font, "ls", direction=direction, language=run.language, stroke_width=stroke
    )


def draw_line(line: Line, look: Look, m: Measure, *, karaoke: bool = False) -> Drawn:
    pad, margin = look.padding, look.margin
    box_w, box_h = math.ceil(line.width) + 2 * pad, look.line_height
    size = (box_w + 2 * margin, box_h + 2 * margin)
    baseline = margin + (box_h - (line.ascent + line.descent)) / 2 + line.ascent
    x0 = margin + pad
    fills: dict[int, Image.Image] = {}
    outline = Image.new("L", size, 0)
    emoji = Image.new("RGBA", size, (0, 0, 0, 0))
    for run in line.runs:
        if not run.text.strip():
            continue
        if run.face.emoji:
            small, left, top = _emoji(run, m)
            emoji.alpha_composite(small, (round(x0 + run.x + left), round(baseline + top)))
            continue
        origin = (x0 + run.x, baseline)
        _shape(fills.setdefault(run.piece, Image.new("L", size, 0)), origin, run, m.size)
        if look.stroke:
            _shape(outline, origin, run, m.size, look.stroke[1])
    ink = Image.new("L", size, 0)
    for mask in fills.values():
        ink = ImageChops.lighter(ink, mask)
    under = Image.new("RGBA", size, (0, 0, 0, 0))
    if look.background:
        color, _, radius = look.background
        pill = Image.new("L", size, 0)
        right, bottom = margin + box_w - 1, margin + box_h - 1
        ImageDraw.Draw(pill).rounded_rectangle(
            (margin, margin, right, bottom), radius=round(radius * box_h), fill=255
        )
        _paint(under, pill, color)
    if look.shadow:
        color, dx, dy, blur = look.shadow
        shape = ImageChops.lighter(ImageChops.lighter(ink, outline), emoji.getchannel("A"))
        shifted = ImageChops.offset(shape, dx, dy)
        _paint(under, shifted.filter(ImageFilter.GaussianBlur(blur)) if blur > 0 else shifted, color)
    if look.stroke:
        _paint(under, outline, look.stroke[0])
    pieces = line.pieces if karaoke else ()
    images = []
    for lit in (None, *pieces):
        img = under.copy()
        if lit is None or lit not in fills:
            _paint(img, ink, look.color)
        else:
            _paint(img, ImageChops.subtract(ink, fills[lit]), look.color)
            _paint(img, fills[lit], look.highlight)
        img.alpha_composite(emoji)
        images.append(img)
    return Drawn(tuple(images), pieces, (margin, margin, margin + box_w, margin + box_h))
