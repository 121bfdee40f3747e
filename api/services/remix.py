"""Remixing a sound: a new sound rendered from its parent (trim, tempo, pitch, fades, volume),
with the parent recorded so credits walk the whole chain."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from api import schemas
from api.core.context import Services
from api.core.models import Media, Sound, User
from api.services.lineage import canonical, graph_for, handle, use_refusal
from api.services.media import server_audio
from api.services.sounds import analyze, write_fingerprint
from api.services.visibility import visible_sound
from audio import attribution
from audio.key import Key
from audio.remix import SoundRemix, match_pitch, match_tempo, plan_sound
from editor import ffmpeg
from editor.errors import Conflict, Forbidden, MediaError, ReelForgeError, SpecError
from editor.probe import probe


def remix(
    services: Services, session: Session, user: User, parent_id: str, body: schemas.SoundRemixCreate
) -> Sound:
    parent = visible_sound(session, user, parent_id)
    refusal = use_refusal(session, parent, user, commercial=False)
    if refusal is not None:
        raise Forbidden(refusal[1], code=refusal[0])
    root = canonical(session, parent)  # a duplicate re-upload stands for the sound it copies
    graph = graph_for(session, [root])
    title = body.title or f"{parent.title[:190]} (remix)"
    candidate = attribution.Sound(
        id="new",
        owner=handle(user.name),
        title=title,
        license=attribution.License(body.license),
        parents=(root.id,),
    )
    decision = attribution.check_remix(candidate, graph)
    if not decision.allowed:
        raise Forbidden(decision.message, code=decision.reason_code)
    source = session.get(Media, parent.media_id)
    if source is None or source.key is None or not source.duration:
        raise Conflict("the sound's audio is missing", code="source_unavailable")
    ops = body.ops
    end = min(ops.end if ops.end is not None else source.duration, source.duration)
    if end - ops.start < 0.5:
        raise SpecError(
            [("ops.end", f"must be at least 0.5 s after start, within {source.duration:.2f} s")],
            code="invalid_request",
            message="the remix must keep at least 0.5 s of the sound",
        )
    tempo, pitch = matched(session, user, parent, ops)
    params = SoundRemix(**{**ops.model_dump(exclude={"end"}), "tempo": tempo, "pitch": pitch})
    source_key, length = source.key, (end - ops.start) / tempo
    session.rollback()  # nothing stays locked while ffmpeg works
    key = f"users/{user.id}/media/{uuid.uuid4().hex}.m4a"
    media = _render(services, source_key, params, length, key, user.id)
    analysis, fp = analyze(services, key)  # before any write: on SQLite a write locks every writer
    session.add(media)
    session.flush()  # gives the media its id
    sound = Sound(
        owner_id=user.id,
        media_id=media.id,
        title=title,
        license=body.license,
        allow_reuse=body.allow_reuse,
        published=body.published,
        parent_id=parent.id,
        analysis=analysis,
    )
    session.add(sound)
    write_fingerprint(session, sound, fp)
    session.commit()
    return sound


def matched(session: Session, user: User, parent: Sound, ops: schemas.RemixOps) -> tuple[float, float]:
    """``ops.tempo`` and ``ops.pitch`` as numbers: ``match:<id>`` takes that sound's tempo or key
    (a sound the caller may not see is a 404, like a missing one)."""
    tempo, pitch = ops.tempo, ops.pitch
    mine_tempo, mine_key = _tempo_and_key(parent)
    try:
        if isinstance(tempo, str):
            tempo = match_tempo(mine_tempo, _tempo_and_key(_matched_sound(session, user, tempo))[0])
    except ValueError as exc:
        raise SpecError.at("ops.tempo", str(exc), code="invalid_request") from None
    try:
        if isinstance(pitch, str):
            pitch = match_pitch(mine_key, _tempo_and_key(_matched_sound(session, user, pitch))[1])
    except ValueError as exc:
        raise SpecError.at("ops.pitch", str(exc), code="invalid_request") from None
    return float(tempo), float(pitch)


def _matched_sound(session: Session, user: User, ref: str) -> Sound:
    return visible_sound(session, user, ref.removeprefix("match:"))


def _tempo_and_key(sound: Sound) -> tuple[float, Key | None]:
    """From the stored analysis (sounds analysed before keys were measured have none)."""
    data = sound.analysis or {}
    return float(data.get("tempo") or 0.0), Key.parse(data.get("key"), data.get("mode"))


def _render(
    services: Services, source_key: str, params: SoundRemix, length: float, key: str, owner_id: str
) -> Media:
    settings, storage = services.settings, services.storage
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.work_dir, prefix=f"remix-{os.getpid()}-") as tmp:
        work = Path(tmp)
        out = work / "remix.m4a"
        plan = plan_sound(params, length)
        try:
            with storage.local_copy(source_key, work) as path:
                ffmpeg.run(
                    [
                        *ffmpeg.input_args(path, before=plan.input_options),
                        "-vn",
                        "-af",
                        plan.chain,
                        *ffmpeg.AAC_OUTPUT,
                        "-movflags",
                        "+faststart",
                        str(out),
                    ],
                    timeout=settings.render_timeout,
                )
            info = probe(out)
        except ReelForgeError as exc:
            raise MediaError(f"the remix could not be rendered: {exc.message}", code="remix_failed") from exc
        storage.put_file(key, out)
    return server_audio(owner_id, key, "remix.m4a", info.size_bytes, info.duration)
