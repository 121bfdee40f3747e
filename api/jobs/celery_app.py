"""Render jobs through Celery on Redis (``REELFORGE_QUEUE_URL=redis://...``).

The API publishes render ids (``CeleryQueue.enqueue``); ``reelforge worker`` processes on any number
of machines consume them and run the same ``api.jobs.run.run_job`` as the embedded threads. Job state
lives in the database, not in Celery: there is no result backend.

Delivery is at least once, execution effectively once:
* ``acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only after its task
  returned, and goes back to the queue when the pool process running it dies;
* the Redis ``visibility_timeout`` is longer than the task time limit, so a slow render is never
  handed to a second worker while the first still runs it; ``worker_prefetch_multiplier=1`` and
  ``worker_disable_prefetch`` keep waiting jobs in Redis (where any worker can take them, and where
  the sweep can see them) instead of in one worker's buffer;
* a task first claims the render row with a compare-and-set (``leases.claim``): a duplicate or late
  delivery of a render that runs elsewhere or has finished does nothing;
* messages the broker lost (Redis restarted without persistence, a worker died holding one) are
  published again by ``api.jobs.maintenance.sweep``, run by the API and by every worker.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from functools import partial
from typing import TYPE_CHECKING, Any

from api.core.config import Settings
from api.core.context import Services
from api.core.models import Render
from api.jobs import workers
from api.jobs.maintenance import Maintenance
from api.jobs.pieces import help_render
from api.jobs.run import run_job

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger("reelforge.jobs")

QUEUE = "reelforge.renders"
TASK = "reelforge.render"
PIECE_TASK = "reelforge.piece"  # help render a split render's pieces (``api.jobs.pieces``)


def task_time_limit(settings: Settings) -> float:
    """Celery's hard limit: a safety net above ffmpeg's own ``render_timeout``."""
    return settings.render_timeout + 300.0


def make_celery(settings: Settings) -> Celery:
    from celery import Celery

    if not settings.queue_url:
        raise ValueError("REELFORGE_QUEUE_URL is not set")
    app = Celery("reelforge", broker=settings.queue_url, set_as_current=False)
    limit = task_time_limit(settings)
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_disable_prefetch=True,  # take a message only with a free pool process: the rest wait in Redis
        task_time_limit=limit,
        broker_transport_options={"visibility_timeout": int(2 * limit), "socket_connect_timeout": 5},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        task_ignore_result=True,
        result_backend=None,
        task_serializer="json",
        accept_content=["json"],
        task_publish_retry=True,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.3},
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
    )
    app.task(name=TASK, ignore_result=True)(_render_task)
    app.task(name=PIECE_TASK, ignore_result=True)(_piece_task)
    return app


def publish(app: Celery, render_id: str, countdown: float | None = None) -> None:
    """One message per hand-over; the task id starts with the render id (``waiting`` reads it)."""
    app.send_task(TASK, args=[render_id], task_id=f"{render_id}:{uuid.uuid4().hex[:8]}", countdown=countdown)


def ask_for_help(app: Celery, render_id: str, count: int) -> None:
    """One piece task per piece beyond the coordinator's own: free workers take them; a task that
    finds every piece taken does nothing. The broker down costs only speed (the coordinator renders
    what nobody claims)."""
    try:
        for _ in range(count):
            app.send_task(PIECE_TASK, args=[render_id], task_id=f"piece-{render_id}:{uuid.uuid4().hex[:8]}")
    except Exception as exc:
        log.warning("render %s: could not ask for help with its pieces (%s)", render_id, exc)


def _render_id(message: bytes | str) -> str:
    return str(json.loads(message)["headers"]["id"]).split(":")[0]


def waiting_ids(queue_url: str, recent: float) -> set[str] | None:
    """Render ids the broker still holds: messages waiting in the Redis queue, and messages a worker
    took less than ``recent`` seconds ago and has not acknowledged (kombu's ``unacked`` hash and its
    delivery-time index). None when that cannot be read."""
    import redis

    try:
        client = redis.Redis.from_url(queue_url, socket_connect_timeout=2, socket_timeout=5)
        with contextlib.closing(client), client.pipeline(transaction=True) as pipe:
            pipe.lrange(QUEUE, 0, -1)
            pipe.hgetall("unacked")
            pipe.zrangebyscore("unacked_index", time.time() - recent, "+inf")
            ready, unacked, fresh = pipe.execute()
        ids = {_render_id(item) for item in ready}
        ids |= {_render_id(json.dumps(json.loads(unacked[tag])[0])) for tag in fresh if tag in unacked}
    except (redis.RedisError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        log.warning("cannot read the broker's queue (%s); re-enqueueing by age only", exc)
        return None
    return ids


class CeleryQueue:
    """The API side: publish on submit; re-publish what the broker lost (``Maintenance``)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.app = make_celery(services.settings)
        url, recent = services.settings.queue_url or "", services.settings.requeue_seconds
        self._maintenance = Maintenance(
            services, publish=self._publish, waiting=lambda: waiting_ids(url, recent)
        )

    def enqueue(self, render_id: str) -> None:
        from api.jobs.leases import stamp_enqueued

        if self._publish(render_id):
            stamp_enqueued(self.services.sessions, render_id)

    def _publish(self, render_id: str) -> bool:
        try:
            publish(self.app, render_id)
        except Exception as exc:  # the broker is down: the row stays queued; the sweep retries
            log.warning("could not enqueue render %s (%s); it will be enqueued again later", render_id, exc)
            return False
        return True

    def start(self) -> None:
        self._maintenance.start()

    def stop(self) -> None:
        self._maintenance.stop()


