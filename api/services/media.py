"""Media uploads: create -> bytes to storage -> complete (probe, reject or normalise).

``complete`` claims the row with a compare-and-set (``pending -> processing``, stamping
``processing_started_at``) and then probes and transcodes in the request, so two concurrent completes
never both transcode: the second answers with the row as it is (``processing``). A process killed
mid-transcode leaves its row ``processing``; once the claim is older than ``media_claim_timeout``
(``REELFORGE_MEDIA_PROCESSING_TIMEOUT``, by default ``render_timeout`` + 10 min, longer than any live
transcode may take) the next complete takes it over, so a client retrying after a crash gets an
answer. Only the holder of the current claim writes the result (a guarded UPDATE on the stamp), so a
slow process whose claim was taken over writes nothing and deletes what it made. The janitor does
not touch media rows: a stuck row recovers on the client's next complete.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from api import schemas
from api.core.context import Services
from api.core.models import Media, Render, Sound, User, utcnow
from api.services.normalize import normalize
from editor.errors import (
    Conflict,
    MediaError,
    MediaLimitError,
    ReelForgeError,
    SpecError,
    StorageError,
    Throttled,
    TooLarge,
)
from editor.text.captions import MAX_CAPTION_BYTES

log = logging.getLogger("reelforge.media")


def create(
    services: Services, session: Session, user: User, body: schemas.MediaCreate, base: str
) -> schemas.MediaUpload:
    limit = services.settings.max_upload_bytes
    if body.kind == "captions":
        limit = min(limit, MAX_CAPTION_BYTES)
    if body.size > limit:
        raise TooLarge(f"{body.size} bytes is over the {limit} byte upload limit", code="upload_too_large")
    check_quota(services, session, user, body.size)
    media_id = uuid.uuid4().hex
    key = f"users/{user.id}/uploads/{media_id}"
    target = services.storage.upload_target(key, body.size, services.settings.presign_seconds)
    session.add(
        Media(
            id=media_id,
            owner_id=user.id,
            kind=body.kind,
            filename=body.filename,
            declared_size=body.size,
            upload_key=key,
            multipart_upload_id=target.multipart_upload_id if target else None,
        )
    )
    session.commit()
    if target is None:
        url = services.absolute(f"/v1/media/{media_id}/content", base)
        upload = schemas.UploadInstructions(
            method="PUT", url=url, headers={"Content-Type": "application/octet-stream"}
        )
    else:
        upload = schemas.UploadInstructions(
            method="PUT" if target.method == "PUT" else "POST",
            url=target.url,
            headers=target.headers,
            fields=target.fields,
            parts=[schemas.UploadPartPublic(part_number=p.part_number, url=p.url) for p in target.parts],
            part_size=target.part_size,
        )
    return schemas.MediaUpload(id=media_id, upload=upload)


def stored_bytes(session: Session, user_id: str) -> int:
    """What a user keeps in storage: media (the declared size until the bytes are checked) and
    render outputs. Rejected media keep nothing."""
    media = select(func.coalesce(func.sum(func.coalesce(Media.size, Media.declared_size)), 0)).where(
        Media.owner_id == user_id, Media.status != "rejected"
    )
    renders = select(func.coalesce(func.sum(Render.output_size), 0)).where(Render.owner_id == user_id)
    return int(session.scalar(media) or 0) + int(session.scalar(renders) or 0)


def check_quota(services: Services, session: Session, user: User, size: int) -> None:
    """Per-user quotas of a new upload: pending uploads (429) and stored bytes (413). A soft limit:
    two uploads created at the same moment may pass it by one."""
    settings = services.settings
    pending = session.scalar(
        select(func.count()).select_from(Media).where(Media.owner_id == user.id, Media.status == "pending")
    )
    if (pending or 0) >= settings.max_pending_uploads:
        reason = f"{pending} uploads are not completed yet; complete or delete some first"
        raise Throttled(reason, retry_after=60, code="too_many_pending_uploads")
    used = stored_bytes(session, user.id)
    if used + size > settings.max_user_bytes:
        reason = (
            f"{size} more bytes would put your storage over its {settings.max_user_bytes} byte quota "
            f"({used} used); delete media to make room"
        )
        raise TooLarge(reason, code="storage_quota_exceeded")


def upload_limit(services: Services, media: Media) -> int:
    if media.status not in ("pending",):
        raise Conflict("this media was already completed", code="already_completed")
    return min(media.declared_size, services.settings.max_upload_bytes)


def complete(services: Services, session: Session, media: Media, body: schemas.MediaComplete) -> Media:
    """Check the stored bytes whatever the client declared, then normalise or reject with a reason.
    A complete that finds the media ``processing`` under a live claim returns it as it is."""
    claim = _claim(services, session, media)
    if claim is None:
        return media
    try:
        return _complete(services, session, media, body, claim)
    except BaseException:
        session.rollback()
        session.execute(
            update(Media)
            .where(Media.id == media.id, Media.processing_started_at == claim)
            .values(status="pending", processing_started_at=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        raise


def _claim(services: Services, session: Session, media: Media) -> datetime | None:
    """Compare-and-set pending -> processing, so two concurrent completes never both transcode; a
    ``processing`` claim older than ``media_claim_timeout`` (its process died) is taken over. Returns
    the claim's stamp, or None when the media is not ours to process."""
    now = utcnow()
    stale = now - timedelta(seconds=services.settings.media_claim_timeout)
    abandoned = and_(
        Media.status == "processing",
        or_(Media.processing_started_at.is_(None), Media.processing_started_at < stale),
    )
    claimed = session.execute(
        update(Media)
        .where(Media.id == media.id, or_(Media.status == "pending", abandoned))
        .values(status="processing", processing_started_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()  # no transaction stays open while the upload is probed and transcoded
    if not claimed.rowcount:  # type: ignore[attr-defined]
        session.refresh(media)
        return None
    # what the database holds now; not changes to flush (the stamp must only be written by a claim)
    set_committed_value(media, "status", "processing")
    set_committed_value(media, "processing_started_at", now)
    return now


def _complete(
    services: Services, session: Session, media: Media, body: schemas.MediaComplete, claim: datetime
) -> Media:
    storage, settings = services.storage, services.settings
    if media.multipart_upload_id:
        if not body.parts:
            reason = "a multipart upload completes with its parts and ETags"
            raise SpecError.at("parts", reason, code="parts_required")
        storage.complete_multipart(
            media.upload_key, media.multipart_upload_id, [(p.part_number, p.etag) for p in body.parts]
        )
        media.multipart_upload_id = None
    size = storage.size(media.upload_key)
    if size is None:
        raise Conflict("no bytes were uploaded for this media yet", code="not_uploaded")
    try:
        if size > settings.max_upload_bytes:
            raise MediaLimitError(f"{size} bytes is over the {settings.max_upload_bytes} byte upload limit")
        if size != media.declared_size:
            raise MediaError(f"the upload has {size} bytes but {media.declared_size} were declared")
        _normalise(services, media)
    except MediaError as exc:
        media.status, media.reject_code, media.reject_reason = "rejected", exc.code, exc.message
    except StorageError:
        raise
    except ReelForgeError as exc:  # ffmpeg choked on bytes that probed fine: still the upload's fault
        media.status, media.reject_code, media.reject_reason = "rejected", "invalid_media", exc.message
    media.size = media.size or size
    produced = [key for key in (media.key, media.thumbnail_key) if key]
    session.flush()  # the result, then the check that the claim is still ours, in one transaction
    still_ours = session.execute(
        update(Media)
        .where(Media.id == media.id, Media.processing_started_at == claim)
        .values(processing_started_at=None)
        .execution_options(synchronize_session=False)
    )
    if not still_ours.rowcount:  # type: ignore[attr-defined]
        session.rollback()
        log.warning("media %s: the claim was taken over meanwhile; dropping this result", media.id)
        for key in produced:
            _delete_quietly(services, key)
        session.refresh(media)
        return media
    session.commit()
    set_committed_value(media, "processing_started_at", None)
    _delete_quietly(services, media.upload_key)
    return media


def _delete_quietly(services: Services, key: str) -> None:
    try:
        services.storage.delete(key)
    except StorageError as exc:
        log.warning("could not delete %s (%s)", key, exc.message)


def _normalise(services: Services, media: Media) -> None:
    settings, storage = services.settings, services.storage
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.work_dir, prefix=f"media-{os.getpid()}-") as tmp:
        work = Path(tmp)
        with storage.local_copy(media.upload_key, work) as source:
            result = normalize(source, media.kind, work, settings.limits(), timeout=settings.render_timeout)
        stem = f"users/{media.owner_id}/media/{uuid.uuid4().hex}"
        storage.put_file(f"{stem}.{result.ext}", result.path)
        if result.thumbnail is not None:
            storage.put_file(f"{stem}.thumb.jpg", result.thumbnail)
            media.thumbnail_key = f"{stem}.thumb.jpg"
        info = result.info
        media.key, media.content_type = f"{stem}.{result.ext}", result.content_type
        media.size = result.path.stat().st_size
        media.duration = result.duration
        media.width, media.height = (info.width, info.height) if info and info.has_video else (None, None)
        media.has_audio = bool(info and info.has_audio)
        media.status = "ready"


def public(services: Services, media: Media, base: str) -> schemas.MediaPublic:
    expires = services.settings.presign_seconds

    def url(key: str | None) -> str | None:
        return services.absolute(services.storage.presign_get(key, expires), base) if key else None

    return schemas.MediaPublic(
        id=media.id,
        kind=media.kind,
        filename=media.filename,
        status=media.status,
        size=media.size,
        duration=media.duration,
        width=media.width,
        height=media.height,
        has_audio=media.has_audio,
        content_type=media.content_type,
        reason=media.reject_reason,
        reason_code=media.reject_code,
        url=url(media.key) if media.status == "ready" else None,
        thumbnail_url=url(media.thumbnail_key) if media.status == "ready" else None,
        created_at=media.created_at,
    )


def list_media(session: Session, user: User, limit: int, offset: int) -> list[Media]:
    query = select(Media).where(Media.owner_id == user.id).order_by(Media.created_at.desc(), Media.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def delete(services: Services, session: Session, media: Media) -> None:
    if session.scalar(select(Sound.id).where(Sound.media_id == media.id).limit(1)):
        raise Conflict("this media is a sound; it cannot be deleted", code="in_use")
    for key in (media.key, media.thumbnail_key, media.upload_key):
        if key:
            services.storage.delete(key)
    session.delete(media)
    session.commit()


def server_audio(owner_id: str, key: str, filename: str, size: int, duration: float) -> Media:
    """The row of an AAC/M4A file the server made and stored itself (a remix, a video's
    soundtrack): ready as it is, never uploaded, probed or normalised."""
    return Media(
        owner_id=owner_id,
        kind="audio",
        filename=filename,
        declared_size=size,
        status="ready",
        upload_key=key,
        key=key,
        content_type="audio/mp4",
        size=size,
        duration=duration,
        has_audio=True,
    )
