"""Worker heartbeats and cluster-wide elections, both plain rows in the database.

* A worker process (a ``reelforge worker`` node, or ``serve`` with embedded threads) keeps a row in
  ``workers`` and bumps ``heartbeat_at``; the renders it runs are those whose ``lease_owner`` is
  ``<worker id>/<slot>``. ``GET /v1/admin/workers`` reads this.
* ``elect(name, every)`` is a compare-and-set on ``maintenance.last_run_at``: of all processes that ask
  in the same period exactly one gets True, so a periodic task runs once per period cluster-wide.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.core.db import as_utc
from api.core.models import Maintenance, Render, Worker, utcnow


def new_worker_id() -> str:
    """``<host>:<pid>:<random>``: unique across machines and restarts, short enough for lease owners."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def slot(worker_id: str, name: str | int) -> str:
    """The lease owner of one render slot (a pool process, a thread) of a worker."""
    return f"{worker_id}/{name}"


def register(sessions: sessionmaker[Session], worker_id: str, kind: str, concurrency: int) -> None:
    now = utcnow()
    with sessions() as session:
        session.merge(
            Worker(
                id=worker_id,
                kind=kind,
                hostname=socket.gethostname(),
                pid=os.getpid(),
                concurrency=concurrency,
                started_at=now,
                heartbeat_at=now,
            )
        )
        session.commit()


def beat(sessions: sessionmaker[Session], worker_id: str) -> None:
    with sessions() as session:
        session.execute(update(Worker).where(Worker.id == worker_id).values(heartbeat_at=utcnow()))
        session.commit()


def unregister(sessions: sessionmaker[Session], worker_id: str) -> None:
    with sessions() as session:
        session.execute(delete(Worker).where(Worker.id == worker_id))
        session.commit()


def prune(sessions: sessionmaker[Session], older_than: float) -> int:
    """Forget workers that have not beaten for ``older_than`` seconds (they crashed long ago)."""
    with sessions() as session:
        result = session.execute(
            delete(Worker).where(Worker.heartbeat_at < utcnow() - timedelta(seconds=older_than))
        )
        session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]


def elect(sessions: sessionmaker[Session], name: str, every: float) -> bool:
    """True for exactly one caller per ``every`` seconds across the cluster."""
    now = utcnow()
    with sessions() as session:
        won = session.execute(
            update(Maintenance)
            .where(Maintenance.name == name, Maintenance.last_run_at <= now - timedelta(seconds=every))
            .values(last_run_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if not won and session.get(Maintenance, name) is None:
            try:
                session.execute(insert(Maintenance).values(name=name, last_run_at=now))
                won = 1
            except IntegrityError:  # another process inserted it first
                session.rollback()
                return False
        session.commit()
        return bool(won)


@dataclass(frozen=True)
class RunningJob:
    render_id: str
    slot: str
    attempt: int
    progress: float
    started_at: datetime | None


@dataclass(frozen=True)
class WorkerInfo:
    id: str
    kind: str
    hostname: str
    pid: int
    concurrency: int
    started_at: datetime
    heartbeat_at: datetime
    alive: bool
    jobs: tuple[RunningJob, ...]


def listing(sessions: sessionmaker[Session], alive_within: float) -> list[WorkerInfo]:
    """Every known worker with its running renders; ``alive`` when it beat within ``alive_within`` s."""
    now = utcnow()
    with sessions() as session:
        workers = list(session.scalars(select(Worker).order_by(Worker.hostname, Worker.started_at)))
        running = session.execute(
            select(Render.id, Render.lease_owner, Render.attempts, Render.progress, Render.started_at).where(
                Render.status == "running", Render.lease_owner.is_not(None)
            )
        ).all()
    jobs: dict[str, list[RunningJob]] = {}
    for render_id, owner, attempt, progress, started in running:
        worker_id, _, _ = str(owner).rpartition("/")
        job = RunningJob(render_id, str(owner), attempt, progress, as_utc(started) if started else None)
        jobs.setdefault(worker_id, []).append(job)
    return [
        WorkerInfo(
            id=w.id,
            kind=w.kind,
            hostname=w.hostname,
            pid=w.pid,
            concurrency=w.concurrency,
            started_at=as_utc(w.started_at),
            heartbeat_at=as_utc(w.heartbeat_at),
            alive=as_utc(w.heartbeat_at) >= now - timedelta(seconds=alive_within),
            jobs=tuple(jobs.get(w.id, ())),
        )
        for w in workers
    ]
