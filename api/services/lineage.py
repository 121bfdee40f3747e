"""The bridge between stored sounds and ``audio.attribution``: lineage graphs, credits, use rules.

A re-upload that fingerprinting matched to an earlier sound (``original_id``) is that sound for
credit purposes: the first creator is credited, never the re-uploader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.models import Media, Render, Sound, SoundUse, User, Video
from api.services.visibility import can_see_sound
from audio import attribution

MAX_LINEAGE = 64
LICENSES = tuple(item.value for item in attribution.License)


def handle(name: str) -> str:
    """A user name as an @handle: letters, digits, ``_`` and ``.``, at most 30 characters."""
    return re.sub(r"[^A-Za-z0-9_.]", "_", name)[:30] or "user"


def canonical(session: Session, sound: Sound) -> Sound:
    """The sound a duplicate re-upload stands for (itself when it is not one)."""
    seen = {sound.id}
    while sound.original_id and sound.original_id not in seen:
        original = session.get(Sound, sound.original_id)
        if original is None:
            break
        seen.add(original.id)
        sound = original
    return sound


def graph_for(session: Session, sounds: Iterable[Sound]) -> attribution.SoundGraph:
    """The attribution graph of ``sounds`` and all their ancestors (duplicates folded in)."""
    nodes: dict[str, attribution.Sound] = {}
    queue = [canonical(session, s) for s in sounds]
    while queue and len(nodes) < MAX_LINEAGE:
        row = queue.pop(0)
        if row.id in nodes:
            continue
        parent = session.get(Sound, row.parent_id) if row.parent_id else None
        parents = [canonical(session, parent)] if parent is not None else []
        if row.video_id is not None:
            parents += video_sounds(session, row.video_id)
        owner = session.get(User, row.owner_id)
        nodes[row.id] = attribution.Sound(
            id=row.id,
            owner=handle(owner.name if owner else "unknown"),
            title=row.title,
            license=attribution.License(row.license if row.license in LICENSES else "original"),
            allow_reuse=row.allow_reuse,
            origin="video" if row.video_id is not None or _from_video(session, row) else "upload",
            parents=tuple(dict.fromkeys(p.id for p in parents if p.id != row.id)),
        )
        queue.extend(parents)
    return attribution.SoundGraph(nodes.values())


def credits(session: Session, sounds: Iterable[Sound]) -> list[attribution.Credit]:
    """Everyone a render (or a sound) owes, derived from the lineage; each creator once."""
    rows = [canonical(session, s) for s in sounds]
    graph = graph_for(session, rows)
    out: list[attribution.Credit] = []
    owners: set[str] = set()
    for row in rows:
        for credit in attribution.credits_for(row.id, graph):
            if credit.owner.lower() not in owners:
                owners.add(credit.owner.lower())
                out.append(credit)
    return out


def _from_video(session: Session, row: Sound) -> bool:
    media = session.get(Media, row.media_id)
    return media is not None and media.kind == "video"


def video_sounds(session: Session, video_id: str) -> list[Sound]:
    """The sounds in a published video's soundtrack: those its render used (a borrowed sound, the
    original sounds of the videos it borrowed), duplicates folded in."""
    ids = session.scalars(select(SoundUse.sound_id).where(SoundUse.render_id == video_id)).all()
    rows = [session.get(Sound, sound_id) for sound_id in sorted(ids)]
    return [canonical(session, row) for row in rows if row is not None]


def render_credits(
    session: Session, sounds: Iterable[Sound], videos: Iterable[tuple[str, attribution.VideoUse]] = ()
) -> list[attribution.Credit]:
    """Everyone a render owes, each creator once: every borrowed video's creator (with what that
    video itself owed: its credits were recorded when it rendered), then every sound's lineage."""
    out: list[attribution.Credit] = []
    owners: set[str] = set()

    def add(credit: attribution.Credit) -> None:
        if credit.owner.lower() not in owners:
            owners.add(credit.owner.lower())
            out.append(credit)

    for video_id, use in videos:
        render = session.get(Render, video_id)
        if render is None:
            continue
        video = session.get(Video, video_id)
        owner = session.get(User, render.owner_id)
        name = handle(owner.name if owner else "unknown")
        add(attribution.video_credit(video_id, name, video.title if video else "untitled", use))
        for stored in render.credits or []:
            add(attribution.Credit(**stored))
    for credit in credits(session, sounds):
        add(credit)
    return out


def use_refusal(session: Session, sound: Sound, user: User, *, commercial: bool) -> tuple[str, str] | None:
    """``(reason_code, message)`` when ``user`` may not put ``sound`` in a render, else None."""
    if sound.owner_id != user.id and not sound.published:
        return "sound_not_published", "the sound is not published by its owner"
    if sound.owner_id != user.id and not sound.allow_reuse:  # its own switch, even on a re-upload
        return "reuse_not_allowed", f"the owner of '{sound.title}' does not allow reuse"
    row = canonical(session, sound)
    graph = graph_for(session, [row])
    node = graph.get(row.id)
    if node is None:
        return "lineage_incomplete", "the sound's lineage is too deep to check"
    decision = attribution.check_use(node, user=handle(user.name), commercial=commercial, graph=graph)
    if decision.allowed:
        return None
    # the message names an ancestor: never one the user may not see
    ancestors = (session.get(Sound, item.id) for item in graph.lineage(row.id)[0])
    if any(a is not None and not can_see_sound(a, user.id) for a in ancestors):
        return decision.reason_code, "a sound in its lineage does not allow this use"
    return decision.reason_code, decision.message
