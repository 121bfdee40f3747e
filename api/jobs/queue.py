"""The job-queue seam. Both implementations run the same function, ``api.jobs.run.run_job``.

* ``EmbeddedQueue``: worker processes supervised by ``reelforge serve`` poll the renders table and
  claim rows with leases (the database is the queue; nothing else to run).
* ``CeleryQueue`` (``REELFORGE_QUEUE_URL=redis://...``, ``api.jobs.celery_app``) delivers render ids
  through Redis to ``reelforge worker`` processes; its task calls ``run_job(services, render_id,
  worker_id)``, which claims the row with the same compare-and-set, so a duplicate delivery is a
  no-op. ``serve`` then only enqueues.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from api.core.context import Services


class JobQueue(Protocol):
    def enqueue(self, render_id: str) -> None:
        """The render row is committed as ``queued``; make sure some worker will run it."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class NoWorkers:
    """A queue that only records: for an API process whose renders run elsewhere."""

    def enqueue(self, render_id: str) -> None:
        return None

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


def make_queue(services: Services) -> JobQueue:
    settings = services.settings
    if settings.queue == "celery":
        from api.jobs.celery_app import CeleryQueue

        return CeleryQueue(services)
    if settings.workers == 0:
        return NoWorkers()
    from api.jobs.embedded import EmbeddedQueue

    return EmbeddedQueue(services, settings.workers)
