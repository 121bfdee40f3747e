"""The periodic duties of every long-running process, in one background thread.

Every ``heartbeat_seconds``:
* a worker process bumps its heartbeat row (``api.jobs.workers``);
* renders whose worker died and that may not run again are ended (``leases.reap``), with webhooks;
* with a broker (Celery): renders the broker may have lost are handed to it again (``sweep``):
  ``queued`` rows not waiting in the broker's queue, and ``running`` rows whose lease expired (their
  worker died; the message it held returns only after the visibility timeout). A duplicate message
  is harmless, since a worker claims the row with a compare-and-set;
* once per ``janitor_seconds`` cluster-wide (an election in the database), the janitor runs.

While it runs, so does this process's webhook dispatcher (``api.jobs.webhooks.WebhookSender``), which
delivers the outbox rows that any process queued.

``serve`` (both modes) and every ``reelforge worker`` run one; all of it is idempotent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from api.core.context import Services
from api.core.models import utcnow
from api.jobs import janitor, leases, workers
from api.jobs.leases import policy_of
from api.jobs.run import notify

log = logging.getLogger("reelforge.jobs")

Publish = Callable[[str], object]
Waiting = Callable[[], set[str] | None]


def sweep(services: Services, publish: Publish, waiting: Waiting) -> list[str]:
    """Hand again to the broker the renders it lost; returns their ids. ``waiting()`` is the set of
    render ids in the broker's queue (None when it cannot tell: then only the age counts)."""
    settings = services.settings
    cutoff = utcnow() - timedelta(seconds=settings.requeue_seconds)
    candidates = leases.orphans(services.sessions, policy_of(settings), cutoff)
    if not candidates:
        return []
    known = waiting() if any(status == "queued" for _, status in candidates) else set()
    again = []
    for render_id, status in candidates:
        if status == "queued" and known is not None and render_id in known:
            continue  # still in line
        if leases.stamp_enqueued(services.sessions, render_id, cutoff):  # one sweeper wins
            publish(render_id)
            again.append(render_id)
    if again:
        log.warning("handed %d render(s) to the broker again: %s", len(again), ", ".join(again))
    return again


class Maintenance:
    def __init__(
        self,
        services: Services,
        *,
        worker: tuple[str, str, int] | None = None,
        publish: Publish | None = None,
        waiting: Waiting | None = None,
    ) -> None:
        """``worker``: (id, kind, concurrency) of the worker row to keep alive, if this process renders;
        ``publish``/``waiting``: the broker, if renders go through one."""
        self.services = services
        self.worker = worker
        self.publish, self.waiting = publish, waiting
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.worker is not None:
            worker_id, kind, concurrency = self.worker
            workers.register(self.services.sessions, worker_id, kind, concurrency)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="maintenance")
        self._thread.start()
        self.services.webhooks.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.services.webhooks.stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self.worker is not None:
            try:
                workers.unregister(self.services.sessions, self.worker[0])
            except Exception:
                log.warning("could not remove worker row %s", self.worker[0], exc_info=True)

    def tick(self) -> None:
        services, settings = self.services, self.services.settings
        if self.worker is not None:
            workers.beat(services.sessions, self.worker[0])
        for ended in leases.reap(services.sessions, policy_of(settings), services.readers):
            notify(services, ended)
        if self.publish is not None:
            sweep(services, self.publish, self.waiting or (lambda: None))
        if workers.elect(services.sessions, "janitor", settings.janitor_seconds):
            janitor.run(services)

    def _loop(self) -> None:
        while not self._stop.wait(self.services.settings.heartbeat_seconds):
            try:
                self.tick()
            except Exception:  # a broken database or broker must not end the duties
                log.exception("maintenance failed; trying again next period")
