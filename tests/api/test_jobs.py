"""Job semantics with no background workers, so each step is driven by the test: leases,
revocation between submit and run, idempotent submission, duplicate delivery."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.core import db
from api.core.models import Render, User
from api.jobs import leases
from api.jobs.run import run_job
from editor.effects.color import Grade
from editor.presets import PRESET_DIR, load_presets
from editor.resolve import ENGINE_VERSION, parse_spec
from tests.api.conftest import Client, Media, Server
from tests.conftest import service_missing
from tests.media import frame_at

OUTPUT = {"width": 320, "height": 568, "fps": 24}


@pytest.fixture(scope="module")
def idle(server_factory: Callable[..., Server]) -> Server:
    return server_factory(workers=0)


@pytest.fixture(scope="module")
def users(idle: Server) -> Iterator[tuple[Client, Client]]:
    with idle.user("ann") as ann, idle.user("ben") as ben:
        yield ann, ben


def _spec(clip: str, sound: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"output": OUTPUT, "clips": [{"src": clip}]}
    if sound:
        data["audio"] = {"sound": {"src": sound}}
    return data


def test_reuse_revoked_between_submit_and_run_fails_the_render(
    idle: Server, users: tuple[Client, Client], media: Media
) -> None:
    ann, ben = users
    clip = f"media:{ann.upload(media.clip, 'video')['id']}"
    music = ben.upload(media.music, "audio")
    sound = ben.post(
        "/v1/sounds",
        json={
            "media_id": music["id"],
            "title": "Loop",
            "license": "cc0",
            "allow_reuse": True,
            "published": True,
        },
    ).json()
    render = ann.post("/v1/renders", json={"spec": _spec(clip, f"sound:{sound['id']}"), "draft": True}).json()
    assert ben.patch(f"/v1/sounds/{sound['id']}", json={"allow_reuse": False}).status_code == 200
    run_job(idle.services, render["id"], "test-worker")
    done = ann.get(f"/v1/renders/{render['id']}").json()
    assert done["status"] == "failed"
    assert done["error"]["code"] == "sound_reuse_revoked"
    assert "does not allow reuse" in done["error"]["message"]
    assert ben.get(f"/v1/sounds/{sound['id']}").json()["usage_count"] == 0


def test_duplicate_delivery_runs_once(idle: Server, users: tuple[Client, Client], media: Media) -> None:
    ann, _ = users
    clip = f"media:{ann.upload(media.clip, 'video')['id']}"
    render = ann.post("/v1/renders", json={"spec": _spec(clip), "draft": True}).json()
    run_job(idle.services, render["id"], "worker-a")
    first = ann.get(f"/v1/renders/{render['id']}").json()
    run_job(idle.services, render["id"], "worker-b")  # at-least-once delivery: a no-op now
    second = ann.get(f"/v1/renders/{render['id']}").json()
    assert first["status"] == second["status"] == "succeeded"
    assert first["attempts"] == second["attempts"] == 1 and first["finished_at"] == second["finished_at"]


def test_cancel_a_queued_render(users: tuple[Client, Client], media: Media) -> None:
    ann, _ = users
    clip = f"media:{ann.upload(media.clip, 'video')['id']}"
    render = ann.post("/v1/renders", json={"spec": _spec(clip)}).json()
    cancelled = ann.post(f"/v1/renders/{render['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"


def test_idempotency_key(users: tuple[Client, Client], media: Media) -> None:
    ann, ben = users
    clip = f"media:{ann.upload(media.clip, 'video')['id']}"
    body = {"spec": _spec(clip), "draft": True}
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    first = ann.post("/v1/renders", json=body, headers=key)
    again = ann.post("/v1/renders", json=body, headers=key)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    other = ann.post("/v1/renders", json={**body, "draft": False}, headers=key)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert ben.post("/v1/renders", json=body, headers=key).status_code == 422  # keys are per user

    concurrent_key = {"Idempotency-Key": f"c-{uuid.uuid4().hex}"}
    with ThreadPoolExecutor(8) as pool:
        responses = list(
            pool.map(lambda _: ann.post("/v1/renders", json=body, headers=concurrent_key), range(8))
        )
    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["id"] for r in responses}) == 1
    ids = [r["id"] for r in ann.get("/v1/renders", params={"limit": 200}).json()["items"]]
    assert ids.count(responses[0].json()["id"]) == 1


# --- leases, on SQLite and on PostgreSQL ---------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('leases') / 'db.sqlite'}"
        name = None
    else:
        name = f"reelforge_api_{uuid.uuid4().hex[:12]}"
        try:
            with psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError as exc:
            service_missing("PostgreSQL", exc)
        url = f"postgresql+psycopg://postgres@127.0.0.1/{name}"
    db.upgrade(url)
    engine = db.make_engine(url)
    yield db.make_sessionmaker(engine)
    engine.dispose()
    if name:
        with psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _queued(sessions: sessionmaker[Session]) -> str:
    with sessions() as session:
        user = User(name=f"u{uuid.uuid4().hex[:8]}", token_hash=uuid.uuid4().hex)
        session.add(user)
        session.flush()
        render = Render(owner_id=user.id, spec={}, request_hash="h")
        session.add(render)
        session.commit()
        return render.id


def test_an_expired_lease_is_claimed_again_and_the_old_worker_loses(sessions: sessionmaker[Session]) -> None:
    policy = leases.LeasePolicy(seconds=0.5, max_attempts=2, per_user=5)
    render_id = _queued(sessions)
    assert leases.claim_next(sessions, "a", policy) == render_id
    assert leases.claim_next(sessions, "b", policy) is None  # held
    assert leases.heartbeat(sessions, render_id, "a", policy, 0.5) == "ok"
    time.sleep(0.7)  # worker "a" died: no more heartbeats
    assert leases.claim_next(sessions, "b", policy) == render_id
    assert leases.heartbeat(sessions, render_id, "a", policy, 0.9) == "lost"
    with sessions() as session:
        assert not leases.finish(session, render_id, "a", status="succeeded")  # a stale worker writes nothing
        assert leases.finish(session, render_id, "b", status="succeeded")
        session.commit()
        assert session.get(Render, render_id).attempts == 2  # type: ignore[union-attr]


def test_a_job_that_keeps_killing_workers_fails(sessions: sessionmaker[Session]) -> None:
    policy = leases.LeasePolicy(seconds=0.2, max_attempts=2, per_user=5)
    render_id = _queued(sessions)
    for worker in ("a", "b"):
        assert leases.claim_next(sessions, worker, policy) == render_id
        time.sleep(0.3)
    assert leases.claim_next(sessions, "c", policy) is None
    assert leases.reap(sessions, policy) == [render_id]
    with sessions() as session:
        render = session.get(Render, render_id)
        assert render is not None and (render.status, render.error_code) == ("failed", "worker_lost")


def test_concurrent_claims_hand_a_job_to_one_worker(sessions: sessionmaker[Session]) -> None:
    policy = leases.LeasePolicy(seconds=30, max_attempts=3, per_user=50)
    ids = {_queued(sessions) for _ in range(6)}
    with ThreadPoolExecutor(6) as pool:
        claimed = list(
            pool.map(lambda w: [leases.claim_next(sessions, f"w{w}", policy) for _ in range(3)], range(6))
        )
    won = [c for per_worker in claimed for c in per_worker if c is not None]
    assert sorted(won) == sorted(ids)  # every job exactly once


def test_a_render_renders_the_spec_resolved_at_submit(
    idle: Server, users: tuple[Client, Client], media: Media, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Presets are merged at submit: editing a preset file before the job runs changes nothing."""
    ann, _ = users
    clip = f"media:{ann.upload(media.clip, 'video')['id']}"
    spec = {**_spec(clip), "preset": "noir"}  # noir: black and white
    render = ann.post("/v1/renders", json={"spec": spec, "draft": True}).json()

    edited = tmp_path / "presets"
    shutil.copytree(PRESET_DIR, edited)
    noir = json.loads((edited / "looks" / "noir.json").read_text())
    noir["effects"] = [{"type": "grade", "saturation": 3.0}]  # the same id, now a loud colour look
    (edited / "looks" / "noir.json").write_text(json.dumps(noir))
    monkeypatch.setattr("editor.presets.default_library", lambda: load_presets(edited))
    assert parse_spec(spec).effects == (Grade(saturation=3.0),)  # a new submit would get the edit

    run_job(idle.services, render["id"], "test-worker")
    done = ann.get(f"/v1/renders/{render['id']}").json()
    assert done["status"] == "succeeded", done
    assert done["engine_version"] == ENGINE_VERSION
    assert "preset" not in json.dumps(done["spec"]["effects"])
    assert [e["type"] for e in done["spec"]["effects"]] == ["black_and_white", "grade", "grain", "vignette"]
    output = tmp_path / "out.mp4"
    output.write_bytes(httpx.get(done["output_url"]).raise_for_status().content)
    frame = frame_at(output, 0.5).astype(int)
    chroma = np.abs(frame - frame.mean(axis=2, keepdims=True)).mean()
    assert chroma < 3, f"the output has colour ({chroma:.1f}): the edited preset was applied at run time"


