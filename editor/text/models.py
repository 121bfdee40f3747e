"""The text part of the edit spec: creator text styles, animations, timed captions.

Every style field is optional: an unset field comes from the text-style preset named by ``style``,
then from the defaults in ``editor.text.style``. ``stroke``, ``shadow`` and ``background`` set
to ``null`` explicitly switch a preset's decoration off.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from editor.names import unknown_name
from editor.text.fonts import FAMILIES
from editor.walk import source

MAX_TEXT = 500  # characters of one overlay or caption cue
MAX_SECONDS = 86_400.0  # the bound of every time in a spec: a day, far past any accepted media

PresetId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")


def _color(value: str) -> str:
    if not _COLOR.match(value):
        raise ValueError("must be a colour like '#ffcc00' (or '#ffcc0080' with opacity)")
    return value.lower()


Color = Annotated[str, AfterValidator(_color), Field(description="'#rrggbb' or '#rrggbbaa'")]
Fraction = Annotated[float, Field(ge=-0.5, le=1.5, description="a fraction of the frame")]
AnimationName = Literal["none", "pop", "fade", "slide_up", "typewriter", "bounce", "wiggle"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Stroke(_Model):
    color: Color = "#000000"
    width: float = Field(0.08, ge=0.0, le=0.3, description="outline width, in font sizes (em)")


class Shadow(_Model):
    color: Color = "#000000b3"
    x: float = Field(0.03, ge=-0.5, le=0.5, description="offset in em")
    y: float = Field(0.05, ge=-0.5, le=0.5, description="offset in em")
    blur: float = Field(0.04, ge=0.0, le=0.5, description="blur radius in em (a glow when large)")


class Background(_Model):
    """The rounded box behind each line ("pill"), as wide as that line's text."""

    color: Color = "#000000a6"
    padding: float = Field(0.35, ge=0.0, le=2.0, description="left and right padding in em")
    radius: float = Field(0.5, ge=0.0, le=0.5, description="corner radius, a fraction of the line height")


class Animation(_Model):
    in_: AnimationName = Field("none", alias="in", description="how the text enters")
    out: AnimationName = Field("none", description="how the text leaves")
    duration: float | None = Field(
        None, gt=0.0, le=10.0, description="seconds of each; typewriter default: by text length"
    )


class TextStyle(_Model):
    style: PresetId | None = Field(None, description="a text-style preset (presets/text) this builds on")
    font: str | None = Field(None, description=f"one of {', '.join(FAMILIES)}")
    weight: Literal["regular", "bold"] | None = None
    size: float | None = Field(None, ge=0.3, le=3.0, description="1.0 = a 22nd of the frame height")
    color: Color | None = None
    highlight: Color | None = Field(None, description="karaoke: colour of the word being spoken")
    stroke: Stroke | None = None
    shadow: Shadow | None = None
    background: Background | None = None
    align: Literal["left", "center", "right", "start", "end"] | None = Field(
        None, description="start/end follow the text's direction (right-to-left scripts start right)"
    )
    x: Fraction | None = Field(None, description="0 left .. 1 right: the block's anchor per 'align'")
    y: Fraction | None = Field(None, description="0 top .. 1 bottom: the block's vertical centre")
    rotation: float | None = Field(None, ge=-180.0, le=180.0, description="degrees, counter-clockwise")
    max_width: float | None = Field(None, ge=0.1, le=1.0, description="wrap width, a fraction of the frame")
    line_spacing: float | None = Field(None, ge=0.8, le=3.0)
    direction: Literal["auto", "ltr", "rtl"] | None = None
    safe_area: bool | None = Field(None, description="keep clear of the app's UI (bottom and right edge)")
    animation: Animation | None = None
    karaoke: bool | None = Field(None, description="highlight each word while it is spoken")

    @field_validator("font")
    @classmethod
    def _font(cls, v: str | None) -> str | None:
        if v is not None and v not in FAMILIES:
            raise ValueError(unknown_name("font", v, FAMILIES))
        return v


class TextOverlay(TextStyle):
    type: Literal["text"] = "text"
    text: str = Field(..., min_length=1, max_length=MAX_TEXT)
    start: float = Field(0.0, ge=0.0, le=MAX_SECONDS)
    end: float | None = Field(None, gt=0.0, le=MAX_SECONDS, description="default: the end of the video")
    position: Literal["top", "center", "bottom"] | None = Field(
        None, description="a shortcut for y (used when y is unset)"
    )
    box: bool = Field(False, description="a shortcut for a dark background pill")

    @model_validator(mode="after")
    def _span(self) -> TextOverlay:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"'end' ({self.end}) must be after 'start' ({self.start})")
        return self


class Captions(TextStyle):
    """Timed captions from a SubRip (.srt) or WebVTT (.vtt) file; VTT word timings drive karaoke."""

    src: str = source("captions", ..., min_length=1, max_length=1024)
    offset: float = Field(0.0, ge=-600.0, le=600.0, description="seconds added to every cue time")
