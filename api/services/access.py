"""Who may use which source in a render: checked at submit and again when the job runs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from api.core.models import Media, Sound, User
from api.services.lineage import use_refusal
from api.services.videos import reuse_refusal as video_refusal
from api.services.videos import stitch_problems, use_of
from api.services.visibility import VideoSource, find_media, find_sound, find_video
from editor.effects.color import Lut
from editor.errors import SpecError
from editor.face.assets import BUILTIN
from editor.names import unknown_name
from editor.spec import EditSpec
from editor.walk import Source, sources

_SRC = re.compile(r"^(media|sound|video):([0-9a-f]{32})$")
_VIDEO_FIELD = re.compile(r"^(clips\[\d+\]\.src|layers\[\d+\]\.src|layout\.with)$")  # where video: may go


@dataclass
class Resolved:
    """The storage key behind each spec ``src``, the sounds used, and what is wrong."""

    keys: dict[str, str] = field(default_factory=dict)
    sounds: dict[str, Sound] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    forbidden: list[tuple[str, str]] = field(default_factory=list)  # (src, reason)
    videos: list[tuple[str, VideoSource]] = field(default_factory=list)  # (field, video) borrowed
    missing: list[str] = field(default_factory=list)  # sound:/video: sources not found (at run time:
    # unpublished since submit, which the render's owner may be told)


def reuse_refusal(session: Session, sound: Sound, user: User, *, commercial: bool = False) -> str | None:
    """Why ``user`` may not use ``sound`` in a render, or None: publication, then the lineage's
    reuse switches and licenses (``audio.attribution`` rules, through ``api.services.lineage``)."""
    refusal = use_refusal(session, sound, user, commercial=commercial)
    return refusal[1] if refusal else None


def source_fields(spec: EditSpec) -> list[Source]:
    """Every file-like field of the spec (``editor.walk``): clips, the sound, stickers, LUTs..."""
    return list(sources(spec))


def resolve_sources(
    session: Session, user_id: str, fields: Iterable[Source], *, commercial: bool = False
) -> Resolved:
    """The storage key of every ``media:``/``sound:``/``video:`` source, or what is wrong with each
    field. Built-in stickers and bundled LUTs name no object; the API accepts no other files. Every
    object is looked up through ``api.services.visibility``: one the caller may not see is reported
    exactly like a missing one (a 422 "no such ..."), never as a 403 that would confirm it exists."""
    out = Resolved()
    user = session.get(User, user_id)
    for found in fields:
        where, src = found.field, found.value
        if found.kind == "lut":
            try:
                Lut(name=src).locate(where, resolve=None)
            except SpecError as exc:
                out.problems += exc.problems
            continue
        if found.kind == "sticker" and src in BUILTIN:
            continue
        match = _SRC.match(src)
        if not match and found.kind == "sticker":
            reason = unknown_name("asset", src, BUILTIN) + " (or an image upload: media:<id>)"
            out.problems.append((where, reason))
            continue
        videos_here = bool(_VIDEO_FIELD.match(where))
        if not match or (match.group(1) == "video" and not videos_here):
            kinds = "media:<id>, sound:<id> or video:<id>" if videos_here else "media:<id> or sound:<id>"
            out.problems.append((where, f"{src!r} must be {kinds} (never a path or URL)"))
            continue
        kind, object_id = match.groups()
        if kind == "video":
            _resolve_video(session, user_id, where, src, object_id, out)
            continue
        if kind == "media":
            media = find_media(session, user_id, object_id)
            if media is None:
                out.problems.append((where, f"{src}: no such media"))
            elif media.status != "ready" or media.key is None:
                out.problems.append((where, f"{src}: the media is {media.status}, not ready"))
            elif found.kind == "sticker" and media.kind != "image":
                out.problems.append((where, f"{src}: a sticker must be an image (a PNG with transparency)"))
            elif (found.kind == "captions") != (media.kind == "captions"):
                wanted = "a caption upload (kind 'captions')" if found.kind == "captions" else "media"
                out.problems.append((where, f"{src}: this must be {wanted}, not {media.kind}"))
            else:
                out.keys[src] = media.key
            continue
        sound = find_sound(session, user_id, object_id)  # another's unpublished sound: "no such"
        if sound is None or user is None:
            out.problems.append((where, f"{src}: no such sound"))
            out.missing.append(src)
            continue
        refusal = reuse_refusal(session, sound, user, commercial=commercial)
        if refusal:
            out.forbidden.append((src, refusal))
            continue
        sound_media = session.get(Media, sound.media_id)
        if sound_media is None or sound_media.key is None:
            out.problems.append((where, f"{src}: the sound's audio is missing"))
            continue
        out.keys[src] = sound_media.key
        out.sounds[sound.id] = sound
    return out


def _resolve_video(
    session: Session, user_id: str, where: str, src: str, video_id: str, out: Resolved
) -> None:
    source = find_video(session, user_id, video_id, own_renders=True)
    if source is None:
        out.problems.append((where, f"{src}: no such video"))
        out.missing.append(src)
        return
    refusal = video_refusal(session, source, user_id, use_of(where))
    if refusal:
        out.forbidden.append((src, refusal))
        return
    out.keys[src] = source.key
    out.videos.append((where, source))


def video_problems(spec: EditSpec, resolved: Resolved) -> list[tuple[str, str]]:
    """Rules of borrowed videos that need the spec: a stitch is the first clip, at most 5 s long."""
    problems: list[tuple[str, str]] = []
    for where, source in resolved.videos:
        if use_of(where) == "stitch":
            clip = spec.clips[int(where[len("clips[") : where.index("]")])]
            problems += stitch_problems(where, source, clip.in_, clip.out)
    return problems


def sound_problems(session: Session, spec: EditSpec, resolved: Resolved) -> list[tuple[str, str]]:
    """A sound that starts past its own end would play silence: say so at submit."""
    sound = spec.audio.sound if spec.audio else None
    row = resolved.sounds.get(sound.src.removeprefix("sound:")) if sound else None
    if sound is None or row is None or isinstance(sound.start, str):
        return []
    media = session.get(Media, row.media_id)
    length = media.duration if media is not None else None
    if length and sound.start >= length:
        return [("audio.sound.start", f"{sound.start:g} s is past the end of the {length:.2f} s sound")]
    return []


def refusal_code(src: str, *, revoked: bool) -> str:
    """The error code of a refused source: at submit (403) or when the job runs."""
    kind = "video" if src.startswith("video:") else "sound"
    return f"{kind}_reuse_revoked" if revoked else f"{kind}_not_reusable"
