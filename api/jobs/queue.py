"""The job-queue seam. Both implementations run the same function, ``api.jobs.run.run_job``.

* ``EmbeddedQueue``: worker threads inside ``reelforge serve`` poll the renders table and claim rows
  with leases (the database is the queue; nothing else to run).
* A Celery queue (``REELFORGE_QUEUE=celery``, another issue) delivers render ids through Redis;
  its task calls ``run_job(services, render_id, worker_id)``, which claims the row with the same
  compare-and-set, so a duplicate delivery is a no-op.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from api.services import Services


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
        raise NotImplementedError("REELFORGE_QUEUE=celery is not implemented yet; use the embedded queue")
    if settings.workers == 0:
        return NoWorkers()
    from api.jobs.embedded import EmbeddedQueue

    return EmbeddedQueue(services, settings.workers)
