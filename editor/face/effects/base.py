"""The face-effect interface: a frozen pydantic model per ``type``, registered by name.

A *mask* effect (blur, beauty, lip tint...) says which part of the face it covers and which
filters run under that mask; ``editor.face.prepare`` draws the mask video and the graph composites
it. Stickers are images placed per frame instead (``sticker.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from editor import registry
from editor.face.triggers import TRIGGERS, Trigger

FaceIds = Annotated[list[Annotated[int, Field(ge=0, le=63)]], Field(min_length=1, max_length=16)]
FaceSelection = Literal["all", "largest"] | FaceIds


@dataclass(frozen=True)
class MaskStyle:
    """What a mask covers and how soft it is; sizes are in inter-ocular units."""

    region: str  # "oval" (privacy), "skin" (oval minus eyes, brows, lips), "lips"
    grow: float = 0.0  # push the outline outwards from the face centre
    feather: float = 0.08  # Gaussian sigma of the edge
    opacity: float = 1.0


class FaceEffectBase(BaseModel):
    """One face effect; subclasses add a ``type`` literal and their parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    summary: ClassVar[str] = ""
    faces: FaceSelection = Field("all", description='"all", "largest" or a list of face ids (0 = first seen)')
    when: Trigger | None = Field(
        None, description="show only while this holds: " + ", ".join(TRIGGERS) + " (short fades)"
    )

    @property
    def kind(self) -> str:
        return str(type(self).model_fields["type"].default)

    def check(self, *, field: str, asset_root: Path | None) -> None:
        """What the model cannot check (files, names) before rendering starts; raises SpecError."""


class MaskEffect(FaceEffectBase):
    """A face effect drawn as filters under a soft mask of a face region."""

    def mask(self, iod: float, width: int, height: int) -> tuple[MaskStyle, tuple[str, ...]] | None:
        """The mask and the filters for a face ``iod`` pixels between the eyes; None: nothing to draw."""
        raise NotImplementedError


FACE_EFFECTS: dict[str, type[FaceEffectBase]] = {}
F = TypeVar("F", bound=type[FaceEffectBase])


def register(cls: F) -> F:
    """Class decorator: make ``cls`` available in specs under its ``type``."""
    effect: type[FaceEffectBase] = cls
    registry.add(FACE_EFFECTS, effect.model_fields["type"].default, cls, "face effect type")
    return cls
