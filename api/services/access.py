"""Who may use which source in a render: checked at submit and again when the job runs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from api.core.models import Media, Sound, User
from api.services.lineage import use_refusal
from editor.effects.color import Lut
from editor.errors import SpecError
from editor.face.assets import BUILTIN
from editor.names import unknown_name
from editor.spec import EditSpec
from editor.walk import Source, sources

_SRC = re.compile(r"^(media|sound):([0-9a-f]{32})$")


@dataclass
class Resolved:
    """The storage key behind each spec ``src``, the sounds used, and what is wrong."""

    keys: dict[str, str] = field(default_factory=dict)
    sounds: dict[str, Sound] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    forbidden: list[tuple[str, str]] = field(default_factory=list)  # (src, reason)


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
    """The storage key of every ``media:``/``sound:`` source, or what is wrong with each field.
    Built-in stickers and bundled LUTs name no object; the API accepts no other files."""
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
        if not match:
            out.problems.append((where, f"{src!r} must be media:<id> or sound:<id> (never a path or URL)"))
            continue
        kind, object_id = match.groups()
        if kind == "media":
            media = session.get(Media, object_id)
            if media is None or media.owner_id != user_id:
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
        sound = session.get(Sound, object_id)
        refusal = reuse_refusal(session, sound, user, commercial=commercial) if sound and user else None
        if sound is None:
            out.problems.append((where, f"{src}: no such sound"))
            continue
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
