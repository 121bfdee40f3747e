"""Sounds: publishing, lineage and credits, trending. Audio analysis comes from ``audio/``."""

from __future__ import annotations

import math
import os
import tempfile
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, defer

from api import schemas
from api.core.context import Services
from api.core.db import as_utc
from api.core.models import Media, Sound, SoundHash, SoundUse, User, utcnow
from api.services.access import reuse_refusal
from api.services.lineage import credits as lineage_credits
from api.services.visibility import can_see_sound, find_media, sounds_seen_by
from editor.errors import MediaError, ReelForgeError, SpecError

if TYPE_CHECKING:
    from audio.fingerprint import Fingerprint

FINGERPRINT_VERSION = 1
HALF_LIFE_HOURS = 24.0
TRENDING_WINDOW = timedelta(days=7)
MAX_LINEAGE = 32
LOOKUP_CHUNK = 500  # values per ``IN (...)`` list: well under SQLite's bound-variable limit


def create(services: Services, session: Session, user: User, body: schemas.SoundCreate) -> Sound:
    media = find_media(session, user.id, body.media_id)
    if media is None:
        raise SpecError.at("media_id", "no such media", code="invalid_request")
    if media.status != "ready" or not media.has_audio or media.kind == "image" or media.key is None:
        reason = "the media must be a ready audio upload, or a ready video with sound"
        raise SpecError.at("media_id", reason, code="invalid_request")
    key = media.key
    session.rollback()  # no transaction stays open during the analysis
    analysis, fp = analyze(services, key)
    with services.readers() as reader:  # the lookup reads many rows: not under the write lock
        original = find_original(reader, fp, seen_by=user.id)
    sound = Sound(
        owner_id=user.id,
        media_id=media.id,
        title=body.title,
        license=body.license,
        allow_reuse=body.allow_reuse,
        published=body.published,
        analysis=analysis,
        original_id=original.id if original is not None else None,
    )
    session.add(sound)
    write_fingerprint(session, sound, fp)
    session.commit()
    return sound


def analyze(services: Services, key: str) -> tuple[dict[str, Any], Fingerprint]:
    """Tempo, beats and loudness (``audio.analysis``) and the duplicate-detection fingerprint."""
    settings = services.settings
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=settings.work_dir, prefix=f"sound-{os.getpid()}-") as tmp,
        services.storage.local_copy(key, Path(tmp)) as path,
    ):
        return analyze_path(path, settings.max_media_seconds, settings.home)


def analyze_path(
    path: Path, max_seconds: float, home: Path | None = None
) -> tuple[dict[str, Any], Fingerprint]:
    """``analyze`` of a local file."""
    from audio.fingerprint import FP_SR, fingerprint
    from editor.audio_decode import decode_audio, sound_analysis

    try:
        analysis = sound_analysis(path, max_seconds=max_seconds, home=home).to_json()
        samples, sr = decode_audio(path, sr=FP_SR, mono=True, max_seconds=max_seconds)
    except ReelForgeError as exc:
        reason = f"the sound could not be analysed: {exc.message}"
        raise MediaError(reason, code="analysis_failed") from exc
    return analysis, fingerprint(samples, sr)


def write_fingerprint(session: Session, sound: Sound, fp: Fingerprint) -> None:
    """The one writer of a sound's fingerprint, in the caller's transaction: the JSON on the row (the
    record of truth, what a re-index reads) and, for an original (``original_id`` null), its postings
    in ``sound_hashes``, which ``find_original`` reads. A duplicate has none; calling it again on a
    sound replaces its postings."""
    sound.fingerprint = _stored_fingerprint(fp)
    session.flush()  # the sound row (and its id) exists before the rows that point at it
    session.execute(delete(SoundHash).where(SoundHash.sound_id == sound.id))
    if sound.original_id is None and len(fp):
        pairs = sorted(set(zip(fp.hashes.tolist(), fp.frames.tolist(), strict=True)))
        rows = [{"sound_id": sound.id, "hash": h, "frame": t} for h, t in pairs]
        # Core executemany on the session's connection (the ORM bulk path costs ~40 % more)
        session.connection().execute(insert(SoundHash), rows)


def _stored_fingerprint(fp: Fingerprint) -> dict[str, Any]:
    return {"version": FINGERPRINT_VERSION, "pairs": fp.pairs(), "duration": fp.duration}


