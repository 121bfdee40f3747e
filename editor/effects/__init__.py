"""Effect registry: every film effect by name, and the discriminated union the spec validates with.

Add one by writing an ``Effect`` subclass decorated with ``@register`` in any module of this
package (one module per family: color, detail, film, motion); nothing else changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field

from editor import registry
from editor.effects.base import EFFECTS, Effect, EffectContext, register
from editor.params import parameters

registry.import_modules(__name__, __path__)

if TYPE_CHECKING:
    AnyEffect = Effect
else:  # the discriminated union pydantic validates with: "type" picks the class
    AnyEffect = Annotated[Union[tuple(EFFECTS.values())], Field(discriminator="type")]  # noqa: UP007


def describe(cls: type[Effect]) -> dict[str, Any]:
    """Name, one-line summary and parameters (type, default, range) of one effect, for listings."""
    return {
        "name": cls.model_fields["type"].default,
        "description": cls.summary,
        "parameters": parameters(cls),
        "clip_only": cls.clip_only,  # in a clip's effects only, not the spec's
    }


__all__ = ["EFFECTS", "AnyEffect", "Effect", "EffectContext", "describe", "register"]
