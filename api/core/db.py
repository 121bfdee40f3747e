"""Engine, sessions and migrations. SQLite (embedded) and PostgreSQL share every query."""

from __future__ import annotations

import fcntl
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_SECONDS = 30
POOL_SIZE = 48  # request threads (anyio's 40) + render workers + background threads


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    """An engine; with SQLite, ``readonly`` sessions begin DEFERRED so reads never queue for the
    single write lock (WAL gives them a snapshot), while writers begin IMMEDIATE."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # A connection per request thread stays open: a new SQLite connection costs its pragmas and
    # a schema parse, which under a burst of requests was a large share of each request.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_SECONDS},
        pool_size=POOL_SIZE,
        max_overflow=POOL_SIZE,
    )
    _sqlite_pragmas(engine, "BEGIN" if readonly else "BEGIN IMMEDIATE")
    if not readonly:
        path = url.removeprefix("sqlite:///")
        on_disk = url.startswith("sqlite:///") and ":memory:" not in url
        _one_writer_at_a_time(engine, Path(f"{path}.writer") if on_disk else None)
    return engine


def _one_writer_at_a_time(engine: Engine, lock_file: Path | None) -> None:
    """Writers wait their turn on locks for SQLite's single write lock, instead of in SQLite's busy
    handler, which sleeps 1, 2, 5, 10 ... up to 100 ms between tries: under contention a waiter could
    sleep through many short transactions and stall for seconds. Threads of this process queue on a
    lock; processes (the API, its render workers, CLI commands) then take turns on an ``flock`` of
    ``lock_file``, tried every millisecond. A session holds its connection exactly as long as its
    transaction (which begins IMMEDIATE), so checkout to checkin is that span."""
    lock = threading.Lock()
    holders: set[Any] = set()  # pool records whose checkout took the lock
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600) if lock_file is not None else None

    @event.listens_for(engine, "checkout")
    def _checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        if lock.acquire(timeout=BUSY_SECONDS):  # past that, SQLite's own busy timeout decides
            holders.add(record)
            if fd is not None:
                _flock(fd, time.monotonic() + BUSY_SECONDS)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi: Any, record: Any) -> None:
        if record in holders:
            holders.discard(record)
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
            lock.release()

    if fd is not None:
        weakref.finalize(engine, os.close, fd)  # the descriptor lives as long as the engine


def _flock(fd: int, deadline: float) -> None:
    """Take the inter-process write turn, polling each millisecond (a blocking ``flock`` has no
    timeout; past the deadline SQLite's busy handler decides, as without this lock)."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.001)


def _sqlite_pragmas(engine: Engine, begin: str) -> None:
    """Writers BEGIN IMMEDIATE: a read-then-write never hits SQLITE_BUSY late. (WAL, for concurrent
    readers, is a property of the database file, set once by ``upgrade``: switching it on from two
    new connections at once could fail at once with "database is locked".)"""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        for pragma in ("synchronous=NORMAL", "foreign_keys=ON", f"busy_timeout={BUSY_SECONDS * 1000}"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (what ``reelforge db upgrade`` and embedded ``serve`` run)."""
    engine = make_engine(url)  # creates the SQLite folder
    if url.startswith("sqlite"):
        raw = engine.raw_connection()  # outside any transaction, as the pragma needs
        try:
            raw.cursor().execute("PRAGMA journal_mode=WAL")  # a property of the file: once is enough
        finally:
            raw.close()
    engine.dispose()
    command.upgrade(alembic_config(url), revision)


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