def test_a_dead_workers_renders_are_queued_again_at_once(sessions: sessionmaker[Session]) -> None:
    """``abandon``: the supervisor saw the process die; no waiting for its long leases to run out."""
    policy = leases.LeasePolicy(seconds=600, max_attempts=2, per_user=5)
    again, spent, other = _queued(sessions), _queued(sessions), _queued(sessions)
    assert leases.claim(sessions, again, "dead/0", policy)
    for worker in ("w/1", "dead/0"):  # ``spent`` already used its attempts
        with sessions() as session:
            requeue = update(Render).where(Render.id == spent).values(status="queued", lease_owner=None)
            session.execute(requeue)
            session.commit()
        assert leases.claim(sessions, spent, worker, policy)
    assert leases.claim(sessions, other, "alive/0", policy)

    assert leases.abandon(sessions, "dead/0", policy) == [again]
    assert leases.reap(sessions, policy, sessions) == [spent]  # out of attempts: ended, not queued
    with sessions() as session:
        rows = {r.id: r for r in session.scalars(select(Render).where(Render.id.in_([again, spent, other])))}
        assert (rows[again].status, rows[again].lease_owner, rows[again].attempts) == ("queued", None, 1)
        assert (rows[spent].status, rows[spent].error_code) == ("failed", "worker_lost")
        assert (rows[other].status, rows[other].lease_owner) == ("running", "alive/0")  # untouched
    assert leases.claim_next(sessions, "new/0", policy) == again
