"""Render rows as a job queue: every state change is a compare-and-set UPDATE.

A worker owns a running render while ``lease_owner`` is its id and ``lease_expires_at`` is in the
future; it renews the lease while it works. A render whose worker died is claimable again once its
lease has expired, so a render is never run by two workers at once (a worker that loses its lease
stops and writes nothing), and a job that kept killing its workers fails after ``max_attempts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.core.config import Settings
from api.core.models import Render, utcnow

Beat = Literal["ok", "cancel", "lost"]


@dataclass(frozen=True)
class LeasePolicy:
    seconds: float
    max_attempts: int
    per_user: int

    def expiry(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds)


def policy_of(settings: Settings) -> LeasePolicy:
    """The lease rules of renders and of split renders' pieces."""
    return LeasePolicy(settings.lease_seconds, settings.max_attempts, settings.max_concurrent_renders)


def _claimable(now: datetime) -> Any:
    return or_(Render.status == "queued", and_(Render.status == "running", Render.lease_expires_at < now))


def reap(
    sessions: sessionmaker[Session], policy: LeasePolicy, readers: sessionmaker[Session] | None = None
) -> list[str]:
    """End renders whose lease expired and that may not run again (out of attempts, or cancelled).
    With ``readers``, the usual case (nothing to end) is a read: no write lock is taken."""
    now = utcnow()
    expired = and_(Render.status == "running", Render.lease_expires_at < now)
    doomed = select(Render.id, Render.cancel_requested).where(
        expired, or_(Render.attempts >= policy.max_attempts, Render.cancel_requested.is_(True))
    )
    if readers is not None:
        with readers() as reader:
            if reader.execute(doomed.limit(1)).first() is None:
                return []
    ended: list[str] = []
    with sessions() as session:
        rows = session.execute(doomed).all()
        for render_id, cancelled in rows:
            values: dict[str, Any] = (
                {"status": "cancelled"}
                if cancelled
                else {
                    "status": "failed",
                    "error_code": "worker_lost",
                    "error_message": f"the render's worker stopped {policy.max_attempts} times; giving up",
                }
            )
            result = session.execute(
                update(Render)
                .where(Render.id == render_id, expired)
                .values(lease_owner=None, finished_at=now, **values)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                ended.append(render_id)
        session.commit()
    return ended


def claim(sessions: sessionmaker[Session], render_id: str, worker: str, policy: LeasePolicy) -> bool:
    """Compare-and-set: queued (or running with an expired lease) -> running, owned by ``worker``."""
    now = utcnow()
    with sessions() as session:
        result = session.execute(
            update(Render)
            .where(
                Render.id == render_id,
                _claimable(now),
                Render.attempts < policy.max_attempts,
                Render.cancel_requested.is_(False),
            )
            .values(
                status="running",
                lease_owner=worker,
                lease_expires_at=policy.expiry(now),
                attempts=Render.attempts + 1,
                started_at=func.coalesce(Render.started_at, now),
                progress=0.0,
            )
        )
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]


def claim_next(
    sessions: sessionmaker[Session],
    worker: str,
    policy: LeasePolicy,
    readers: sessionmaker[Session] | None = None,
) -> str | None:
    """The oldest claimable render whose owner is under the concurrent-render limit, claimed.
    The candidates are read through ``readers`` when given (no write lock while looking); the
    claim itself is the compare-and-set of ``claim``."""
    now = utcnow()
    with (readers or sessions)() as session:
        rows = session.execute(
            select(Render.id, Render.owner_id)
            .where(_claimable(now), Render.attempts < policy.max_attempts, Render.cancel_requested.is_(False))
            .order_by(Render.created_at, Render.id)
            .limit(20)
        ).all()
        running: dict[str, int] = {}
        for owner in {owner for _, owner in rows}:
            running[owner] = (
                session.scalar(
                    select(func.count())
                    .select_from(Render)
                    .where(
                        Render.owner_id == owner, Render.status == "running", Render.lease_expires_at >= now
                    )
                )
                or 0
            )
        session.rollback()
    for render_id, owner in rows:
        if running[owner] >= policy.per_user:
            continue
        if claim(sessions, render_id, worker, policy):
            return str(render_id)
    return None


