"""The bridge between stored sounds and ``audio.attribution``: lineage graphs, credits, use rules.

A re-upload that fingerprinting matched to an earlier sound (``original_id``) is that sound for
credit purposes: the first creator is credited, never the re-uploader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.orm import Session

from api.core.models import Media, Sound, User
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
        parent = canonical(session, parent) if parent is not None else None
        owner = session.get(User, row.owner_id)
        media = session.get(Media, row.media_id)
        nodes[row.id] = attribution.Sound(
            id=row.id,
            owner=handle(owner.name if owner else "unknown"),
            title=row.title,
            license=attribution.License(row.license if row.license in LICENSES else "original"),
            allow_reuse=row.allow_reuse,
            origin="video" if media is not None and media.kind == "video" else "upload",
            parents=(parent.id,) if parent is not None else (),
        )
        if parent is not None:
            queue.append(parent)
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
    return None if decision.allowed else (decision.reason_code, decision.message)
