"""Operator routes behind ``REELFORGE_ADMIN_TOKEN``: the workers and their jobs, and ``/metrics``.

A missing bearer token is 401; a wrong one, or any token while ``REELFORGE_ADMIN_TOKEN`` is not set
(the admin surface is off), is 403. User tokens never open these routes.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.core import metrics
from api.deps import ServicesDep
from api.jobs import workers
from api.routes import responses
from api.schemas import Output, UTCDateTime
from editor.errors import Forbidden, Unauthenticated

_bearer = HTTPBearer(auto_error=False, description="the REELFORGE_ADMIN_TOKEN")


def require_admin(
    services: ServicesDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthenticated("the admin token is required")
    configured = services.settings.admin_token
    if configured is None:
        raise Forbidden("set REELFORGE_ADMIN_TOKEN to use the admin routes", code="admin_disabled")
    if not hmac.compare_digest(credentials.credentials.encode(), configured.get_secret_value().encode()):
        raise Forbidden("this token is not the admin token")


AdminDep = Depends(require_admin)
router = APIRouter(tags=["admin"], dependencies=[AdminDep], responses=responses(401, 403))


class RunningJob(Output):
    render_id: str
    slot: str
    attempt: int
    progress: float
    started_at: UTCDateTime | None


class WorkerPublic(Output):
    id: str
    kind: str
    hostname: str
    pid: int
    concurrency: int
    started_at: UTCDateTime
    last_heartbeat: UTCDateTime
    alive: bool
    jobs: list[RunningJob]


class WorkerList(Output):
    items: list[WorkerPublic]


def alive_within(heartbeat_seconds: float) -> float:
    """A worker that missed three heartbeats (and at least 15 s) is reported dead."""
    return max(3 * heartbeat_seconds, 15.0)


@router.get("/v1/admin/workers", response_model=WorkerList)
def list_workers(services: ServicesDep) -> WorkerList:
    """Every render worker, its running renders and its last heartbeat."""
    found = workers.listing(services.sessions, alive_within(services.settings.heartbeat_seconds))
    return WorkerList(
        items=[
            WorkerPublic(
                id=w.id,
                kind=w.kind,
                hostname=w.hostname,
                pid=w.pid,
                concurrency=w.concurrency,
                started_at=w.started_at,
                last_heartbeat=w.heartbeat_at,
                alive=w.alive,
                jobs=[RunningJob.model_validate(j) for j in w.jobs],
            )
            for w in found
        ]
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def prometheus(services: ServicesDep) -> Response:
    """Queue depth, running renders, live workers, durations, failures by reason (Prometheus text)."""
    with services.sessions() as session:
        text = metrics.exposition(session, alive_within(services.settings.heartbeat_seconds))
    return Response(text, media_type=metrics.CONTENT_TYPE)