def find_original(session: Session, fp: Fingerprint, *, seen_by: str) -> Sound | None:
    """The earliest sound this audio duplicates (re-encoded, trimmed, louder, mono...), if any,
    among the sounds ``seen_by`` may see (``api.services.visibility``): a private sound of someone
    else is never a candidate, so a re-upload can neither link to it nor learn that it exists.

    Reads from ``sound_hashes`` only the postings of the query's distinct hashes (in chunks of
    ``LOOKUP_CHUNK``), so a lookup costs what the query's hashes hit, not the size of the library.
    Those rows are exactly the sounds ``FingerprintIndex.candidates`` could score, so the match is
    the one an index of the whole library gives; they are ranked by (created_at, id) because equal
    scores go to the sound indexed first, the earliest.

    Not done: skipping "stop-word" hashes with huge posting lists. With 23-bit hashes they stay
    short so far (a 10 s query reads ~46k postings among 1000 originals, ``benchmarks/fingerprint.py``),
    and dropping hashes would lower the scores the match thresholds were tuned on.
    """
    from audio.fingerprint import FingerprintIndex

    hashes = sorted(set(fp.hashes.tolist()))
    rows: list[tuple[str, int, int]] = []
    for i in range(0, len(hashes), LOOKUP_CHUNK):
        query = select(SoundHash.sound_id, SoundHash.hash, SoundHash.frame).where(
            SoundHash.hash.in_(hashes[i : i + LOOKUP_CHUNK])
        )
        rows.extend(session.execute(query).tuples())
    if not rows:
        return None
    ids = sorted({sound_id for sound_id, _, _ in rows})
    created: dict[str, datetime] = {}  # visible candidates still original (the table holds only those)
    for i in range(0, len(ids), LOOKUP_CHUNK):
        when = select(Sound.id, Sound.created_at).where(
            Sound.id.in_(ids[i : i + LOOKUP_CHUNK]), Sound.original_id.is_(None), sounds_seen_by(seen_by)
        )
        created.update((sound_id, at) for sound_id, at in session.execute(when).tuples())
    rank = {sound_id: n for n, sound_id in enumerate(sorted(created, key=lambda s: (as_utc(created[s]), s)))}
    rows = sorted((row for row in rows if row[0] in rank), key=lambda row: rank[row[0]])
    match = FingerprintIndex.from_rows(rows).match(fp)
    if match is None:
        return None
    return session.get(Sound, match.sound_id, options=[defer(Sound.fingerprint)])


def update(session: Session, sound: Sound, body: schemas.SoundUpdate) -> Sound:
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is None:
            raise SpecError.at(name, "cannot be null", code="invalid_request")
        setattr(sound, name, value)
    session.commit()
    return sound


def lineage(session: Session, sound: Sound) -> list[Sound]:
    """The parent, its parent, ... (remixes), then the original a duplicate points to."""
    chain: list[Sound] = []
    seen = {sound.id}
    current = sound
    while len(chain) < MAX_LINEAGE:
        next_id = current.parent_id or current.original_id
        if next_id is None or next_id in seen:
            break
        parent = session.get(Sound, next_id)
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent.id)
        current = parent
    return chain


def preview_url(services: Services, media: Media | None, viewer: User, base: str) -> str | None:
    """A presigned GET to listen to a sound: its audio file. A sound taken from a video's own audio
    gets one only for the video's owner, since the link would hand out the video itself."""
    if media is None or media.key is None or (media.kind != "audio" and media.owner_id != viewer.id):
        return None
    return services.absolute(services.storage.presign_get(media.key, services.settings.presign_seconds), base)


def public(
    services: Services, session: Session, sound: Sound, viewer: User, base: str
) -> schemas.SoundPublic:
    """The sound as ``viewer`` sees it: its lineage and credits name no sound hidden from them."""
    owner = session.get(User, sound.owner_id)
    media = session.get(Media, sound.media_id)

    def seen(sound_id: str | None) -> str | None:  # a link to a sound the viewer may not see: none
        row = session.get(Sound, sound_id, options=[defer(Sound.fingerprint)]) if sound_id else None
        return sound_id if row is not None and can_see_sound(row, viewer.id) else None

    credits = [c for c in lineage_credits(session, [sound]) if c.sound_id is None or seen(c.sound_id)]
    return schemas.SoundPublic(
        id=sound.id,
        title=sound.title,
        owner=owner.name if owner else "unknown",
        owner_id=sound.owner_id,
        license=sound.license,
        allow_reuse=sound.allow_reuse,
        published=sound.published,
        usage_count=sound.usage_count,
        duration=media.duration if media else None,
        parent_id=seen(sound.parent_id),
        original_id=seen(sound.original_id),
        lineage=[s.id for s in lineage(session, sound) if can_see_sound(s, viewer.id)],
        credits=[schemas.Credit.model_validate(c) for c in credits],
        analysis=sound.analysis,
        preview_url=preview_url(services, media, viewer, base),
        created_at=sound.created_at,
    )


def list_sounds(session: Session, user: User, limit: int, offset: int) -> list[Sound]:
    query = select(Sound).where(Sound.owner_id == user.id).order_by(Sound.created_at.desc(), Sound.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def search(session: Session, user: User, text: str, limit: int) -> list[Sound]:
    """Published sounds, and the caller's own, whose title or owner's name contains ``text``
    (case-insensitive), newest first. Sounds that may not be reused are listed too, marked so by
    ``allow_reuse``: people look a sound up before they know whether they may borrow it."""
    matches = Sound.title.icontains(text, autoescape=True) | User.name.icontains(text, autoescape=True)
    query = (
        select(Sound)
        .join(User, User.id == Sound.owner_id)
        .where(matches, sounds_seen_by(user.id))
        .order_by(Sound.created_at.desc(), Sound.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def trending(session: Session, user: User, limit: int) -> list[tuple[Sound, float]]:
    """Published, reusable sounds ranked by uses with exponential time decay (half-life 24 h)."""
    now = utcnow()
    rows = session.execute(
        select(SoundUse.sound_id, SoundUse.used_at).where(SoundUse.used_at >= now - TRENDING_WINDOW)
    ).all()
    scores: dict[str, float] = defaultdict(float)
    decay = math.log(2) / (HALF_LIFE_HOURS * 3600.0)
    for sound_id, used_at in rows:
        age = max(0.0, (now - as_utc(used_at)).total_seconds())
        scores[sound_id] += math.exp(-decay * age)
    ranked: list[tuple[Sound, float]] = []
    for sound_id, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        sound = session.get(Sound, sound_id)
        if sound is not None and sound.published and reuse_refusal(session, sound, user) is None:
            ranked.append((sound, round(score, 6)))
        if len(ranked) >= limit:
            break
    return ranked
