"""Published videos: lookups, reuse rights, the switches, the community graph (publishing itself:
``api.services.publish``).

A video's id is its render's id. Every lookup of a video goes through ``api.services.visibility``
(``find_video``): a video the caller may not see answers exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import schemas
from api.core.context import Services
from api.core.models import Render, Sound, User, Video, VideoUse
from api.services.lineage import handle
from api.services.visibility import VideoSource
from editor.errors import SpecError

Use = Literal["duet", "stitch"]
STITCH_MAX_SECONDS = 5.0


def use_of(field: str) -> Use:
    """A ``video:`` in a clip is a stitch; in a layer or a layout, a duet."""
    return "stitch" if field.startswith("clips[") else "duet"


def reuse_refusal(session: Session, source: VideoSource, user_id: str, use: Use) -> str | None:
    """Why ``user_id`` may not use the video this way, or None. The owner always may."""
    if source.owner_id == user_id:
        return None
    video = source.video
    if video is not None and (video.allow_duet if use == "duet" else video.allow_stitch):
        return None
    owner = session.get(User, source.owner_id)
    what = "duets" if use == "duet" else "stitches"
    return f"@{handle(owner.name if owner else 'unknown')} does not allow {what} of this video"


def stitch_problems(
    field: str, source: VideoSource, clip_in: float, clip_out: float | None
) -> list[tuple[str, str]]:
    """A stitch is the first clip and takes at most ``STITCH_MAX_SECONDS`` of the borrowed video."""
    base = field.removesuffix(".src")
    if field != "clips[0].src":
        return [(field, "a stitch (a video:<id> clip) must be the first clip")]
    end = clip_out if clip_out is not None else source.duration
    if end - clip_in > STITCH_MAX_SECONDS + 1e-6:
        reason = (
            f"a stitch takes at most {STITCH_MAX_SECONDS:g} s of the borrowed video "
            f"({end - clip_in:.2f} s asked); set 'out' to at most {clip_in + STITCH_MAX_SECONDS:g}"
        )
        return [(f"{base}.out", reason)]
    return []


def original_sound(session: Session, video_id: str) -> Sound | None:
    return session.scalar(select(Sound).where(Sound.video_id == video_id).order_by(Sound.created_at).limit(1))


def original_sound_ids(session: Session, video_ids: list[str]) -> list[str]:
    if not video_ids:
        return []
    return list(session.scalars(select(Sound.id).where(Sound.video_id.in_(sorted(set(video_ids))))))


def update(session: Session, video: Video, body: schemas.VideoUpdate) -> Video:
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise SpecError.at(name, "cannot be null", code="invalid_request")
    apply_changes(session, video, changes)
    session.commit()
    return video


def apply_changes(session: Session, video: Video, changes: dict[str, object]) -> None:
    sound = original_sound(session, video.id)
    for name, value in changes.items():
        if name == "allow_sound_reuse":
            if sound is not None:
                sound.allow_reuse = bool(value)
        else:
            setattr(video, name, value)
    if sound is not None:
        sound.published = video.published


def unpublish(session: Session, video: Video) -> None:
    """The video and its original sound disappear for everyone else; what was already made from
    them keeps its credits, and renders queued with them fail with ``video_reuse_revoked``."""
    video.published = False
    apply_changes(session, video, {})
    session.commit()


def list_videos(session: Session, user: User, owner: str | None, limit: int, offset: int) -> list[Video]:
    """Published videos of ``owner`` (a user name; default the caller). The caller also sees their
    own unpublished ones. An unknown name is an empty list, like a user with no videos."""
    owner_id = user.id
    if owner is not None and owner != user.name:
        found = session.scalar(select(User.id).where(User.name == owner))
        if found is None:
            return []
        owner_id = found
    query = select(Video).where(Video.owner_id == owner_id)
    if owner_id != user.id:
        query = query.where(Video.published.is_(True))
    query = query.order_by(Video.published_at.desc(), Video.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def derivatives(session: Session, video: Video, limit: int, offset: int) -> list[tuple[Video, str]]:
    """The published videos made from ``video`` (duets and stitches), newest first, with their kind."""
    query = (
        select(Video, VideoUse.kind)
        .join(VideoUse, VideoUse.render_id == Video.id)
        .where(VideoUse.video_id == video.id, Video.published.is_(True))
        .order_by(Video.published_at.desc(), Video.id, VideoUse.kind)
    )
    return [(row, kind) for row, kind in session.execute(query.limit(limit).offset(offset)).tuples()]


def derivative_count(session: Session, video_id: str) -> int:
    query = (
        select(func.count(func.distinct(VideoUse.render_id)))
        .join(Video, Video.id == VideoUse.render_id)
        .where(VideoUse.video_id == video_id, Video.published.is_(True))
    )
    return int(session.scalar(query) or 0)


def record_uses(session: Session, render_id: str, uses: list[tuple[str, Use]]) -> None:
    """One row per (borrowed published video, kind), once per succeeded render."""
    for video_id, kind in sorted(set(uses)):
        if session.get(Video, video_id) is not None:
            session.add(VideoUse(video_id=video_id, render_id=render_id, kind=kind))


def public(
    services: Services, session: Session, video: Video, base: str | None = None
) -> schemas.VideoPublic:
    render = session.get(Render, video.id)
    owner = session.get(User, video.owner_id)
    sound = original_sound(session, video.id)
    url = None
    if render is not None and render.output_key and render.staged_key is None:
        presigned = services.storage.presign_get(
            render.output_key, services.settings.presign_seconds, filename=f"reelforge-{video.id}.mp4"
        )
        url = services.absolute(presigned, base)
    return schemas.VideoPublic(
        id=video.id,
        title=video.title,
        owner=owner.name if owner else "unknown",
        owner_id=video.owner_id,
        published=video.published,
        allow_duet=video.allow_duet,
        allow_stitch=video.allow_stitch,
        allow_sound_reuse=bool(sound is not None and sound.allow_reuse),
        sound_id=sound.id if sound is not None else None,
        duration=render.output_duration if render else None,
        url=url,
        credits=[schemas.Credit.model_validate(c) for c in (render.credits or [])] if render else [],
        derivatives=derivative_count(session, video.id),
        published_at=video.published_at,
    )
