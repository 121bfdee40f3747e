"""Colour effects: grade, black and white, sepia, 3D LUTs."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from editor.effects.base import Effect, EffectContext, register
from editor.effects.luts import LUT_DIR, bundled_luts
from editor.errors import MediaError, SpecError
from editor.names import unknown_name
from editor.plan.graph import escape_value, num
from editor.walk import source

LUT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@register
class Grade(Effect):
    type: Literal["grade"] = "grade"
    summary: ClassVar[str] = "Basic colour grade: brightness, contrast, saturation, gamma, temperature, tint."
    brightness: float = Field(0.0, ge=-1.0, le=1.0)
    contrast: float = Field(1.0, ge=0.0, le=3.0)
    saturation: float = Field(1.0, ge=0.0, le=3.0)
    gamma: float = Field(1.0, ge=0.1, le=3.0)
    temperature: float = Field(0.0, ge=-1.0, le=1.0, description="-1 cool (blue) .. 1 warm (orange)")
    tint: float = Field(0.0, ge=-1.0, le=1.0, description="-1 green .. 1 magenta")

    def filters(self, ctx: EffectContext) -> list[str]:
        out = []
        eq = {
            "brightness": (self.brightness, 0.0),
            "contrast": (self.contrast, 1.0),
            "saturation": (self.saturation, 1.0),
            "gamma": (self.gamma, 1.0),
        }
        args = [f"{k}={num(v)}" for k, (v, default) in eq.items() if v != default]
        if args:
            out.append("eq=" + ":".join(args))
        if self.temperature or self.tint:
            # Shift the chroma planes directly (cheap in YUV): warm = more red, less blue.
            du = -24 * self.temperature + 16 * self.tint
            dv = 24 * self.temperature + 16 * self.tint
            out.append(f"lutyuv=u='clip(val+{num(du, 2)},16,240)':v='clip(val+{num(dv, 2)},16,240)'")
        return out


@register
class BlackAndWhite(Effect):
    type: Literal["black_and_white"] = "black_and_white"
    summary: ClassVar[str] = "Monochrome, with optional extra contrast."
    strength: float = Field(1.0, ge=0.0, le=1.0)
    contrast: float = Field(1.1, ge=0.5, le=2.0)

    def filters(self, ctx: EffectContext) -> list[str]:
        return [f"hue=s={num(1 - self.strength)}", f"eq=contrast={num(self.contrast)}"]


@register
class Sepia(Effect):
    type: Literal["sepia"] = "sepia"
    summary: ClassVar[str] = "Warm brown vintage toning."
    strength: float = Field(1.0, ge=0.0, le=1.0)

    def filters(self, ctx: EffectContext) -> list[str]:
        s, k = self.strength, 1 - self.strength
        m = [[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]]
        rows = [[s * m[r][c] + (k if r == c else 0.0) for c in range(3)] for r in range(3)]
        names = ["r", "g", "b"]
        args = [f"{names[r]}{names[c]}={num(rows[r][c])}" for r in range(3) for c in range(3)]
        return ["colorchannelmixer=" + ":".join(args)]


@register
class Lut(Effect):
    type: Literal["lut"] = "lut"
    summary: ClassVar[str] = "Apply a 3D LUT (.cube): a bundled one by name, or a file next to the spec."
    name: str = source(
        "lut", ..., description="a bundled LUT (presets/luts) or a .cube path relative to the spec"
    )

    @field_validator("name")
    @classmethod
    def _plain(cls, v: str) -> str:
        if not (LUT_NAME.match(v) or v.endswith(".cube")):
            raise ValueError("must be a bundled LUT name or a path ending in .cube")
        return v

    def locate(self, field: str, resolve: Callable[[str], Path] | None) -> Path:
        """The .cube file this names: a bundled LUT, or (given ``resolve``) a file of the user's."""
        if not self.name.endswith(".cube"):
            path = LUT_DIR / f"{self.name}.cube"
            if not path.is_file():
                raise SpecError.at(field, unknown_name("LUT", self.name, bundled_luts()))
            return path
        if resolve is None:
            raise SpecError.at(
                field, "LUT files are not accepted here; use a bundled LUT: " + ", ".join(bundled_luts())
            )
        path = resolve(self.name)
        if not path.is_file():
            raise MediaError(f"{field}: LUT file {self.name!r} not found")
        return path

    def filters(self, ctx: EffectContext) -> list[str]:
        path = ctx.luts[self.name]  # located before planning
        return [f"lut3d=file={escape_value(str(path))}:interp=tetrahedral"]
