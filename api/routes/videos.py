"""/v1/videos: published renders others may duet, stitch and react to; their community graph."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import schemas
from api.deps import BaseUrlDep, ServicesDep, SessionDep, UserDep
from api.routes import COMMON_ERRORS, responses
from api.services import videos as service
from api.services import visibility

router = APIRouter(prefix="/v1/videos", tags=["videos"], responses=COMMON_ERRORS)

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("", response_model=schemas.VideoList)
def list_videos(
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
    owner: Annotated[str | None, Query(max_length=100, description="a user name; default: yours")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> schemas.VideoList:
    """A creator's published videos, newest first (yours include those you unpublished)."""
    items = service.list_videos(session, user, owner, limit, offset)
    return schemas.VideoList(items=[service.public(services, session, v, base) for v in items])


@router.get("/{video_id}", response_model=schemas.VideoPublic, responses=responses(404))
def get_video(
    video_id: str, user: UserDep, services: ServicesDep, session: SessionDep, base: BaseUrlDep
) -> schemas.VideoPublic:
    """A published video, or one of yours."""
    return service.public(services, session, visibility.visible_video(session, user, video_id), base)


@router.get("/{video_id}/derivatives", response_model=schemas.DerivativeList, responses=responses(404))
def list_derivatives(
    video_id: str,
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> schemas.DerivativeList:
    """The published duets and stitches made from this video, newest first."""
    video = visibility.visible_video(session, user, video_id)
    items = service.derivatives(session, video, limit, offset)
    return schemas.DerivativeList(
        items=[
            schemas.Derivative(kind=kind, video=service.public(services, session, v, base))
            for v, kind in items
        ]
    )


@router.patch("/{video_id}", response_model=schemas.VideoPublic, responses=responses(404))
def update_video(
    video_id: str,
    body: schemas.VideoUpdate,
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
) -> schemas.VideoPublic:
    """Owner only: the title and the reuse switches. A switch turned off fails renders that were
    queued with it and have not run yet (``video_reuse_revoked``)."""
    video = service.update(session, visibility.owned_video(session, user, video_id), body)
    return service.public(services, session, video, base)


@router.delete("/{video_id}", status_code=204, responses=responses(404))
def unpublish_video(video_id: str, user: UserDep, session: SessionDep) -> Response:
    """Owner only: unpublish. The video and its original sound disappear for everyone else; what
    was made from them keeps its credits. Publish the render again to bring it back."""
    service.unpublish(session, visibility.owned_video(session, user, video_id))
    return Response(status_code=204)
