"""The embedded SQLite engines: writers of one process take turns on an in-process lock (no busy
polling), the lock is never leaked, and readers never wait for a writer."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.core import db
from api.core.models import User


@pytest.fixture()
def engines(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], sessionmaker[Session]]]:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    db.upgrade(url)
    writer, reader = db.make_engine(url), db.make_engine(url, readonly=True)
    yield db.make_sessionmaker(writer), db.make_sessionmaker(reader)
    writer.dispose()
    reader.dispose()


def add_user(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.add(User(name=uuid.uuid4().hex[:12], token_hash=uuid.uuid4().hex))
        session.commit()


def in_thread(target: object) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)  # type: ignore[arg-type]
    thread.start()
    return thread


def test_concurrent_writers_all_commit(engines: tuple[sessionmaker[Session], sessionmaker[Session]]) -> None:
    sessions, readers = engines
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(10):
                add_user(sessions)
        except BaseException as exc:
            errors.append(exc)

    threads = [in_thread(write) for _ in range(16)]
    for thread in threads:
        thread.join(60)
    assert errors == []
    with readers() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 160


def test_a_writer_whose_connection_broke_releases_the_lock(
    engines: tuple[sessionmaker[Session], sessionmaker[Session]],
) -> None:
    sessions, _ = engines
    with sessions() as session:
        session.add(User(name="broken", token_hash="x"))
        session.flush()  # holds the write lock now
        session.connection().invalidate()
    writer = in_thread(lambda: add_user(sessions))
    writer.join(10)  # a leaked lock would hold it for the 30 s lock timeout
    assert not writer.is_alive()


def test_readers_do_not_wait_for_an_open_write(
    engines: tuple[sessionmaker[Session], sessionmaker[Session]],
) -> None:
    sessions, readers = engines
    add_user(sessions)
    counted: list[int] = []

    def read() -> None:
        with readers() as session:
            counted.append(session.scalar(select(func.count()).select_from(User)) or 0)

    with sessions() as session:
        session.add(User(name="pending", token_hash="y"))
        session.flush()  # write lock held, not committed
        reader = in_thread(read)
        reader.join(10)
        assert not reader.is_alive() and counted == [1]  # the committed snapshot
        session.commit()
