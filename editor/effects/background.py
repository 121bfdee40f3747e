"""The background effect: blur or replace what is behind the person (selfie segmentation).

It needs the clip's analysis, so it works on the clip's source frames before speed and fit
(``editor.face.hooks`` adds it there); in ``clips[i].effects`` it is taken out of the
after-fit chain, elsewhere (the spec's ``effects``, a layer's) it is a spec error.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from editor.effects.base import Effect, EffectContext, register
from editor.errors import SpecError
from editor.face.triggers import Trigger
from editor.plan.graph import Graph
from editor.text.models import Color
from editor.walk import source

WHEN_HELP = "show only while this holds: smile, mouth_open, eyebrows_raised, hand_raised, peace_sign"


@register
class BackgroundEffect(Effect):
    type: Literal["background"] = "background"
    summary: ClassVar[str] = "Blur or replace the background behind the person (a green screen)."
    stage: ClassVar[Literal["source", "output"]] = "source"
    clip_only: ClassVar[bool] = True
    mode: Literal["blur", "replace"] = "blur"
    strength: float = Field(0.6, ge=0.0, le=1.0, description="blur: how strong")
    src: str | None = source(
        "media",
        None,
        min_length=1,
        max_length=1024,
        description="replace: an image or video behind the person",
    )
    color: Color | None = Field(None, description="replace: a colour behind the person")
    when: Trigger | None = Field(None, description=WHEN_HELP)

    @model_validator(mode="after")
    def _mode(self) -> BackgroundEffect:
        given = [name for name in ("src", "color") if getattr(self, name) is not None]
        if self.mode == "replace" and len(given) != 1:
            raise ValueError("mode 'replace' needs exactly one of 'src' (an image or video) or 'color'")
        if self.mode == "blur" and given:
            raise ValueError(f"'{given[0]}' is for mode 'replace'; mode 'blur' takes 'strength'")
        return self

    def apply(self, g: Graph, src: str, ctx: EffectContext) -> str:
        raise SpecError.at(
            "effects", "'background' works on a clip's own picture: put it in clips[i].effects"
        )