# --- the worker side ------------------------------------------------------------------------------

_node: dict[str, Any] = {}  # this node's worker id and main-process services (set before the pool forks)
_child: dict[str, Any] = {}  # per pool process: its pid and its own Services (engines do not cross fork)


def _services() -> Services:
    if _child.get("pid") != os.getpid():
        _child.update(pid=os.getpid(), services=Services.build(Settings()))
    services: Services = _child["services"]
    return services


def _app(services: Services) -> Celery:
    if "app" not in _node:  # a process that is not a worker node's pool (tests)
        _node["app"] = make_celery(services.settings)
    app: Celery = _node["app"]
    return app


def _slot() -> str:
    return workers.slot(_node.get("id") or workers.new_worker_id(), os.getpid())


def _render_task(render_id: str) -> str:
    services = _services()
    app = _app(services)
    outcome = run_job(services, render_id, _slot(), ask_for_help=partial(ask_for_help, app))
    if outcome == "queued":  # the job code crashed and has attempts left: try again a bit later
        with services.sessions() as session:
            attempts = session.get(Render, render_id).attempts  # type: ignore[union-attr]
        publish(app, render_id, 5.0 * attempts)
    return outcome


def _piece_task(render_id: str) -> str:
    return f"{help_render(_services(), _slot(), render_id)} pieces"


def run_worker(settings: Settings, concurrency: int, loglevel: str = "INFO") -> None:
    """``reelforge worker``: a Celery worker node (prefork pool) plus its heartbeat and sweeps."""
    from celery import signals

    from editor.ffmpeg import _die_with_parent

    app = make_celery(settings)
    worker_id = workers.new_worker_id()
    _node.update(id=worker_id, app=app, main_pid=os.getpid())

    @signals.worker_process_init.connect(weak=False)
    def _child_init(**_: Any) -> None:
        _die_with_parent()  # the main process killed -9: its pool processes (and their ffmpeg) go too
        if os.getppid() != _node["main_pid"]:  # it died before the line above took effect
            os._exit(1)
        main: Services | None = _node.get("services")
        if main is not None:
            main.engine.dispose(close=False)  # the parent's connections are not ours
            reader = main.readers.kw.get("bind")
            if reader is not None and reader is not main.engine:
                reader.dispose(close=False)

    @signals.worker_ready.connect(weak=False)
    def _ready(**_: Any) -> None:
        services = Services.build(settings)
        url = settings.queue_url or ""
        maintenance = Maintenance(
            services,
            worker=(worker_id, "celery", concurrency),
            publish=lambda render_id: publish(app, render_id),
            waiting=lambda: waiting_ids(url, settings.requeue_seconds),
        )
        _node.update(services=services, maintenance=maintenance)
        maintenance.start()

    @signals.worker_shutdown.connect(weak=False)
    def _shutdown(**_: Any) -> None:
        maintenance: Maintenance | None = _node.get("maintenance")
        if maintenance is not None:
            maintenance.stop()

    # Beat-synced renders analyse their sound: compile librosa's numba kernels once here, before
    # the pool forks, so every pool process inherits them instead of paying on its first render.
    from audio.analysis import warm_up

    log.info("sound analysis warmed up in %.1f s", warm_up())
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--hostname=reelforge-{os.getpid()}@%h",
            f"--queues={QUEUE}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
