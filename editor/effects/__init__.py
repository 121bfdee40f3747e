"""Effect registry: every film effect by name, and the discriminated union the spec validates with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field

from editor.effects.base import Effect, EffectContext
from editor.effects.color import BlackAndWhite, Grade, Lut, Sepia
from editor.effects.detail import Blur, Sharpen
from editor.effects.film import ChromaticAberration, Grain, Letterbox, LightLeak, Vhs, Vignette
from editor.effects.motion import FadeIn, FadeOut, KenBurns

_CLASSES: tuple[type[Effect], ...] = (
    Grade,
    BlackAndWhite,
    Sepia,
    Lut,
    Vignette,
    Grain,
    Vhs,
    LightLeak,
    ChromaticAberration,
    Letterbox,
    Blur,
    Sharpen,
    FadeIn,
    FadeOut,
    KenBurns,
)
EFFECTS: dict[str, type[Effect]] = {c.model_fields["type"].default: c for c in _CLASSES}

if TYPE_CHECKING:
    AnyEffect = Effect
else:  # the discriminated union pydantic validates with: "type" picks the class
    AnyEffect = Annotated[Union[_CLASSES], Field(discriminator="type")]  # noqa: UP007


def describe(cls: type[Effect]) -> dict[str, Any]:
    """Name, one-line summary and parameters (type, default, range) of one effect, for listings."""
    schema = cls.model_json_schema()
    params = {}
    for name, prop in schema.get("properties", {}).items():
        if name == "type":
            continue
        params[name] = {
            k: v
            for k, v in prop.items()
            if k in ("type", "default", "minimum", "maximum", "enum", "description", "exclusiveMinimum")
        }
    return {"name": cls.model_fields["type"].default, "description": cls.summary, "parameters": params}


__all__ = ["EFFECTS", "AnyEffect", "Effect", "EffectContext", "describe"]
