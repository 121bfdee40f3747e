"""/v1/presets: looks, effects and templates (served once ``presets/`` has a loader)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/presets", tags=["presets"])
