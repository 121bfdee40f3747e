"""/v1/catalog: what an edit spec may contain, so clients build their editors from data."""

from __future__ import annotations

from fastapi import APIRouter

from api import schemas
from api.deps import UserDep
from api.routes import COMMON_ERRORS
from editor.catalog import catalog

router = APIRouter(prefix="/v1/catalog", tags=["catalog"], responses=COMMON_ERRORS)


@router.get("", response_model=schemas.Catalog)
async def get_catalog(user: UserDep) -> schemas.Catalog:
    """Every transition, effect and face effect with its parameters (type, default, range, choices),
    the built-in stickers and face anchors, and the JSON Schema of an edit spec."""
    return schemas.Catalog.model_validate(catalog())
