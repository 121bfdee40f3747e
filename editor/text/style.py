"""Resolving a text style: the defaults, the safe area, legacy overlay fields, then pixels.

The safe area is where short-form apps leave the picture alone: the bottom fifth holds the
caption, the sound and the profile, the right edge holds the like/comment/share buttons. Text is
placed inside it unless ``safe_area`` is false (then ``x``/``y`` may put it anywhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from editor.text.models import Animation, Background, Shadow, Stroke, TextOverlay, TextStyle
from editor.text.raster import RGBA, Look

SAFE = (0.06, 0.08, 0.88, 0.80)  # left, top, right, bottom, as fractions of the frame
POSITION_Y = {"top": 0.16, "center": 0.5, "bottom": 0.74}
CAPTION_Y = 0.70
DEFAULTS: dict[str, Any] = {
    "font": "sans",
    "weight": "bold",
    "size": 1.0,
    "color": "#ffffff",
    "highlight": "#ffd60a",
    "stroke": Stroke(color="#000000b3", width=0.07),
    "shadow": None,
    "background": None,
    "align": "center",
    "x": None,
    "y": None,
    "rotation": 0.0,
    "max_width": SAFE[2] - SAFE[0],
    "line_spacing": 1.2,
    "direction": "auto",
    "safe_area": True,
    "animation": Animation(),
    "karaoke": False,
}
BOX = Background(color="#00000073", padding=0.33, radius=0.25)  # the legacy ``box: true``


def rgba(color: str) -> RGBA:
    value = color.lstrip("#")
    alpha = int(value[6:8], 16) if len(value) == 8 else 255
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha


@dataclass(frozen=True)
class Resolved:
    """Every style field with a value (nothing left to presets or defaults)."""

    font: str
    weight: str
    size: float
    color: str
    highlight: str
    stroke: Stroke | None
    shadow: Shadow | None
    background: Background | None
    align: str
    x: float | None
    y: float
    rotation: float
    max_width: float
    line_spacing: float
    direction: str
    safe_area: bool
    animation: Animation
    karaoke: bool

    def look(self, frame_height: int, line_height: int) -> Look:
        px = font_px(self.size, frame_height)
        stroke = (rgba(self.stroke.color), round(self.stroke.width * px)) if self.stroke else None
        shadow = None
        if self.shadow:
            s = self.shadow
            shadow = (rgba(s.color), round(s.x * px), round(s.y * px), s.blur * px)
        background = None
        if self.background:
            b = self.background
            background = (rgba(b.color), round(b.padding * px), b.radius)
        return Look(px, rgba(self.color), rgba(self.highlight), line_height, stroke, shadow, background)


def font_px(size: float, frame_height: int) -> int:
    return max(8, round(frame_height / 22 * size))


def resolve(style: TextStyle, *, default_y: float = CAPTION_Y) -> Resolved:
    """The style's explicit fields over the defaults (presets are already merged into ``style``)."""
    values = dict(DEFAULTS)
    values.update({k: getattr(style, k) for k in style.model_fields_set if k in DEFAULTS})
    for key, value in values.items():  # an explicit null on a plain field means "the default"
        if value is None and key not in ("stroke", "shadow", "background", "x", "y"):
            values[key] = DEFAULTS[key]
    if isinstance(style, TextOverlay):
        if style.box and "background" not in style.model_fields_set:
            values["background"] = BOX
        if values["y"] is None:
            values["y"] = POSITION_Y[style.position or "bottom"]
    if values["y"] is None:
        values["y"] = default_y
    return Resolved(**values)


def place_block(
    r: Resolved, width: float, height: float, frame: tuple[int, int], rtl: bool
) -> tuple[float, float, str]:
    """Top-left corner of a text block of ``width`` x ``height`` pixels, and its line alignment."""
    fw, fh = frame
    align = {"start": "right" if rtl else "left", "end": "left" if rtl else "right"}.get(r.align, r.align)
    left_edge, top_edge, right_edge, bottom_edge = SAFE if r.safe_area else (0.0, 0.0, 1.0, 1.0)
    default_x = {"left": left_edge, "right": right_edge, "center": (left_edge + right_edge) / 2}[align]
    anchor = (r.x if r.x is not None else default_x) * fw
    left = {"left": anchor, "right": anchor - width, "center": anchor - width / 2}[align]
    top = r.y * fh - height / 2
    if r.safe_area:
        left = _clamp(left, width, left_edge * fw, right_edge * fw)
        top = _clamp(top, height, top_edge * fh, bottom_edge * fh)
    return left, top, align


def _clamp(start: float, size: float, low: float, high: float) -> float:
    if size >= high - low:
        return low + (high - low - size) / 2
    return min(max(start, low), high - size)
