"""The effect interface: a frozen pydantic model that turns its parameters into filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from editor import registry
from editor.plan.graph import Graph


@dataclass(frozen=True)
class EffectContext:
    """What an effect may know when it is planned: the stream's size, rate and length, and for a
    measured effect (``Effect.measured``) what was measured on its clip before planning."""

    width: int
    height: int
    fps: float
    duration: float
    luts: Mapping[str, Path] = field(default_factory=dict)
    measurement: object | None = None


def _describe(schema: dict[str, Any], cls: type[Any]) -> None:
    schema["description"] = cls.summary  # the JSON Schema (OpenAPI, editors) shows what `effects list` shows


class Effect(BaseModel):
    """One effect; subclasses add a ``type`` literal, typed parameters and ``filters``."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_describe, allow_inf_nan=False)

    summary: ClassVar[str] = ""
    # Measured effects (stabilize, auto_enhance) need a pass over their clip before planning
    # (``editor.measure``), so they only go on clips: at the top level they apply to every clip.
    measured: ClassVar[bool] = False
    # "source": on the clip's own frames, before speed and fit (geometry that needs the whole frame).
    stage: ClassVar[Literal["source", "output"]] = "output"
    # Only in a clip's own effects (not the spec's or a layer's): the background needs the clip's
    # segmentation, attached by the clip's hooks (editor.face.hooks).
    clip_only: ClassVar[bool] = False
    # Whether its frames depend on where they sit in time (fades, zooms, per-frame noise): a split
    # render never cuts inside what such an effect covers, since a piece would restart it.
    timed: ClassVar[bool] = False

    def filters(self, ctx: EffectContext) -> list[str]:
        """Filters applied in sequence to a single stream (the common case)."""
        raise NotImplementedError

    def apply(self, g: Graph, src: str, ctx: EffectContext) -> str:
        """Add this effect to ``g`` after ``src``; effects with side branches override this."""
        return g.chain([src], self.filters(ctx), "fx")


EFFECTS: dict[str, type[Effect]] = {}
E = TypeVar("E", bound=type[Effect])


def register(cls: E) -> E:
    """Class decorator: make ``cls`` available in specs under its ``type``."""
    effect: type[Effect] = cls
    registry.add(EFFECTS, effect.model_fields["type"].default, cls, "effect type")
    return cls
