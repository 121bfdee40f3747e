"""The janitor: what crashes and abandoned uploads leave in the object store, cleaned up.

1. Renders committed as ``succeeded`` whose staged result was never copied to the final key (the
   worker died right after the commit) are published now (``api.jobs.run.publish``).
2. Previews of renders that ended more than ``preview_grace`` ago (or of an attempt that is not the
   render's latest) are deleted: the players that were on them have moved to the MP4.
3. Temporary render objects (``tmp/renders/``) older than ``janitor_max_age`` that no render row
   still refers to are deleted: partial attempts of workers that died or lost their lease.
4. Multipart uploads started before ``max(janitor_max_age, presign_seconds)`` and never completed
   are aborted (their parts cost storage but are invisible in listings).
5. Worker rows silent for a day are forgotten.

Every step is idempotent, so running it twice at once is harmless; ``api.jobs.maintenance`` elects
one runner per period anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from api.core.context import Services
from api.core.models import Render, utcnow
from api.core.storage import TMP_PREFIX
from api.jobs import workers
from api.jobs.run import publish
from api.services.previews import expired_previews
from editor.errors import StorageError

log = logging.getLogger("reelforge.janitor")

DEAD_WORKER_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class Report:
    published: int
    temporaries_deleted: int
    uploads_aborted: int
    workers_pruned: int


def run(services: Services, max_age: float | None = None, preview_grace: float | None = None) -> Report:
    settings, storage = services.settings, services.storage
    age = settings.janitor_max_age if max_age is None else max_age
    grace = settings.preview_grace if preview_grace is None else preview_grace
    now = utcnow()
    with services.sessions() as session:
        staged = dict(
            session.execute(select(Render.staged_key, Render.id).where(Render.staged_key.is_not(None)))
            .tuples()
            .all()
        )
        session.rollback()
    published = sum(publish(services, render_id) for render_id in staged.values())
    deleted = aborted = 0
    try:
        temporaries = storage.list_objects(TMP_PREFIX)
        expired = set(expired_previews(services, [item.key for item in temporaries], grace))
        for item in temporaries:
            old = item.modified < now - timedelta(seconds=age) and item.key not in staged
            if old or item.key in expired:
                storage.delete(item.key)
                deleted += 1
        upload_age = age if max_age is not None else max(age, settings.presign_seconds + 60.0)
        for key, upload_id in storage.stale_uploads(now - timedelta(seconds=upload_age)):
            storage.abort_multipart(key, upload_id)
            aborted += 1
    except StorageError as exc:
        log.warning("janitor: the object store failed (%s); next run continues", exc.message)
    report = Report(published, deleted, aborted, workers.prune(services.sessions, DEAD_WORKER_SECONDS))
    if any(vars(report).values()):
        log.info("janitor: %s", report)
    return report
