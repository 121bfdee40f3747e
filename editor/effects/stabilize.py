"""Stabilise a shaky handheld clip: a smooth camera path shown through a moving crop window."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from editor.effects.base import Effect, EffectContext, register
from editor.plan.graph import escape_value


@dataclass(frozen=True)
class CropWindow:
    """What ``editor.measure`` prepared for one clip: a ``sendcmd`` script that moves ``crop@name``
    frame by frame, and the window's size and first position (source pixels)."""

    name: str
    commands: Path
    width: int
    height: int
    x: int
    y: int


@register
class Stabilize(Effect):
    type: Literal["stabilize"] = "stabilize"
    summary: ClassVar[str] = (
        "Steady a shaky handheld clip (camera motion found by vidstabdetect, cached); zooms in just "
        "enough that no border shows. Video clips only."
    )
    measured: ClassVar[bool] = True
    stage: ClassVar[Literal["source", "output"]] = "source"
    strength: float = Field(0.6, ge=0.0, le=1.0, description="0 none .. 1 locked-off; more zooms in more")

    def filters(self, ctx: EffectContext) -> list[str]:
        window = ctx.measurement
        if not isinstance(window, CropWindow):
            raise ValueError("stabilize is planned from its clip's measurement (editor.measure.prepare)")
        # The crop is free (a pointer move); the fit that follows scales it to the output anyway.
        return [
            f"sendcmd=f={escape_value(str(window.commands))}",
            f"crop@{window.name}=w={window.width}:h={window.height}:x={window.x}:y={window.y}:exact=1",
        ]
