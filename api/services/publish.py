"""Publishing a render as a video: the video row, and its soundtrack extracted, analysed and
fingerprinted as the creator's original sound (``Sound.video_id`` points back at the video)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import schemas
from api.core.context import Services
from api.core.models import Render, Sound, User, Video, utcnow
from api.jobs.run import publish as roll_forward
from api.services.media import server_audio
from api.services.sounds import analyze_path, write_fingerprint
from api.services.videos import apply_changes
from editor.audio_decode import extract_soundtrack
from editor.errors import Conflict, MediaError

if TYPE_CHECKING:
    from audio.fingerprint import Fingerprint

SILENT_LUFS = -60.0  # a soundtrack this quiet is no sound to borrow (silence measures -70)


def publish(
    services: Services, session: Session, user: User, render: Render, body: schemas.VideoPublish
) -> Video:
    """Make the caller's succeeded ``render`` a published video and its soundtrack the creator's
    original sound."""
    if render.status == "succeeded" and render.staged_key is not None:
        # Succeeded, its MP4 not yet copied to its final key (the worker does that right after the
        # commit, the janitor if it died): roll it forward here rather than refuse a client that
        # publishes as soon as it sees the status.
        roll_forward(services, render.id)
        session.refresh(render)
    if render.status != "succeeded" or render.output_key is None or render.staged_key is not None:
        raise Conflict(
            f"only a finished render can be published (this one is {render.status})", code="not_finished"
        )
    video = session.get(Video, render.id)
    if video is not None:
        if video.published:
            raise Conflict("this render is already published", code="already_published")
        video.published, video.published_at = True, utcnow()
        apply_changes(session, video, body.model_dump())
        session.commit()
        return video
    key, title, render_id = render.output_key, body.title, render.id
    session.rollback()  # no transaction stays open while the soundtrack is extracted and analysed
    sound_key = f"users/{user.id}/sounds/{render_id}.m4a"
    extracted = _extract_sound(services, key, sound_key)
    video = Video(
        id=render_id,
        owner_id=user.id,
        title=title,
        allow_duet=body.allow_duet,
        allow_stitch=body.allow_stitch,
    )
    session.add(video)
    try:
        session.flush()
    except IntegrityError:  # a concurrent publish of the same render won (and wrote the same key)
        session.rollback()
        raise Conflict("this render is already published", code="already_published") from None
    if extracted is not None:
        _add_original_sound(session, user, video, sound_key, extracted, body.allow_sound_reuse)
    session.commit()
    return video


@dataclass(frozen=True)
class _Extracted:
    size: int
    duration: float
    analysis: dict[str, Any]
    fingerprint: Fingerprint


def _extract_sound(services: Services, key: str, sound_key: str) -> _Extracted | None:
    """Copy the render's soundtrack to ``sound_key`` and analyse it; None when it has no sound to
    speak of (a silent render publishes without an original sound)."""
    settings = services.settings
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=settings.work_dir, prefix=f"publish-{os.getpid()}-") as tmp,
        services.storage.local_copy(key, Path(tmp)) as video_path,
    ):
        sound_path = extract_soundtrack(video_path, Path(tmp) / "sound.m4a")
        try:
            analysis, fp = analyze_path(sound_path, settings.max_media_seconds, settings.home)
        except MediaError:
            return None
        if float(analysis["loudness_lufs"]) <= SILENT_LUFS:
            return None
        services.storage.put_file(sound_key, sound_path)
        return _Extracted(sound_path.stat().st_size, float(fp.duration), analysis, fp)


def _add_original_sound(
    session: Session, user: User, video: Video, key: str, extracted: _Extracted, allow_reuse: bool
) -> None:
    media = server_audio(user.id, key, f"{video.id}.m4a", extracted.size, extracted.duration)
    session.add(media)
    session.flush()
    # no duplicate lookup: the lineage through the video is exact, where a fingerprint match of a
    # soundtrack that mixes a borrowed sound would credit it to that sound's creator alone
    sound = Sound(
        owner_id=user.id,
        media_id=media.id,
        title=f"original sound - {video.title}"[:200],
        license="original",
        allow_reuse=allow_reuse,
        published=True,
        analysis=extracted.analysis,
        video_id=video.id,
    )
    session.add(sound)
    write_fingerprint(session, sound, extracted.fingerprint)
