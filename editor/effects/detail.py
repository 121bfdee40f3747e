"""Detail effects: blur and sharpen."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from editor.effects.base import Effect, EffectContext, register
from editor.plan.graph import num


@register
class Blur(Effect):
    type: Literal["blur"] = "blur"
    summary: ClassVar[str] = "Gaussian blur of the whole frame."
    strength: float = Field(0.3, ge=0.0, le=1.0)

    def filters(self, ctx: EffectContext) -> list[str]:
        sigma = self.strength * ctx.height / 96
        return [f"gblur=sigma={num(max(sigma, 0.1))}"] if self.strength else []


@register
class Sharpen(Effect):
    type: Literal["sharpen"] = "sharpen"
    summary: ClassVar[str] = "Unsharp-mask sharpening."
    amount: float = Field(0.6, ge=0.0, le=2.0)

    def filters(self, ctx: EffectContext) -> list[str]:
        return [f"unsharp=5:5:{num(self.amount)}:5:5:0"] if self.amount else []
