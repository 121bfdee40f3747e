"""/v1/sounds: publish audio for others to borrow; lineage, credits, trending."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import schemas
from api.deps import ServicesDep, SessionDep, UserDep
from api.routes import COMMON_ERRORS, responses
from api.services import sounds as service

router = APIRouter(prefix="/v1/sounds", tags=["sounds"], responses=COMMON_ERRORS)


@router.post("", status_code=201, response_model=schemas.SoundPublic, responses=responses(422))
def create_sound(
    body: schemas.SoundCreate, user: UserDep, services: ServicesDep, session: SessionDep
) -> schemas.SoundPublic:
    """Make a sound from a ready audio upload, or from a video's own audio (its "original sound");
    its tempo, beats and loudness are analysed on the way in."""
    return service.public(session, service.create(services, session, user, body))


@router.get("", response_model=schemas.SoundList)
def list_sounds(
    user: UserDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.SoundList:
    """The caller's own sounds."""
    return schemas.SoundList(
        items=[service.public(session, s) for s in service.list_sounds(session, user, limit, offset)]
    )


@router.get("/trending", response_model=schemas.TrendingList)
def trending(
    user: UserDep, session: SessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> schemas.TrendingList:
    """Published, reusable sounds by time-decayed usage velocity (half-life 24 h, last 7 days)."""
    ranked = service.trending(session, user, limit)
    return schemas.TrendingList(
        items=[schemas.TrendingSound(sound=service.public(session, s), score=score) for s, score in ranked]
    )


@router.get("/{sound_id}", response_model=schemas.SoundPublic, responses=responses(404))
def get_sound(sound_id: str, user: UserDep, session: SessionDep) -> schemas.SoundPublic:
    """A sound the caller owns, or any published sound."""
    return service.public(session, service.visible_sound(session, user, sound_id))


@router.post(
    "/{sound_id}/remix",
    status_code=201,
    response_model=schemas.SoundPublic,
    responses=responses(403, 404, 422),
)
def remix_sound(
    sound_id: str, body: schemas.SoundRemixCreate, user: UserDep, services: ServicesDep, session: SessionDep
) -> schemas.SoundPublic:
    """A new sound made from this one (trim, tempo, pitch, fades, volume); its parent is recorded
    and credited. Needs the right to reuse the parent; the license may not loosen the parent's."""
    from api.services.remix import remix

    return service.public(session, remix(services, session, user, sound_id, body))


@router.patch("/{sound_id}", response_model=schemas.SoundPublic, responses=responses(404))
def update_sound(
    sound_id: str, body: schemas.SoundUpdate, user: UserDep, session: SessionDep
) -> schemas.SoundPublic:
    """Owner only: title, allow_reuse, published. Revoked reuse fails renders that have not run yet."""
    return service.public(
        session, service.update(session, service.owned_sound(session, user, sound_id), body)
    )
