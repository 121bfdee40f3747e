"""/v1/media: raw clips, images and audio from the app."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api import schemas
from api.core.storage import LocalStorage
from api.deps import BaseUrlDep, ServicesDep, SessionDep, UserDep
from api.routes import COMMON_ERRORS, responses
from api.services import media as service
from api.services import visibility
from editor.errors import Conflict, TooLarge

router = APIRouter(prefix="/v1/media", tags=["media"], responses=COMMON_ERRORS)


@router.post("", status_code=201, response_model=schemas.MediaUpload, responses=responses(413))
def create_media(
    body: schemas.MediaCreate, user: UserDep, services: ServicesDep, session: SessionDep, base: BaseUrlDep
) -> schemas.MediaUpload:
    """Register an upload and get where to send the bytes (presigned S3 POST/parts, or a PUT here)."""
    return service.create(services, session, user, body, base)


@router.put(
    "/{media_id}/content",
    status_code=204,
    responses=responses(404, 409, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_content(
    media_id: str,
    request: Request,
    user: UserDep,
    services: ServicesDep,
) -> Response:
    """Local storage only: stream the bytes; over the declared size -> 413 before it is spooled."""
    storage = services.storage
    if not isinstance(storage, LocalStorage):
        raise Conflict("upload to the presigned storage URL instead", code="direct_upload")

    def limit_for() -> tuple[str, int]:
        with services.sessions() as session:
            media = visibility.owned_media(session, user, media_id)
            return media.upload_key, service.upload_limit(services, media)

    key, limit = await run_in_threadpool(limit_for)
    too_large = TooLarge(f"the upload is over its {limit} byte limit", code="upload_too_large")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    try:
        await storage.write_stream(key, request.stream(), limit)
    except OverflowError:
        raise too_large from None
    return Response(status_code=204)


@router.post("/{media_id}/complete", response_model=schemas.MediaPublic, responses=responses(404, 409))
def complete_media(
    media_id: str,
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
    body: schemas.MediaComplete | None = None,
) -> schemas.MediaPublic:
    """Probe the stored bytes; answer `ready` (normalised) or `rejected` with a reason."""
    media = visibility.owned_media(session, user, media_id)
    media = service.complete(services, session, media, body or schemas.MediaComplete())
    return service.public(services, media, base)


@router.get("", response_model=schemas.MediaList)
def list_media(
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.MediaList:
    items = service.list_media(session, user, limit, offset)
    return schemas.MediaList(items=[service.public(services, m, base) for m in items])


@router.get("/{media_id}", response_model=schemas.MediaPublic, responses=responses(404))
def get_media(
    media_id: str, user: UserDep, services: ServicesDep, session: SessionDep, base: BaseUrlDep
) -> schemas.MediaPublic:
    return service.public(services, visibility.owned_media(session, user, media_id), base)


@router.delete("/{media_id}", status_code=204, responses=responses(404, 409))
def delete_media(media_id: str, user: UserDep, services: ServicesDep, session: SessionDep) -> Response:
    service.delete(services, session, visibility.owned_media(session, user, media_id))
    return Response(status_code=204)
