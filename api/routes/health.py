"""/healthz (no auth) and the signed downloads that stand in for presigned GETs on local storage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from sqlalchemy import text

from api import schemas
from api.core.storage import LocalStorage
from api.deps import ServicesDep
from editor.errors import NotFound, Unauthenticated

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=schemas.Health)
def healthz(services: ServicesDep) -> schemas.Health:
    """Liveness and database reachability; needs no token."""
    with services.readers() as session:
        session.execute(text("SELECT 1"))
    return schemas.Health(status="ok")


@router.get("/v1/files/{key:path}", include_in_schema=False)
def signed_file(
    key: str, services: ServicesDep, exp: Annotated[int, Query()] = 0, sig: Annotated[str, Query()] = ""
) -> FileResponse:
    storage = services.storage
    if not isinstance(storage, LocalStorage) or not storage.verify(key, exp, sig):
        raise Unauthenticated("the link is invalid or has expired", code="invalid_signature")
    path = storage.path(key)
    if not path.is_file():
        raise NotFound.of("file")
    return FileResponse(path, filename=path.name)
