"""The sticker: an image pinned to a face, and where its image comes from (built in or a user PNG)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema

from editor.errors import SpecError
from editor.face.assets import BUILTIN, USER_META, AssetMeta, load_user_png
from editor.face.effects.base import FaceEffectBase, register
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


@register
class StickerEffect(FaceEffectBase):
    """An image pinned to a face: scaled from the inter-ocular distance, rotated with the eye line."""

    summary = "an image pinned to a face, following its position, size and tilt"
    type: Literal["sticker"] = "sticker"
    asset: str = source(
        "sticker", min_length=1, max_length=255, description="a built-in asset name or a PNG path"
    )
    anchor: AnchorName | None = Field(None, description="where on the face; default: the asset's own")
    scale: float = Field(1.0, gt=0.05, le=10.0)
    offset: tuple[Annotated[float, Field(ge=-10, le=10)], Annotated[float, Field(ge=-10, le=10)]] = Field(
        (0.0, 0.0), description="shift in face units (inter-ocular distances): along the eyes, down the face"
    )

    def check(self, *, field: str, asset_root: Path | None) -> None:
        if self.anchor is not None and self.anchor not in ANCHORS:
            raise SpecError.at(f"{field}.anchor", unknown_name("anchor", self.anchor, ANCHORS))
        resolved = resolve_asset(self.asset, field=f"{field}.asset", asset_root=asset_root)
        if resolved.path is not None:
            load_user_png(resolved.path, label=f"{field}.asset")


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
