"""Time-based effects: fades and the Ken Burns slow zoom."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from editor.effects.base import Effect, EffectContext, register
from editor.plan.graph import num


@register
class FadeIn(Effect):
    type: Literal["fade_in"] = "fade_in"
    summary: ClassVar[str] = "Fade in from a colour at the start."
    timed: ClassVar[bool] = True
    duration: float = Field(0.5, gt=0.0, le=10.0)
    color: Literal["black", "white"] = "black"

    def filters(self, ctx: EffectContext) -> list[str]:
        return [f"fade=t=in:st=0:d={num(min(self.duration, ctx.duration))}:c={self.color}"]


@register
class FadeOut(Effect):
    type: Literal["fade_out"] = "fade_out"
    summary: ClassVar[str] = "Fade out to a colour at the end."
    timed: ClassVar[bool] = True
    duration: float = Field(0.5, gt=0.0, le=10.0)
    color: Literal["black", "white"] = "black"

    def filters(self, ctx: EffectContext) -> list[str]:
        d = min(self.duration, ctx.duration)
        return [f"fade=t=out:st={num(ctx.duration - d)}:d={num(d)}:c={self.color}"]


@register
class KenBurns(Effect):
    type: Literal["ken_burns"] = "ken_burns"
    summary: ClassVar[str] = "Slow zoom (and optional drift) across the shot, for photos and static clips."
    timed: ClassVar[bool] = True
    zoom: float = Field(1.2, ge=1.0, le=2.0, description="final zoom factor")
    direction: Literal["in", "out"] = "in"
    pan: Literal["center", "left", "right", "up", "down"] = "center"

    def filters(self, ctx: EffectContext) -> list[str]:
        frames = max(1, round(ctx.duration * ctx.fps))
        p = f"min(on/{frames},1)"
        z = (
            f"1+{num(self.zoom - 1)}*{p}"
            if self.direction == "in"
            else f"{num(self.zoom)}-{num(self.zoom - 1)}*{p}"
        )
        x = {"left": f"(iw-iw/zoom)*(1-{p})", "right": f"(iw-iw/zoom)*{p}"}.get(self.pan, "(iw-iw/zoom)/2")
        y = {"up": f"(ih-ih/zoom)*(1-{p})", "down": f"(ih-ih/zoom)*{p}"}.get(self.pan, "(ih-ih/zoom)/2")
        # Work at 2x so the sub-pixel drift does not judder, then come back to the output size.
        w2, h2 = ctx.width * 2, ctx.height * 2
        return [
            f"scale={w2}:{h2}:flags=bilinear",
            f"zoompan=z='{z}':x='{x}':y='{y}':d=1:s={ctx.width}x{ctx.height}:fps={num(ctx.fps)}",
        ]
