"""Face effects in the edit spec: pydantic models, one per ``type``, and their validation."""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from editor.errors import SpecError
from editor.face.assets import BUILTIN, USER_META, AssetMeta, load_user_png
from editor.face.landmarks import ANCHORS
from editor.names import unknown_name
from editor.walk import source


def _check_anchor(value: str) -> str:
    if value not in ANCHORS:
        raise ValueError(unknown_name("anchor", value, ANCHORS))
    return value


AnchorName = Annotated[
    str, AfterValidator(_check_anchor), WithJsonSchema({"type": "string", "enum": list(ANCHORS)})
]
FaceIds = Annotated[list[Annotated[int, Field(ge=0, le=63)]], Field(min_length=1, max_length=16)]
FaceSelection = Literal["all", "largest"] | FaceIds


class _FaceEffectBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    faces: FaceSelection = Field("all", description='"all", "largest" or a list of face ids (0 = first seen)')


class StickerEffect(_FaceEffectBase):
    """An image pinned to a face: scaled from the inter-ocular distance, rotated with the eye line."""

    type: Literal["sticker"] = "sticker"
    asset: str = source(
        "sticker", min_length=1, max_length=255, description="a built-in asset name or a PNG path"
    )
    anchor: AnchorName | None = Field(None, description="where on the face; default: the asset's own")
    scale: float = Field(1.0, gt=0.05, le=10.0)
    offset: tuple[Annotated[float, Field(ge=-10, le=10)], Annotated[float, Field(ge=-10, le=10)]] = Field(
        (0.0, 0.0), description="shift in face units (inter-ocular distances): along the eyes, down the face"
    )


class BlurFaceEffect(_FaceEffectBase):
    """Blur the face oval (privacy)."""

    type: Literal["blur_face"] = "blur_face"


class PixelateFaceEffect(_FaceEffectBase):
    """Pixelate the face oval (privacy); ``block`` is in source pixels."""

    type: Literal["pixelate_face"] = "pixelate_face"
    block: int = Field(16, ge=2, le=256)


class BeautyEffect(_FaceEffectBase):
    """Edge-preserving skin smoothing on the face oval, sparing eyes, brows and lips."""

    type: Literal["beauty"] = "beauty"
    strength: float = Field(0.5, ge=0.0, le=1.0)


class LipTintEffect(_FaceEffectBase):
    """Tint the lips with ``color`` at ``opacity``."""

    type: Literal["lip_tint"] = "lip_tint"
    color: str = Field("#c2185b", pattern=r"^#[0-9a-fA-F]{6}$")
    opacity: float = Field(0.4, ge=0.0, le=1.0)

    def hsl(self) -> tuple[float, float, float]:
        """Hue in degrees, saturation and lightness in 0..1."""
        r, g, b = (int(self.color[i : i + 2], 16) / 255 for i in (1, 3, 5))
        h, lightness, s = colorsys.rgb_to_hls(r, g, b)
        return h * 360.0, s, lightness


FaceEffect = Annotated[
    StickerEffect | BlurFaceEffect | PixelateFaceEffect | BeautyEffect | LipTintEffect,
    Field(discriminator="type"),
]
FACE_EFFECTS: dict[str, type[_FaceEffectBase]] = {
    "sticker": StickerEffect,
    "blur_face": BlurFaceEffect,
    "pixelate_face": PixelateFaceEffect,
    "beauty": BeautyEffect,
    "lip_tint": LipTintEffect,
}


@dataclass(frozen=True)
class ResolvedAsset:
    """A sticker's image source and placement metadata."""

    name: str
    builtin: bool
    path: Path | None
    meta: AssetMeta


def _is_path(asset: str) -> bool:
    return "/" in asset or "\\" in asset or asset.lower().endswith(".png")


def resolve_asset(asset: str, *, field: str, asset_root: Path | None) -> ResolvedAsset:
    """A built-in name, or a user PNG path inside ``asset_root``; raises SpecError otherwise."""
    if asset in BUILTIN:
        return ResolvedAsset(asset, True, None, BUILTIN[asset])
    if not _is_path(asset):
        raise SpecError.at(field, unknown_name("asset", asset, BUILTIN))
    if asset_root is None:
        raise SpecError.at(
            field, "sticker files are not accepted here; use a built-in asset: " + ", ".join(sorted(BUILTIN))
        )
    root = asset_root.resolve()
    candidate = (root / asset).resolve()
    if not candidate.is_relative_to(root):
        raise SpecError.at(field, f"sticker path {asset!r} is outside the allowed folder")
    return ResolvedAsset(candidate.name, False, candidate, USER_META)


def validate_face_effect(effect: object, *, field: str, asset_root: Path | None) -> None:
    """Check what the model cannot (asset names and files, anchors) before rendering starts.

    ``field`` is the effect's spec path, e.g. ``"clips[0].face_effects[1]"``.
    """
    if not isinstance(effect, StickerEffect):
        return
    if effect.anchor is not None and effect.anchor not in ANCHORS:
        raise SpecError.at(f"{field}.anchor", unknown_name("anchor", effect.anchor, ANCHORS))
    resolved = resolve_asset(effect.asset, field=f"{field}.asset", asset_root=asset_root)
    if resolved.path is not None:
        load_user_png(resolved.path, label=f"{field}.asset")


def validate_face_effects(effects: Sequence[object], *, field: str, asset_root: Path | None) -> None:
    """``validate_face_effect`` on each of a list whose spec path is ``field``."""
    for i, effect in enumerate(effects):
        validate_face_effect(effect, field=f"{field}[{i}]", asset_root=asset_root)
