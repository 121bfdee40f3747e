"""Who may see what: the one rule behind every lookup of a sound, media, render or video.

An object the caller may not see is, to them, an object that does not exist. Every lookup by id
goes through ``find_*`` (None whatever the reason) or ``visible_*``/``owned_*`` (the same
``NotFound`` as a missing id), so a route, a render source, a template, a remix, a duplicate match
or a credit cannot tell "hidden" from "missing" by accident:

- media and renders: their owner only;
- sounds and videos: their owner, or anyone while published.

``sounds_seen_by`` is the same sound rule as a SQL condition, for queries over many rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session, defer

from api.core.models import Media, Render, Sound, User, Video
from editor.errors import NotFound

ID_LENGTH = 32  # uuid4().hex: anything else names nothing, without a query


def can_see_sound(sound: Sound, user_id: str) -> bool:
    return sound.owner_id == user_id or bool(sound.published)


def can_see_video(video: Video, user_id: str) -> bool:
    return video.owner_id == user_id or bool(video.published)


def sounds_seen_by(user_id: str) -> ColumnElement[bool]:
    """``can_see_sound`` as a WHERE condition."""
    return Sound.published.is_(True) | (Sound.owner_id == user_id)


def _get(session: Session, model: Any, object_id: str, **kwargs: Any) -> Any:
    return session.get(model, object_id, **kwargs) if len(object_id) == ID_LENGTH else None


def find_sound(session: Session, user_id: str, sound_id: str) -> Sound | None:
    sound: Sound | None = _get(session, Sound, sound_id, options=[defer(Sound.fingerprint)])
    return sound if sound is not None and can_see_sound(sound, user_id) else None


def find_media(session: Session, user_id: str, media_id: str) -> Media | None:
    media: Media | None = _get(session, Media, media_id)
    return media if media is not None and media.owner_id == user_id else None


def find_render(session: Session, user_id: str, render_id: str) -> Render | None:
    render: Render | None = _get(session, Render, render_id)
    return render if render is not None and render.owner_id == user_id else None


@dataclass(frozen=True)
class VideoSource:
    """What a spec's ``video:<id>`` stands for: a published video, or the caller's own render."""

    id: str
    owner_id: str
    key: str
    duration: float
    video: Video | None  # None: the owner's own render, not published


def find_video(
    session: Session, user_id: str, video_id: str, *, own_renders: bool = False
) -> VideoSource | None:
    """The video ``user_id`` may see (published, or their own), else None, whatever the reason.
    With ``own_renders``, the caller's own succeeded renders count too (the owner may always use
    their own work in a render, published or not). A video's id is its render's."""
    render: Render | None = _get(session, Render, video_id)
    if render is None or render.status != "succeeded" or render.output_key is None:
        return None
    video = session.get(Video, video_id)
    seen = video is not None and can_see_video(video, user_id)
    if not (seen or (own_renders and render.owner_id == user_id)):
        return None
    return VideoSource(render.id, render.owner_id, render.output_key, render.output_duration or 0.0, video)


# --- the same lookups for routes: NotFound, the answer of a missing id ---------------------------


def visible_sound(session: Session, user: User, sound_id: str) -> Sound:
    sound = find_sound(session, user.id, sound_id)
    if sound is None:
        raise NotFound.of("sound")
    return sound


def owned_sound(session: Session, user: User, sound_id: str) -> Sound:
    sound = find_sound(session, user.id, sound_id)
    if sound is None or sound.owner_id != user.id:
        raise NotFound.of("sound")
    return sound


def owned_media(session: Session, user: User, media_id: str) -> Media:
    media = find_media(session, user.id, media_id)
    if media is None:
        raise NotFound.of("media")
    return media


def owned_render(session: Session, user: User, render_id: str) -> Render:
    render = find_render(session, user.id, render_id)
    if render is None:
        raise NotFound.of("render")
    return render


def visible_video(session: Session, user: User, video_id: str) -> Video:
    source = find_video(session, user.id, video_id)
    if source is None or source.video is None:
        raise NotFound.of("video")
    return source.video


def owned_video(session: Session, user: User, video_id: str) -> Video:
    video = visible_video(session, user, video_id)
    if video.owner_id != user.id:
        raise NotFound.of("video")
    return video
