"""Auto-enhance: exposure, white balance and contrast corrected from measurements of the clip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import Field

from editor.effects.base import Effect, EffectContext, register
from editor.plan.graph import num


@dataclass(frozen=True)
class ColourFix:
    """The full-strength correction measured on a clip (``editor.measure.colour``): per-channel
    white-balance gains, then levels (``black``..``white`` to 0..1), then a gamma exponent."""

    gains: tuple[float, float, float]
    black: float
    white: float
    gamma: float

    def scaled(self, strength: float) -> ColourFix:
        """The correction ``strength`` of the way from none (0) to full (1)."""
        s = strength
        r, g, b = (x**s for x in self.gains)
        return ColourFix((r, g, b), self.black * s, 1 - (1 - self.white) * s, self.gamma**s)


@register
class AutoEnhance(Effect):
    type: Literal["auto_enhance"] = "auto_enhance"
    summary: ClassVar[str] = (
        "Fix exposure, white balance and contrast from measurements over the whole clip (steady, no "
        "flicker); skin tones are left out of the white balance."
    )
    measured: ClassVar[bool] = True
    strength: float = Field(0.8, ge=0.0, le=1.0)

    def filters(self, ctx: EffectContext) -> list[str]:
        fix = ctx.measurement
        if not isinstance(fix, ColourFix):
            raise ValueError("auto_enhance is planned from its clip's measurement (editor.measure.prepare)")
        if self.strength <= 0:
            return []
        fix = fix.scaled(self.strength)
        span = max(fix.white - fix.black, 1e-3)
        # One 256-entry table per channel, computed once: the per-pixel cost is a lookup.
        level = f"-{num(fix.black)})/{num(span)},0,1),{num(fix.gamma)})'"
        gains = zip("rgb", fix.gains, strict=True)
        curves = [f"{c}='255*pow(clip((val*{num(gain / 255, 7)}{level}" for c, gain in gains]
        return ["lutrgb=" + ":".join(curves)]
