"""The progressive preview of a running render, as players fetch it.

The job publishes ffmpeg's playlist and segments under ``preview_prefix`` (``api.jobs.run``). A
player cannot send our bearer token, and neither relative names (local storage) nor one-off
presigned URLs (S3) survive in a playlist it reloads every few seconds, so ``preview_url`` is a
signed link to this API, which answers each reload with the stored playlist whose every file name
is replaced by a fresh presigned URL of that file.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select

from api.core.context import Services
from api.core.db import as_utc
from api.core.models import TERMINAL, Render, utcnow
from api.core.storage import TMP_PREFIX, Storage
from editor.errors import NotFound, StorageError, Unauthenticated
from editor.plan.preview import PLAYLIST, SEGMENT_NAME

MAX_PLAYLIST_BYTES = 1 << 20  # a 15-minute render's playlist is about 20 kB
CONTENT_TYPE = "application/vnd.apple.mpegurl"


def preview_prefix(render_id: str, attempt: int) -> str:
    """Where an attempt's preview goes (``<prefix>index.m3u8`` and its segments): under the
    temporary prefix, so the janitor removes it once it is older than ``janitor_max_age``."""
    return f"{TMP_PREFIX}{render_id}-{attempt}.hls/"


PREVIEW_KEY = re.compile(rf"{re.escape(TMP_PREFIX)}(?P<render>[0-9a-f]+)-(?P<attempt>[0-9]+)\.hls/")


def expired_previews(services: Services, keys: list[str], grace: float) -> list[str]:
    """The preview files among these keys no player needs any more: those of an attempt that is
    not the render's latest, or of a render that ended more than ``grace`` seconds ago or is gone."""
    attempts: dict[str, list[tuple[int, str]]] = {}
    for key in keys:
        if found := PREVIEW_KEY.match(key):
            attempts.setdefault(found["render"], []).append((int(found["attempt"]), key))
    if not attempts:
        return []
    ended_before = utcnow() - timedelta(seconds=grace)
    with services.sessions() as session:
        rows = session.execute(
            select(Render.id, Render.attempts, Render.status, Render.finished_at).where(
                Render.id.in_(attempts)
            )
        ).all()
        session.rollback()
    latest = {
        row.id: row.attempts
        for row in rows
        if not (row.status in TERMINAL and row.finished_at and as_utc(row.finished_at) < ended_before)
    }
    return [
        key
        for render_id, found in attempts.items()
        for attempt, key in found
        if latest.get(render_id) != attempt
    ]


def discard_previews(storage: Storage, render_id: str, attempts: range) -> None:
    """Delete the previews of these attempts of a render. Best effort: what a failure leaves sits
    under the temporary prefix, which the janitor empties."""
    for attempt in attempts:
        for stored in storage.list_objects(preview_prefix(render_id, attempt)):
            storage.delete(stored.key)


@dataclass(frozen=True)
class StorageSink:
    """Publishes the preview's files into the object store as the render writes them."""

    storage: Storage
    prefix: str

    def put(self, name: str, path: Path) -> None:
        self.storage.put_file(self.prefix + name, path)


def _signature(services: Services, render_id: str, attempt: int, exp: int) -> str:
    message = f"preview\n{render_id}\n{attempt}\n{exp}".encode()
    return hmac.new(services.settings.url_key, message, hashlib.sha256).hexdigest()


def preview_url(services: Services, render: Render, base: str | None = None) -> str | None:
    """The signed playlist link of a running render, once its first segment is published."""
    if render.status != "running":
        return None
    try:
        if services.storage.size(preview_prefix(render.id, render.attempts) + PLAYLIST) is None:
            return None
    except StorageError:  # the store is down: the render's status still answers, without a preview
        return None
    exp = int(time.time()) + services.settings.presign_seconds
    sig = _signature(services, render.id, render.attempts, exp)
    query = urlencode({"attempt": render.attempts, "exp": exp, "sig": sig})
    return services.absolute(f"/v1/renders/{render.id}/preview.m3u8?{query}", base)


def playlist(services: Services, render_id: str, attempt: int, exp: int, sig: str, base: str | None) -> str:
    """The stored playlist with presigned URLs in place of its file names."""
    good = hmac.compare_digest(_signature(services, render_id, attempt, exp).encode(), sig.encode())
    if not good or exp < time.time():
        raise Unauthenticated("the preview link is invalid or has expired", code="invalid_signature")
    prefix = preview_prefix(render_id, attempt)
    data = services.storage.read_small(prefix + PLAYLIST, MAX_PLAYLIST_BYTES)
    if data is None:
        raise NotFound.of("preview")
    seconds = services.settings.presign_seconds

    def signed(name: str) -> str:
        if not SEGMENT_NAME.match(name):  # only files the render wrote; never a path of the store
            raise NotFound.of("preview")
        return services.absolute(services.storage.presign_get(prefix + name, seconds), base)

    lines = []
    for line in data.decode("utf-8").splitlines():
        if line.startswith('#EXT-X-MAP:URI="'):
            name = line.removeprefix('#EXT-X-MAP:URI="').split('"')[0]
            line = f'#EXT-X-MAP:URI="{signed(name)}"'
        elif line and not line.startswith("#"):
            line = signed(line.strip())
        lines.append(line)
    return "\n".join(lines) + "\n"
