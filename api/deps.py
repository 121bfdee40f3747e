"""Request dependencies as ``Annotated`` aliases: services, a DB session, the authenticated user.

Those that do no IO are ``async``: FastAPI runs a plain ``def`` dependency in its threadpool, and
each such hop cost more CPU than the work of a typical request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.core.auth import user_for_token
from api.core.context import Services
from api.core.models import User
from editor.errors import Throttled, Unauthenticated

_bearer = HTTPBearer(auto_error=False, description="a token from `reelforge users create NAME`")


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(request: Request, services: ServicesDep) -> AsyncIterator[Session]:
    """A session per request; writers call ``commit()`` before answering, the rest is rolled back.
    GET requests only read: they get a session that never queues behind writers. Creating a session
    does no IO; closing one does only while a transaction is open (then in the threadpool)."""
    factory = services.readers if request.method in ("GET", "HEAD") else services.sessions
    session = factory()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def current_user(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    unauthenticated = Unauthenticated("a valid bearer token is required")
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise unauthenticated
    with services.readers() as session:
        user = user_for_token(session, credentials.credentials)
        if user is None:
            raise unauthenticated
        session.expunge(user)
    wait = services.limiter.acquire(user.id)
    if wait:
        retry = services.limiter.retry_after(wait)
        raise Throttled(f"too many requests; retry in {retry} s", retry_after=int(retry))
    return user


UserDep = Annotated[User, Depends(current_user)]


async def base_url(request: Request) -> str:
    return str(request.base_url)


BaseUrlDep = Annotated[str, Depends(base_url)]
