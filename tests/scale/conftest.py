"""A small cluster of real parts: PostgreSQL (a throwaway database), a private ``redis-server`` the
tests may restart, moto's S3 server they may stop, the API (uvicorn, Celery mode) and
``reelforge worker`` subprocesses, each with its own home folder as if on its own machine."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from api.core.models import Render, Worker
from tests.api.conftest import BUCKET, Client, Server, free_port, media, settings_for
from tests.api.procs import ffmpeg_processes
from tests.conftest import postgres_database, service_missing, wait_for

__all__ = ["media"]  # a fixture shared with tests/api

REELFORGE = Path(sys.executable).parent / "reelforge"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
ADMIN_TOKEN = "admin-" + uuid.uuid4().hex

# The job timings of the whole cluster, short so that crashes are noticed in seconds.
SPLIT_PIECES = 2  # edits of 20 s or more (only test_cluster's split test) render in two pieces
TIMINGS = {
    "lease_seconds": 2.0,
    "heartbeat_seconds": 0.3,
    "requeue_seconds": 1.0,
    "storage_retries": 4,
    "storage_backoff": 0.3,  # 0.3 + 0.6 + 1.2 + 2.4 = 4.5 s of retries
    "janitor_seconds": 3600.0,
}


class RedisServer:
    """A private redis-server without persistence: a restart loses every queued message."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            with contextlib.suppress(redis.RedisError), contextlib.closing(self.client()) as client:
                return bool(client.ping())
            return False

        wait_for("redis-server to answer", answers, timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


class S3Server:
    """moto's S3 over HTTP on a fixed port, stoppable: objects survive a restart (same process)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server: ThreadedMotoServer | None = None

    def start(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


class WorkerProcess:
    """``reelforge worker --concurrency 1`` with its own home (its work folder) and log."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.home.mkdir(parents=True)
        self.log = home / "worker.log"
        self.proc = subprocess.Popen(
            [str(REELFORGE), "worker", "--concurrency", "1", "--loglevel", "INFO"],
            env={**env, "REELFORGE_HOME": str(home)},
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),  # noqa: SIM115 - closed with the process
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def outcomes(self) -> list[tuple[str, str]]:
        """(render id, outcome) of every task this worker finished, from Celery's log lines."""
        text = self.log.read_text(errors="replace")
        return re.findall(r"reelforge\.render\[([0-9a-f]{32}):[0-9a-f]+\] succeeded in [^:]+: '(\w+)'", text)

    def stop(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        else:  # killed by a test: its pool processes share its session; make sure none is left
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


class Cluster:
    def __init__(self, root: Path, db_url: str, redis_server: RedisServer, s3: S3Server) -> None:
        self.root, self.redis, self.s3 = root, redis_server, s3
        home = root / "api"
        self.settings = settings_for(
            home,
            s3.endpoint,
            database_url=db_url,
            queue_url=redis_server.url,
            admin_token=ADMIN_TOKEN,
            split_pieces=SPLIT_PIECES,
            **TIMINGS,
        )
        self.server = Server(self.settings)
        self.env = {
            **os.environ,
            "REELFORGE_DATABASE_URL": db_url,
            "REELFORGE_QUEUE_URL": redis_server.url,
            "REELFORGE_STORAGE_URL": f"s3://{BUCKET}/{home.name}",
            "REELFORGE_S3_ENDPOINT_URL": s3.endpoint,
            "REELFORGE_S3_ACCESS_KEY_ID": "test",
            "REELFORGE_S3_SECRET_ACCESS_KEY": "test",
            "REELFORGE_S3_PATH_STYLE": "true",
            "REELFORGE_WEBHOOK_ALLOW_PRIVATE": "true",
            "REELFORGE_SPLIT_PIECES": str(SPLIT_PIECES),
            **{f"REELFORGE_{k.upper()}": str(v) for k, v in TIMINGS.items()},
        }
        self.prefix = home.name
        self.workers: list[WorkerProcess] = []

    @property
    def services(self) -> Any:
        return self.server.services

    def start_worker(self) -> WorkerProcess:
        worker = WorkerProcess(self.root / f"worker{len(self.workers)}", self.env)
        self.workers.append(worker)
        return worker

    def live_workers(self) -> list[WorkerProcess]:
        return [w for w in self.workers if w.alive()]

    def ensure_workers(self, count: int = 2) -> list[WorkerProcess]:
        """``count`` live workers, each registered (heartbeat row) and so consuming."""
        while len(self.live_workers()) < count:
            self.start_worker()
        live = self.live_workers()

        def registered() -> bool:
            with self.services.sessions() as session:
                pids = set(session.scalars(select(Worker.pid)))
            return all(w.pid in pids for w in live)

        wait_for("the workers to register", registered, timeout=180)
        return live

    def successful_runs(self, ids: list[str], timeout: float = 15.0) -> list[str]:
        """The render ids of every task that ended ``succeeded`` on any worker, once each id is
        logged (a task logs its outcome just after it committed the render's status)."""

        def runs() -> list[str]:
            return [
                r for w in self.workers for r, outcome in w.outcomes() if outcome == "succeeded" and r in ids
            ]

        wait_for("the workers to log their outcomes", lambda: set(runs()) >= set(ids), timeout=timeout)
        return runs()

    def render_row(self, render_id: str) -> Render:
        with self.services.sessions() as session:
            row = session.get(Render, render_id)
            assert row is not None
            return row

    def keys(self, prefix: str) -> list[str]:
        return [o.key for o in self.services.storage.list_objects(prefix)]

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.server.stop()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with postgres_database("reelforge_scale") as url:
        yield url


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        server.start()
    except (OSError, AssertionError) as exc:
        server.stop()
        service_missing("redis-server", exc)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    server = S3Server()
    server.start()
    server.client().create_bucket(Bucket=BUCKET)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, pg_url: str, redis_server: RedisServer, s3: S3Server
) -> Iterator[Cluster]:
    made = Cluster(tmp_path_factory.mktemp("cluster"), pg_url, redis_server, s3)
    try:
        made.ensure_workers(2)
        yield made
    finally:
        made.stop()


@pytest.fixture(scope="session")
def user(cluster: Cluster) -> Iterator[Client]:
    with cluster.server.user("scale") as client:
        yield client


class FinalKeyWatch(threading.Thread):
    """Lists the renders prefix every 100 ms; a final key listed while its render is not yet
    ``succeeded`` in the database is a violation of the publish protocol."""

    def __init__(self, cluster: Cluster, prefix: str) -> None:
        super().__init__(daemon=True)
        self.cluster, self.prefix = cluster, prefix
        self.seen: set[str] = set()
        self.violations: list[tuple[str, str]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            try:
                keys = self.cluster.keys(self.prefix)
            except Exception:  # S3 stopped by a test: nothing is listable
                continue
            for key in keys:
                if key in self.seen:
                    continue
                self.seen.add(key)
                render_id = key.rsplit("/", 1)[-1].removesuffix(".mp4")
                status = self.cluster.render_row(render_id).status
                if status != "succeeded":
                    self.violations.append((key, status))

    def __enter__(self) -> FinalKeyWatch:
        self.seen.update(self.cluster.keys(self.prefix))  # earlier tests' outputs
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.join(timeout=5)


def orphaned_ffmpeg(folder: Path) -> list[int]:
    """ffmpeg processes working in ``folder`` whose parent is gone (reparented or dead)."""
    orphans = []
    for pid in ffmpeg_processes(folder):
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == 1 or not Path(f"/proc/{ppid}").exists() or ppid not in _pids_under(folder, ppid):
            orphans.append(pid)
    return orphans


def _pids_under(folder: Path, ppid: int) -> set[int]:
    """The parent counts as a live worker when it is a ``reelforge worker`` process."""
    try:
        cmdline = Path(f"/proc/{ppid}/cmdline").read_bytes()
    except OSError:
        return set()
    return {ppid} if b"reelforge" in cmdline or b"celery" in cmdline else set()
