"""Film looks: vignette, grain, VHS, light leak, chromatic aberration, letterbox bars."""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field

from editor.effects.base import Effect, EffectContext, register
from editor.plan.graph import Graph, num


@register
class Vignette(Effect):
    type: Literal["vignette"] = "vignette"
    summary: ClassVar[str] = "Darkened corners."
    strength: float = Field(0.5, ge=0.0, le=1.0)

    def filters(self, ctx: EffectContext) -> list[str]:
        angle = 0.15 + self.strength * (math.pi / 2 - 0.35)
        return [f"vignette=angle={num(angle)}"]


@register
class Grain(Effect):
    type: Literal["grain"] = "grain"
    summary: ClassVar[str] = (
        "Film grain that moves every frame. Costly: strong grain raises bitrate and encode time a lot."
    )
    timed: ClassVar[bool] = True
    strength: float = Field(0.3, ge=0.0, le=1.0)

    def filters(self, ctx: EffectContext) -> list[str]:
        return [f"noise=alls={round(3 + self.strength * 27)}:allf=t+u"]


@register
class Vhs(Effect):
    type: Literal["vhs"] = "vhs"
    summary: ClassVar[str] = "1980s tape look: soft, colour bleed, scanlines, tape noise."
    timed: ClassVar[bool] = True
    strength: float = Field(0.6, ge=0.0, le=1.0)

    def filters(self, ctx: EffectContext) -> list[str]:
        s = self.strength
        shift = max(1, round(ctx.width / 270 * s)) * 2
        return [
            f"gblur=sigma={num(0.6 + 1.2 * s)}:sigmaV=0.3",
            f"chromashift=cbh={-shift}:crh={shift}",
            f"eq=saturation={num(1 + 0.35 * s)}:contrast={num(1 + 0.1 * s)}:brightness={num(0.03 * s)}",
            f"noise=alls={round(4 + 10 * s)}:allf=t",
            f"drawgrid=w=iw:h={max(2, ctx.height // 320)}:t=1:c=black@{num(0.12 + 0.2 * s)}",
        ]


@register
class LightLeak(Effect):
    type: Literal["light_leak"] = "light_leak"
    summary: ClassVar[str] = "A warm, slowly drifting glow of light spilling into the frame."
    timed: ClassVar[bool] = True
    strength: float = Field(0.5, ge=0.0, le=1.0)
    speed: float = Field(0.02, ge=0.0, le=0.2, description="how fast the glow drifts")

    def apply(self, g: Graph, src: str, ctx: EffectContext) -> str:
        w, h = max(16, ctx.width // 4), max(16, ctx.height // 4)
        alpha = f"{round(0x30 + 0x90 * self.strength):02x}"
        leak = g.source(
            [
                f"gradients=s={w}x{h}:r={num(ctx.fps)}:d={num(ctx.duration + 1)}:type=radial:n=3"
                f":c0=0xffb347{alpha}:c1=0xff5e3a{alpha}:c2=0x00000000:speed={num(self.speed)}:seed=7",
                f"scale={ctx.width}:{ctx.height}",
                "format=yuva420p",
            ],
            "leak",
        )
        return g.chain([src, leak], ["overlay=shortest=1:format=yuv420"], "fx")


@register
class ChromaticAberration(Effect):
    type: Literal["chromatic_aberration"] = "chromatic_aberration"
    summary: ClassVar[str] = "Red and blue fringes, as from a cheap lens."
    amount: float = Field(0.5, ge=0.0, le=1.0)

    def filters(self, ctx: EffectContext) -> list[str]:
        px = max(1, round(ctx.width / 135 * self.amount))
        return [f"chromashift=cbh={-px}:cbv={-px // 2}:crh={px}:crv={px // 2}:edge=smear"]


@register
class Letterbox(Effect):
    type: Literal["letterbox"] = "letterbox"
    summary: ClassVar[str] = "Cinematic black bars at the top and bottom."
    size: float = Field(0.12, ge=0.0, le=0.4, description="each bar's height as a fraction of the frame")
    color: Literal["black", "white"] = "black"

    def filters(self, ctx: EffectContext) -> list[str]:
        bar = round(ctx.height * self.size / 2) * 2
        if bar == 0:
            return []
        return [
            f"drawbox=x=0:y=0:w=iw:h={bar}:color={self.color}:t=fill",
            f"drawbox=x=0:y=ih-{bar}:w=iw:h={bar}:color={self.color}:t=fill",
        ]