def heartbeat(
    sessions: sessionmaker[Session], render_id: str, worker: str, policy: LeasePolicy, progress: float
) -> Beat:
    """Renew the lease and store progress; tells the worker to stop when cancelled or no longer owner."""
    with sessions() as session:
        result = session.execute(
            update(Render)
            .where(Render.id == render_id, Render.lease_owner == worker, Render.status == "running")
            .values(lease_expires_at=policy.expiry(utcnow()), progress=round(progress, 4))
        )
        cancel = session.scalar(select(Render.cancel_requested).where(Render.id == render_id))
        session.commit()
    if not result.rowcount:  # type: ignore[attr-defined]
        return "lost"
    return "cancel" if cancel else "ok"


def finish(session: Session, render_id: str, worker: str, **values: Any) -> bool:
    """Compare-and-set the end of a run (the caller commits, with any other writes, atomically)."""
    result = session.execute(
        update(Render)
        .where(Render.id == render_id, Render.lease_owner == worker, Render.status == "running")
        .values(lease_owner=None, lease_expires_at=None, finished_at=utcnow(), **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(
    sessions: sessionmaker[Session], render_id: str, worker: str, policy: LeasePolicy, *, refund: bool = False
) -> bool:
    """Give a render back to the queue: after a transient failure (the attempt counts) or at shutdown
    (``refund``: a graceful stop is not the job's fault)."""
    with sessions() as session:
        result = session.execute(
            update(Render)
            .where(
                Render.id == render_id,
                Render.lease_owner == worker,
                Render.status == "running",
                Render.attempts < (policy.max_attempts + (1 if refund else 0)),
            )
            .values(
                status="queued",
                lease_owner=None,
                lease_expires_at=None,
                progress=0.0,
                attempts=Render.attempts - (1 if refund else 0),
            )
        )
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]


def abandon(sessions: sessionmaker[Session], worker: str, policy: LeasePolicy) -> list[str]:
    """The process holding ``worker``'s leases died: queue its renders again now rather than when
    their leases run out (the attempt counts). Those out of attempts, or cancelled, get an expired
    lease instead, for ``reap`` to end. Returns the ids queued again."""
    owned = and_(Render.lease_owner == worker, Render.status == "running")
    with sessions() as session:
        again = list(
            session.scalars(
                update(Render)
                .where(owned, Render.attempts < policy.max_attempts, Render.cancel_requested.is_(False))
                .values(status="queued", lease_owner=None, lease_expires_at=None, progress=0.0)
                .returning(Render.id)
            )
        )
        session.execute(update(Render).where(owned).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    return [str(render_id) for render_id in again]


def _last_enqueued() -> Any:
    return func.coalesce(Render.enqueued_at, Render.created_at)


def orphans(sessions: sessionmaker[Session], policy: LeasePolicy, cutoff: datetime) -> list[tuple[str, str]]:
    """Renders a broker may have lost, last handed to it before ``cutoff``: (id, status) of queued
    ones and of running ones whose worker died (lease expired) that may still run again."""
    now = utcnow()
    with sessions() as session:
        rows = session.execute(
            select(Render.id, Render.status)
            .where(
                _claimable(now),
                Render.attempts < policy.max_attempts,
                Render.cancel_requested.is_(False),
                _last_enqueued() < cutoff,
            )
            .order_by(Render.created_at)
            .limit(500)
        ).all()
        session.rollback()
    return [(str(render_id), str(status)) for render_id, status in rows]


def stamp_enqueued(sessions: sessionmaker[Session], render_id: str, cutoff: datetime | None = None) -> bool:
    """Record a hand-over to the broker; with ``cutoff``, a compare-and-set that only one of several
    concurrent sweepers wins (the one that then publishes)."""
    query = update(Render).where(Render.id == render_id)
    if cutoff is not None:
        query = query.where(_last_enqueued() < cutoff)
    with sessions() as session:
        result = session.execute(query.values(enqueued_at=utcnow()))
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]
