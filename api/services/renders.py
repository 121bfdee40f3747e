"""Render submission, status and cancel. Execution lives in ``api.jobs.run``."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import schemas
from api.core.context import Services
from api.core.models import TERMINAL, Render, User, utcnow
from api.jobs.webhooks import check_target
from api.services.access import (
    refusal_code,
    resolve_sources,
    sound_problems,
    source_fields,
    video_problems,
)
from api.services.previews import preview_url
from editor.errors import Conflict, Forbidden, SpecError, Throttled
from editor.resolve import ENGINE_VERSION, parse_spec, resolved_data
from editor.spec import EditSpec


def parse_request(
    body: schemas.RenderCreate, *, allow_private: bool = False
) -> tuple[EditSpec | None, dict[str, Any]]:
    """The request's spec, validated (a 422 with every problem), and the canonical form of the
    whole request that its idempotency hash is taken over: the spec as ``editor.resolve`` writes
    it (defaults explicit, presets merged, keys sorted), so two bodies hash alike exactly when they
    ask for the same render, and nothing unvalidated is ever serialized."""
    spec = None
    if body.spec is not None:
        try:
            spec = parse_spec(body.spec)
        except SpecError as exc:
            problems = [(f"spec.{f}" if f else "spec", r) for f, r in exc.problems]
            problems += webhook_problems(body.webhook_url, allow_private)  # every problem at once
            raise SpecError(problems, message=f"the render request has {len(problems)} problem(s)") from None
    canonical = body.model_dump(mode="json", exclude={"spec"})
    canonical["spec"] = resolved_data(spec) if spec is not None else None
    return spec, canonical


def webhook_problems(url: str | None, allow_private: bool) -> list[tuple[str, str]]:
    try:
        if url is not None:
            check_target(url, allow_private)
    except SpecError as exc:
        return exc.problems
    return []


def request_hash(canonical: dict[str, Any]) -> str:
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(session: Session, user: User, key: str, digest: str) -> Render | None:
    existing = session.scalar(select(Render).where(Render.owner_id == user.id, Render.idempotency_key == key))
    if existing is not None and existing.request_hash != digest:
        raise Conflict("this Idempotency-Key was used with a different request", code="idempotency_conflict")
    return existing


def validate(
    services: Services, session: Session, user: User, body: schemas.RenderCreate, spec: EditSpec | None
) -> dict[str, Any]:
    """Every problem at once (422), then reuse permissions (403), then the queue quota (429).

    ``spec`` is the request's, parsed by ``parse_request`` (None for a template request). Returns
    the resolved spec to store (``editor.resolve``: presets merged, every field explicit): the
    request's, or the one a template request expands to. The job renders exactly that.
    """
    problems: list[tuple[str, str]] = []
    forbidden: list[tuple[str, str]] = []
    spec_data: dict[str, Any] = {}
    if spec is None:
        from api.services.templates import expand

        assert body.template is not None  # RenderCreate: a spec or a template
        expanded = expand(session, user.id, body.template, body.clips, body.texts, body.sound)
        problems += expanded.problems
        forbidden = expanded.forbidden
        spec_data = resolved_data(parse_spec(expanded.spec)) if expanded.spec else {}
    else:
        resolved = resolve_sources(session, user.id, source_fields(spec), commercial=spec.commercial)
        found = [
            *resolved.problems,
            *video_problems(spec, resolved),
            *sound_problems(session, spec, resolved),
        ]
        problems += [(f"spec.{f}", r) for f, r in found]
        forbidden = resolved.forbidden
        spec_data = resolved_data(spec)
    problems += webhook_problems(body.webhook_url, services.settings.webhook_allow_private)
    if problems:
        raise SpecError(problems, message=f"the render request has {len(problems)} problem(s)")
    if forbidden:
        src, reason = forbidden[0]
        raise Forbidden(f"{src}: {reason}", code=refusal_code(src, revoked=False), problems=forbidden)
    queued = session.scalar(
        select(func.count()).select_from(Render).where(Render.owner_id == user.id, Render.status == "queued")
    )
    if (queued or 0) >= services.settings.max_queued_renders:
        raise Throttled("too many queued renders; wait for some to finish", retry_after=30, code="queue_full")
    return spec_data


def submit(
    services: Services, session: Session, user: User, body: schemas.RenderCreate, key: str | None
) -> Render:
    # validated before anything is hashed or stored
    spec, canonical = parse_request(body, allow_private=services.settings.webhook_allow_private)
    digest = request_hash(canonical)
    # The replay check and validation only read: they run outside the write transaction (on SQLite
    # the single write lock is taken by its first statement), so concurrent submits queue only for
    # the insert.
    with services.readers() as reader:
        if key and (existing := _replay(reader, user, key, digest)):
            return existing
        spec_data = validate(services, reader, user, body, spec)
    render = Render(
        owner_id=user.id,
        spec=spec_data,
        engine_version=ENGINE_VERSION,
        draft=body.draft,
        request_hash=digest,
        idempotency_key=key,
        webhook_url=body.webhook_url,
    )
    session.add(render)
    try:
        session.commit()
    except IntegrityError:  # a concurrent request with the same key won the race
        session.rollback()
        existing = _replay(session, user, key or "", digest) if key else None
        if existing is None:
            raise
        return existing
    return render


def cancel(session: Session, render: Render) -> bool:
    """Cancel a queued render now, or ask its worker to stop; True when it became cancelled here."""
    if render.status in TERMINAL:
        raise Conflict(f"the render already {render.status}", code="already_finished")
    session.execute(
        update(Render)
        .where(Render.id == render.id, Render.status.in_(("queued", "running")))
        .values(cancel_requested=True)
    )
    result = session.execute(
        update(Render)
        .where(Render.id == render.id, Render.status == "queued")
        .values(status="cancelled", finished_at=utcnow())
    )
    session.commit()
    session.refresh(render)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def public(
    services: Services, render: Render, base: str | None = None, *, with_spec: bool = False
) -> schemas.RenderPublic:
    # "succeeded" once the MP4 is at its final key: the worker copies it there right after the
    # commit (the janitor if it died in between), and a client must not see a link that 404s.
    publishing = render.status == "succeeded" and render.staged_key is not None
    status = "running" if publishing else render.status
    done = status == "succeeded" and render.output_key is not None
    url = None
    if done and render.output_key:
        presigned = services.storage.presign_get(
            render.output_key, services.settings.presign_seconds, filename=f"reelforge-{render.id}.mp4"
        )
        url = services.absolute(presigned, base)
    error = (
        schemas.RenderFailure(code=render.error_code, message=render.error_message or render.error_code)
        if render.error_code
        else None
    )
    return schemas.RenderPublic(
        id=render.id,
        status=status,
        progress=1.0 if render.status == "succeeded" else min(max(render.progress, 0.0), 1.0),
        error=error,
        credits=[schemas.Credit.model_validate(c) for c in render.credits or []],
        warnings=[str(w) for w in render.warnings or []],
        output_url=url,
        preview_url=preview_url(services, render, base),
        duration=render.output_duration if done else None,
        size=render.output_size if done else None,
        attempts=render.attempts,
        created_at=render.created_at,
        finished_at=render.finished_at,
        engine_version=render.engine_version,
        spec=render.spec if with_spec else None,
    )


def list_renders(session: Session, user: User, limit: int, offset: int) -> list[Render]:
    query = select(Render).where(Render.owner_id == user.id).order_by(Render.created_at.desc(), Render.id)
    return list(session.scalars(query.limit(limit).offset(offset)))
