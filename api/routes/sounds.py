"""/v1/sounds: publish audio for others to borrow; lineage, credits, trending."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import schemas
from api.deps import BaseUrlDep, ServicesDep, SessionDep, UserDep
from api.routes import COMMON_ERRORS, responses
from api.services import sounds as service
from api.services import visibility

router = APIRouter(prefix="/v1/sounds", tags=["sounds"], responses=COMMON_ERRORS)


@router.post("", status_code=201, response_model=schemas.SoundPublic, responses=responses(422))
def create_sound(
    body: schemas.SoundCreate, user: UserDep, services: ServicesDep, session: SessionDep, base: BaseUrlDep
) -> schemas.SoundPublic:
    """Make a sound from a ready audio upload, or from a video's own audio (its "original sound");
    its tempo, beats and loudness are analysed on the way in."""
    return service.public(services, session, service.create(services, session, user, body), user, base)


@router.get("", response_model=schemas.SoundList)
def list_sounds(
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.SoundList:
    """The caller's own sounds."""
    return schemas.SoundList(
        items=[
            service.public(services, session, s, user, base)
            for s in service.list_sounds(session, user, limit, offset)
        ]
    )


@router.get("/trending", response_model=schemas.TrendingList)
def trending(
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> schemas.TrendingList:
    """Published, reusable sounds by time-decayed usage velocity (half-life 24 h, last 7 days)."""
    ranked = service.trending(session, user, limit)
    return schemas.TrendingList(
        items=[
            schemas.TrendingSound(sound=service.public(services, session, s, user, base), score=score)
            for s, score in ranked
        ]
    )


@router.get("/search", response_model=schemas.SoundList)
def search(
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="part of a title or @name")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> schemas.SoundList:
    """Published sounds and the caller's own whose title or owner name contains `q`, newest first;
    those that may not be reused are listed too (`allow_reuse` says so)."""
    found = service.search(session, user, q.strip().lstrip("@"), limit)
    return schemas.SoundList(items=[service.public(services, session, s, user, base) for s in found])


@router.get("/{sound_id}", response_model=schemas.SoundPublic, responses=responses(404))
def get_sound(
    sound_id: str, user: UserDep, services: ServicesDep, session: SessionDep, base: BaseUrlDep
) -> schemas.SoundPublic:
    """A sound the caller owns, or any published sound."""
    return service.public(services, session, visibility.visible_sound(session, user, sound_id), user, base)


@router.post(
    "/{sound_id}/remix",
    status_code=201,
    response_model=schemas.SoundPublic,
    responses=responses(403, 404, 422),
)
def remix_sound(
    sound_id: str,
    body: schemas.SoundRemixCreate,
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
) -> schemas.SoundPublic:
    """A new sound made from this one (trim, tempo, pitch, fades, volume); its parent is recorded
    and credited. Needs the right to reuse the parent; the license may not loosen the parent's."""
    from api.services.remix import remix

    return service.public(services, session, remix(services, session, user, sound_id, body), user, base)


@router.patch("/{sound_id}", response_model=schemas.SoundPublic, responses=responses(404))
def update_sound(
    sound_id: str,
    body: schemas.SoundUpdate,
    user: UserDep,
    services: ServicesDep,
    session: SessionDep,
    base: BaseUrlDep,
) -> schemas.SoundPublic:
    """Owner only: title, allow_reuse, published. Revoked reuse fails renders that have not run yet."""
    sound = service.update(session, visibility.owned_sound(session, user, sound_id), body)
    return service.public(services, session, sound, user, base)
