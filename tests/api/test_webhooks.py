"""The webhook outbox against a real HTTP receiver, on SQLite and on PostgreSQL: a delivery outlives
the process that queued it, two dispatchers never post a row twice, retries end in ``failed``; and
migration 0003 matches the models."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text, update

from api.core import db
from api.core.context import Services
from api.core.models import Base, Render, User, WebhookDelivery, utcnow
from api.jobs.run import notify
from api.jobs.webhooks import SIGNATURE_HEADER, verify
from tests.api.conftest import settings_for
from tests.conftest import wait_for


class Receiver:
    """A real webhook receiver: answers ``statuses`` in order, then ``then``, each after ``delay``."""

    def __init__(self, statuses: tuple[int, ...] = (), then: int = 204, delay: float = 0.0) -> None:
        self.statuses, self.then, self.delay = list(statuses), then, delay
        self.answered: list[int] = []  # the status of every POST received
        self.accepted: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.then
                    receiver.answered.append(status)
                    if 200 <= status < 300:
                        receiver.accepted.append((dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def accepted_ids(self) -> list[str]:
        with self.lock:
            return [json.loads(body)["render"]["id"] for _, body in self.accepted]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def make_services(db_url: str, tmp_path: Path) -> Iterator[Callable[..., Services]]:
    """``Services`` of one "process" each, on the same database and home (so the same webhook key)."""
    db.upgrade(db_url)
    built: list[Services] = []

    def make(**overrides: Any) -> Services:
        values = {"database_url": db_url, "webhook_backoff": 0.2} | overrides
        services = Services.build(settings_for(tmp_path / "home", **values))
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()


@pytest.fixture()
def receivers() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(*statuses: int, then: int = 204, delay: float = 0.0) -> Receiver:
        made.append(Receiver(statuses, then, delay))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def finished_render(services: Services, url: str) -> str:
    """A succeeded render with a webhook, ended as a worker ends it (``notify``)."""
    with services.sessions() as session:
        user = User(name=f"u{uuid.uuid4().hex[:8]}", token_hash=uuid.uuid4().hex)
        session.add(user)
        session.flush()
        render = Render(
            owner_id=user.id,
            spec={},
            request_hash="h",
            webhook_url=url,
            status="succeeded",
            finished_at=utcnow(),
        )
        session.add(render)
        session.commit()
        render_id = render.id
    notify(services, render_id)
    return render_id


def delivery(services: Services, render_id: str) -> WebhookDelivery:
    with services.sessions() as session:
        return session.scalars(select(WebhookDelivery).where(WebhookDelivery.render_id == render_id)).one()


def test_notify_queues_one_delivery_per_render_and_posts_nothing_itself(
    make_services: Callable[..., Services], receivers: Callable[..., Receiver]
) -> None:
    services = make_services()  # its dispatcher is not started: nothing may be posted
    receiver = receivers()
    render_id = finished_render(services, receiver.url)
    notify(services, render_id)  # again, as after a crash between the commit and the webhook
    with services.sessions() as session:
        rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.render_id == render_id)).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.status, row.attempts, row.event, row.url) == ("pending", 0, "render.succeeded", receiver.url)
    assert row.payload["event"] == "render.succeeded" and row.payload["render"]["id"] == render_id
    time.sleep(0.5)
    assert receiver.answered == []


def test_a_succeeded_render_is_announced_only_once_its_output_is_published(
    make_services: Callable[..., Services], receivers: Callable[..., Receiver]
) -> None:
    services = make_services()
    receiver = receivers()
    render_id = finished_render(services, receiver.url)
    with services.sessions() as session:  # committed but not yet copied to its final key
        session.execute(update(Render).where(Render.id == render_id).values(staged_key="tmp/renders/x.mp4"))
        session.commit()
    services.webhooks.start()
    time.sleep(1.0)
    assert receiver.answered == [] and delivery(services, render_id).status == "pending"
    with services.sessions() as session:  # what ``publish`` does once the copy is done
        session.execute(update(Render).where(Render.id == render_id).values(staged_key=None))
        session.commit()
    wait_for("the delivery", lambda: delivery(services, render_id).status == "delivered")
    assert receiver.accepted_ids() == [render_id]


def test_a_pending_delivery_survives_a_restart_and_is_delivered_once(
    make_services: Callable[..., Services], receivers: Callable[..., Receiver]
) -> None:
    receiver = receivers(503)  # refuses the first attempt, accepts afterwards
    first = make_services(webhook_backoff=1.0)
    first.webhooks.start()
    render_id = finished_render(first, receiver.url)
    wait_for("the first attempt", lambda: delivery(first, render_id).last_error == "HTTP 503")
    first.close()  # the process goes away with the retry pending
    row = delivery(first, render_id)
    assert (row.status, row.last_error) == ("pending", "HTTP 503")
    time.sleep(max(0.0, (db.as_utc(row.next_attempt_at) - utcnow()).total_seconds()) + 1.2)
    assert receiver.answered == [503], "nobody delivers while no dispatcher runs"

    second = make_services(webhook_backoff=1.0)  # a new process on the same database
    second.webhooks.start()
    wait_for("the delivery", lambda: delivery(second, render_id).status == "delivered")
    time.sleep(1.2)  # a duplicate would arrive within a poll
    assert receiver.answered == [503, 204]
    row = delivery(second, render_id)
    assert row.attempts == 2 and row.delivered_at is not None and row.last_error is None
    headers, body = receiver.accepted[0]
    assert verify(second.settings.webhook_key, headers[SIGNATURE_HEADER], body)
    assert json.loads(body)["render"]["id"] == render_id


def test_concurrent_attempts_on_one_row_post_it_once(
    make_services: Callable[..., Services], receivers: Callable[..., Receiver]
) -> None:
    receiver = receivers(delay=0.2)
    one, two = make_services(), make_services()
    row_id = delivery(one, finished_render(one, receiver.url)).id
    start = threading.Barrier(8)

    def attempt(n: int) -> str | None:
        start.wait()
        return (one if n % 2 else two).webhooks.attempt(row_id)

    results: list[str | None] = [None] * 8
    threads = [threading.Thread(target=lambda n=n: results.__setitem__(n, attempt(n))) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results.count("delivered") == 1 and results.count(None) == 7
    assert receiver.answered == [204]


def test_two_dispatchers_deliver_every_row_exactly_once(
    make_services: Callable[..., Services], receivers: Callable[..., Receiver]
) -> None:
    receiver = receivers(delay=0.05)
    one, two = make_services(), make_services()
    ids = [finished_render(one, receiver.url) for _ in range(12)]
    one.webhooks.start()
    two.webhooks.start()
    for services in (one, two):
        services.webhooks.wake()
    wait_for("every delivery", lambda: len(receiver.accepted_ids()) >= len(ids))
    time.sleep(0.6)  # room for a duplicate to arrive
    assert sorted(receiver.accepted_ids()) == sorted(ids)
    with one.sessions() as session:
        assert session.scalar(select(func.count()).where(WebhookDelivery.status == "delivered")) == len(ids)
        assert session.scalar(select(func.sum(WebhookDelivery.attempts))) == len(ids)


def test_a_delivery_that_keeps_failing_ends_failed_after_the_attempts(
    make_services: Callable[..., Services], receivers: Callable[..., Receiver]
) -> None:
    receiver = receivers(then=500)
    services = make_services(webhook_attempts=3, webhook_backoff=0.1)
    services.webhooks.start()
    render_id = finished_render(services, receiver.url)
    services.webhooks.wake()
    wait_for("the delivery to fail", lambda: delivery(services, render_id).status == "failed")
    row = delivery(services, render_id)
    assert (row.attempts, row.last_error, row.delivered_at) == (3, "HTTP 500", None)
    time.sleep(0.5)
    assert receiver.answered == [500, 500, 500]


def test_a_refused_target_fails_at_once(
    make_services: Callable[..., Services], receivers: Callable[..., Receiver]
) -> None:
    receiver = receivers()
    services = make_services(webhook_allow_private=False)  # loopback is not a public address
    services.webhooks.start()
    render_id = finished_render(services, receiver.url)
    wait_for("the refusal", lambda: delivery(services, render_id).status == "failed")
    row = delivery(services, render_id)
    assert row.attempts == 1 and "not a public address" in (row.last_error or "")
    assert receiver.answered == []


# --- migration 0003 (the outbox and media processing claims), on SQLite and PostgreSQL ------------


def test_migration_0003_matches_the_models_and_goes_down_and_up(db_url: str) -> None:
    config = db.alembic_config(db_url)
    db.upgrade(db_url, "0002_scale_out")
    engine = db.make_engine(db_url)
    try:
        with engine.begin() as conn:  # a media row caught mid-transcode by the upgrade
            conn.execute(
                text("INSERT INTO users (id, name, token_hash, created_at) VALUES ('u', 'u', 'h', :t)"),
                {"t": utcnow()},
            )
            conn.execute(
                text(
                    "INSERT INTO media (id, owner_id, kind, filename, declared_size, status, upload_key,"
                    " created_at) VALUES ('m', 'u', 'video', 'a.mp4', 1, 'processing', 'k', :t)"
                ),
                {"t": utcnow()},
            )
        command.upgrade(config, "head")
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            started = conn.execute(text("SELECT processing_started_at FROM media WHERE id = 'm'")).scalar()
            assert started is not None  # it counts from the upgrade, so it can go stale
        command.downgrade(config, "0002_scale_out")
        names = inspect(engine).get_table_names()
        assert "webhook_deliveries" not in names
        assert "processing_started_at" not in {c["name"] for c in inspect(engine).get_columns("media")}
        command.upgrade(config, "head")
        assert "webhook_deliveries" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
