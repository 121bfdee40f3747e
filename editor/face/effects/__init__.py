"""Face-effect registry: every face effect by name, and the union the spec validates with.

Add one by writing a ``MaskEffect`` (filters under a face-region mask) or ``FaceEffectBase``
subclass decorated with ``@register`` in any module of this package; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field

from editor import registry
from editor.face.effects.base import FACE_EFFECTS, FaceEffectBase, MaskEffect, MaskStyle, register
from editor.face.effects.beauty import BeautyEffect, LipTintEffect
from editor.face.effects.privacy import BlurFaceEffect, PixelateFaceEffect
from editor.face.effects.sticker import ResolvedAsset, StickerEffect, resolve_asset

registry.import_modules(__name__, __path__)

if TYPE_CHECKING:
    FaceEffect = FaceEffectBase
else:  # the discriminated union pydantic validates with: "type" picks the class
    FaceEffect = Annotated[Union[tuple(FACE_EFFECTS.values())], Field(discriminator="type")]  # noqa: UP007


def validate_face_effect(effect: FaceEffectBase, *, field: str, asset_root: Path | None) -> None:
    """Check what the model cannot (asset names and files, anchors) before rendering starts.

    ``field`` is the effect's spec path, e.g. ``"clips[0].face_effects[1]"``.
    """
    effect.check(field=field, asset_root=asset_root)


def validate_face_effects(effects: Sequence[FaceEffectBase], *, field: str, asset_root: Path | None) -> None:
    """``validate_face_effect`` on each of a list whose spec path is ``field``."""
    for i, effect in enumerate(effects):
        validate_face_effect(effect, field=f"{field}[{i}]", asset_root=asset_root)


__all__ = [
    "FACE_EFFECTS",
    "BeautyEffect",
    "BlurFaceEffect",
    "FaceEffect",
    "FaceEffectBase",
    "LipTintEffect",
    "MaskEffect",
    "MaskStyle",
    "PixelateFaceEffect",
    "ResolvedAsset",
    "StickerEffect",
    "register",
    "resolve_asset",
    "validate_face_effect",
    "validate_face_effects",
]
