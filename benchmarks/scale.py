"""Scale-out benchmark: draft renders through the API with 1 worker process, then with 2 (a
benchmark, not a timed test).

    .venv/bin/python benchmarks/scale.py [--renders 40] [--workers 1 2] [--clients 4]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust; a throwaway database per run) and the
``redis-server`` binary (a private server on a free port). For each worker count: `reelforge serve`
in Celery mode, N `reelforge worker --concurrency 1` processes, one storage folder they share, and
``--renders`` draft renders of a 1 s 320x568 clip submitted at once by ``--clients`` users. Prints
throughput (target: 2 workers >= 1.7x 1 worker on 2 cores), the p50/p99 queue wait (submit -> first
claim), the per-render run time, and lost/duplicated renders (target zero).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._measure import percentile, upload
from editor.samples import make_clip

REELFORGE = Path(sys.executable).parent / "reelforge"
PG = "host=127.0.0.1 dbname=test user=postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait(what: str, check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


@contextlib.contextmanager
def database() -> Iterator[str]:
    name = f"reelforge_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    port = free_port()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        wait("redis", lambda: _ping(redis.Redis(port=port)), 10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait(10)


def _ping(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def run(root: Path, clip: Path, workers: int, renders: int, clients: int) -> dict[str, Any]:
    with database() as db_name, redis_server(root) as queue_url:
        home = root / f"api-{workers}"
        db_url = f"postgresql+psycopg://postgres@127.0.0.1/{db_name}"
        env = {
            **os.environ,
            "REELFORGE_HOME": str(home),
            "REELFORGE_DATABASE_URL": db_url,
            "REELFORGE_QUEUE_URL": queue_url,
            "REELFORGE_STORAGE_URL": (root / f"storage-{workers}").as_uri(),
            "REELFORGE_SIGNING_KEY": "bench",
            "REELFORGE_REQUESTS_PER_MINUTE": "100000",
            "REELFORGE_MAX_QUEUED_RENDERS": "1000",
            "REELFORGE_MAX_CONCURRENT_RENDERS": "64",
            "REELFORGE_HEARTBEAT_SECONDS": "1",
        }
        subprocess.run([str(REELFORGE), "db", "upgrade"], env=env, check=True, capture_output=True)
        port = free_port()
        procs = [
            subprocess.Popen(
                [str(REELFORGE), "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(root / f"serve-{workers}.log", "ab"),  # noqa: SIM115
            )
        ]
        try:
            for n in range(workers):
                procs.append(
                    subprocess.Popen(
                        [str(REELFORGE), "worker", "--concurrency", "1", "--loglevel", "WARNING"],
                        env={**env, "REELFORGE_HOME": str(root / f"worker-{workers}-{n}")},
                        stdout=subprocess.DEVNULL,
                        stderr=open(root / f"worker-{workers}-{n}.log", "ab"),  # noqa: SIM115
                    )
                )
            url = f"http://127.0.0.1:{port}"
            wait("the API", lambda: _healthy(url), 60)
            with psycopg.connect(f"host=127.0.0.1 dbname={db_name} user=postgres", autocommit=True) as conn:
                wait("the workers", lambda: _count(conn, "SELECT count(*) FROM workers") >= workers, 60)
                return _load(url, env, clip, renders, clients, conn) | {"workers": workers}
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz").status_code == 200
    except httpx.TransportError:
        return False


def _count(conn: psycopg.Connection[Any], query: str) -> int:
    row = conn.execute(query).fetchone()
    return int(row[0]) if row else 0


def _load(
    url: str, env: dict[str, str], clip: Path, renders: int, clients: int, conn: psycopg.Connection[Any]
) -> dict[str, Any]:
    tokens = [
        json.loads(
            subprocess.run(
                [str(REELFORGE), "users", "create", f"bench{i}", "--json"],
                env=env,
                check=True,
                capture_output=True,
            ).stdout
        )["token"]
        for i in range(clients)
    ]
    sessions = [
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {t}"}, timeout=60) for t in tokens
    ]
    media = [upload(s, clip) for s in sessions]

    def submit(n: int) -> str:
        session, media_id = sessions[n % clients], media[n % clients]
        spec = {"output": {"width": 320, "height": 568, "fps": 24}, "clips": [{"src": f"media:{media_id}"}]}
        response = session.post(
            "/v1/renders", json={"spec": spec, "draft": True}, headers={"Idempotency-Key": f"b{n}"}
        )
        response.raise_for_status()
        return str(response.json()["id"])

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        ids = list(pool.map(submit, range(renders)))
    terminal = "SELECT count(*) FROM renders WHERE status IN ('succeeded', 'failed', 'cancelled')"
    wait("the renders", lambda: _count(conn, terminal) >= len(set(ids)), 600)
    seconds = time.monotonic() - started
    rows = conn.execute("SELECT status, attempts, run_seconds, wait_seconds FROM renders").fetchall()
    for session in sessions:
        session.close()
    waits = [r[3] for r in rows if r[3] is not None]
    runs = [r[2] for r in rows if r[2] is not None]
    return {
        "renders": len(ids),
        "distinct": len(set(ids)),
        "succeeded": sum(1 for r in rows if r[0] == "succeeded"),
        "lost": sum(1 for r in rows if r[0] != "succeeded"),
        "duplicated_attempts": sum(max(0, r[1] - 1) for r in rows),
        "seconds": round(seconds, 2),
        "renders_per_minute": round(60 * len(ids) / seconds, 1),
        "queue_wait_p50_s": round(percentile(waits, 0.5), 2),
        "queue_wait_p99_s": round(percentile(waits, 0.99), 2),
        "run_p50_s": round(percentile(runs, 0.5), 3),
        "run_p99_s": round(percentile(runs, 0.99), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    with tempfile.TemporaryDirectory(prefix="reelforge-scale-") as tmp:
        root = Path(tmp)
        clip = make_clip(root / "clip.mp4", seconds=1.0, width=320, height=568, fps=24)
        results = [run(root, clip, n, args.renders, args.clients) for n in args.workers]
    for result in results:
        print(json.dumps(result))
    base = results[0]["renders_per_minute"]
    summary = {
        "cpus": os.cpu_count(),
        "loadavg_before": load_before,
        "throughput_ratio": {r["workers"]: round(r["renders_per_minute"] / base, 2) for r in results},
        "target": ">= 1.7x with 2 workers on 2 cores; zero lost or duplicated",
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
