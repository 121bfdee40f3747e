"""Privacy effects: hide a face under a blur or big pixels."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from editor.face.effects.base import MaskEffect, MaskStyle, register
from editor.plan.graph import num


@register
class BlurFaceEffect(MaskEffect):
    """Blur the face oval (privacy)."""

    summary = "blur the face oval"
    type: Literal["blur_face"] = "blur_face"

    def mask(self, iod: float, width: int, height: int) -> tuple[MaskStyle, tuple[str, ...]]:
        sigma = float(np.clip(0.4 * iod, 6, 200))
        return MaskStyle("oval", grow=0.12, feather=0.06), (f"gblur=sigma={num(sigma, 1)}",)


@register
class PixelateFaceEffect(MaskEffect):
    """Pixelate the face oval (privacy); ``block`` is in source pixels."""

    summary = "pixelate the face oval"
    type: Literal["pixelate_face"] = "pixelate_face"
    block: int = Field(16, ge=2, le=256)

    def mask(self, iod: float, width: int, height: int) -> tuple[MaskStyle, tuple[str, ...]]:
        return MaskStyle("oval", grow=0.12, feather=0.03), (f"pixelize=w={self.block}:h={self.block}",)
