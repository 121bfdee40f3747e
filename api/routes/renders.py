"""/v1/renders: submit an edit spec, poll it, cancel it, download the result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse

from api import schemas
from api.deps import BaseUrlDep, ServicesDep, SessionDep, UserDep
from api.jobs.run import notify
from api.routes import COMMON_ERRORS, responses
from api.services import previews, visibility
from api.services import renders as service

router = APIRouter(prefix="/v1/renders", tags=["renders"], responses=COMMON_ERRORS)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="retries with the same key and body return the same render; another body -> 409",
    ),
]


@router.post("", status_code=202, response_model=schemas.RenderAccepted, responses=responses(403, 409))
def create_render(
    body: schemas.RenderCreate,
    request: Request,
    response: Response,
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> schemas.RenderAccepted:
    """Queue a render. Every problem in the spec is reported at once (422) before anything is queued."""
    render = service.submit(services, session, user, body, idempotency_key)
    request.app.state.queue.enqueue(render.id)
    response.headers["Location"] = f"/v1/renders/{render.id}"
    return schemas.RenderAccepted(id=render.id, status=render.status)


@router.get("", response_model=schemas.RenderList)
def list_renders(
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.RenderList:
    items = service.list_renders(session, user, limit, offset)
    return schemas.RenderList(items=[service.public(services, r, base) for r in items])


@router.get("/{render_id}", response_model=schemas.RenderPublic, responses=responses(404))
def get_render(
    render_id: str, user: UserDep, services: ServicesDep, session: SessionDep, base: BaseUrlDep
) -> schemas.RenderPublic:
    return service.public(services, visibility.owned_render(session, user, render_id), base, with_spec=True)


@router.get("/{render_id}/preview.m3u8", response_class=PlainTextResponse, include_in_schema=False)
def preview_playlist(
    render_id: str,
    services: ServicesDep,
    base: BaseUrlDep,
    attempt: Annotated[int, Query(ge=0)],
    exp: Annotated[int, Query()],
    sig: Annotated[str, Query(max_length=128)],
) -> PlainTextResponse:
    """The progressive preview of a running render (HLS, fMP4 segments): the signed link its
    ``preview_url`` gives, for players that cannot send a token. Reloaded as segments appear."""
    text = previews.playlist(services, render_id, attempt, exp, sig, base)
    return PlainTextResponse(text, media_type=previews.CONTENT_TYPE, headers={"Cache-Control": "no-store"})


@router.post("/{render_id}/cancel", response_model=schemas.RenderPublic, responses=responses(404, 409))
def cancel_render(
    render_id: str, user: UserDep, services: ServicesDep, session: SessionDep, base: BaseUrlDep
) -> schemas.RenderPublic:
    """Cancel: a queued render ends now; a running one has its ffmpeg stopped within a second."""
    render = visibility.owned_render(session, user, render_id)
    if service.cancel(session, render):
        notify(services, render.id, session)
    return service.public(services, render, base)


@router.post(
    "/{render_id}/publish",
    status_code=201,
    response_model=schemas.VideoPublic,
    responses=responses(404, 409),
)
def publish_render(
    render_id: str,
    body: schemas.VideoPublish,
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
) -> schemas.VideoPublic:
    """Publish a succeeded render as a video (its id stays the render's: ``video:<id>`` in specs)
    with its reuse switches; its soundtrack becomes your "original sound" in the sound library."""
    from api.services import publish, videos

    video = publish.publish(services, session, user, visibility.owned_render(session, user, render_id), body)
    return videos.public(services, session, video, base)
