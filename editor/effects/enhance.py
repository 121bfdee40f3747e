"""Auto-enhance: exposure, white balance and contrast corrected from measurements of the clip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import Field

from editor.effects.base import Effect, EffectContext, register
from editor.plan.graph import num

LUMA_601 = (0.299, 0.587, 0.114)  # the matrix ffmpeg assumes for untagged video, both ways


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

    def cast(self) -> tuple[float, float]:
        """The (Pb, Pr) a grey of luma 1 has under the cast the gains remove."""
        seen = [1 / g for g in self.gains]
        luma = sum(w * c for w, c in zip(LUMA_601, seen, strict=True))
        return (seen[2] / luma - 1) / 1.772, (seen[0] / luma - 1) / 1.402


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
        # Done in YUV (limited range), as the per-channel gains would in RGB but without the two
        # conversions (about 1.1x vs 1.2x a plain 1080x1920 transcode): a grey's cast grows with its
        # luma, so colorcorrect takes off a chroma offset proportional to luma; chroma then stretches
        # as the levels do, and one table maps the luma.
        pb, pr = fix.cast()
        ku, kv = 224 / 255 * pb, 224 / 255 * pr  # colorcorrect's chroma units
        bl, rl = ku * 16 / 219, kv * 16 / 219  # its luma is code value / 255, ours (Y - 16) / 219
        bh, rh = bl - ku * 255 / 219, rl - kv * 255 / 219
        stretch = min(1 / span, 2.0)
        luma = (
            f"lutyuv=y='16+219*pow(clip(((val-16)/219-{num(fix.black)})/{num(span)},0,1),{num(fix.gamma)})'"
        )
        colour = f"colorcorrect=rl={num(rl)}:bl={num(bl)}:rh={num(rh)}:bh={num(bh)}:saturation={num(stretch)}"
        return [colour, luma]
