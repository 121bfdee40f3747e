"""Load benchmark of the API with its embedded workers (a benchmark, not a timed test).

    .venv/bin/python benchmarks/api_load.py [--renders 200] [--clients 20] [--upload-mb 200]

Starts `reelforge serve` on 127.0.0.1 with a fresh REELFORGE_HOME, then:
0. The reference, in the same run: the same submits to a server without workers (what this
   machine, as loaded by everything else on it, allows an API process at all).
1. ``--clients`` users each upload a tiny clip and together submit ``--renders`` draft renders
   while the embedded worker processes render (all at once first, then each client every
   ``--interval`` s: a closed loop without pauses would measure only queueing, since with 20
   requests always in flight latency = 20 x the service time): p50/p99 latency of POST /v1/renders
   (targets p50 <= 15 ms, p99 <= 50 ms), renders per minute, lost renders (submitted, never
   succeeded) and duplicated ones (the same id twice, or a render run more than once): target zero;
   the API process's RSS over time.
2. One ``--upload-mb`` MB upload through the streaming PUT: the server's RSS growth (target < 50 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._measure import percentile, upload
from editor.samples import make_clip

REELFORGE = Path(sys.executable).parent / "reelforge"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.samples: list[float] = []

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.samples.append(rss_mb(self.pid))


def start_server(
    home: Path, workers: int = 2, extra: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "REELFORGE_HOME": str(home),
        "REELFORGE_REQUESTS_PER_MINUTE": "100000",
        "REELFORGE_MAX_QUEUED_RENDERS": "1000",
        "REELFORGE_WORKERS": str(workers),
        **(extra or {}),
    }
    proc = subprocess.Popen(
        [str(REELFORGE), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return proc, url, env
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def make_user(env: dict[str, str], name: str) -> str:
    out = subprocess.run(
        [str(REELFORGE), "users", "create", name, "--json"], env=env, check=True, capture_output=True
    ).stdout
    return str(json.loads(out)["token"])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (the API process alone: renders run in children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(
    url: str,
    env: dict[str, str],
    clip: Path,
    renders: int,
    clients: int,
    interval: float,
    pid: int,
    wait: bool = True,
) -> dict[str, object]:
    """Submit and (``wait``) see every render through; without ``wait``, only the POST figures."""
    tokens = [make_user(env, f"bench{i}") for i in range(clients)]
    sessions = [
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {t}"}, timeout=60) for t in tokens
    ]
    media = [upload(s, clip) for s in sessions]
    latencies: list[float] = []  # the paced submits, while the workers render the earlier ones
    first: list[float] = []  # each client's first submit: all 20 arrive at once, workers still idle
    ids: list[str] = []
    lock = threading.Lock()

    def client_loop(index: int) -> None:
        session, media_id = sessions[index], media[index]
        for n in range(renders // clients):
            if n:  # after the first burst, each client submits every ``interval`` s, clients staggered
                time.sleep(max(0.0, begin + n * interval + index * interval / clients - time.monotonic()))
            spec = {"output": {"width": 320, "height": 568}, "clips": [{"src": f"media:{media_id}"}]}
            started = time.perf_counter()
            response = session.post(
                "/v1/renders",
                json={"spec": spec, "draft": True},
                headers={"Idempotency-Key": f"bench-{index}-{n}"},
            )
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            with lock:
                (latencies if n else first).append(elapsed * 1000)
                ids.append(response.json()["id"])

    sampler = Sampler(pid)
    sampler.start()
    started = begin = time.monotonic()
    cpu_before = cpu_seconds(pid)
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client_loop, range(clients)))
    cpu_per_post = (cpu_seconds(pid) - cpu_before) / len(ids) * 1000
    if not wait:
        sampler.stop.set()
        return {
            "post_p50_ms": round(statistics.median(latencies), 1),
            "post_p99_ms": round(percentile(latencies, 0.99), 1),
            "api_cpu_ms_per_post": round(cpu_per_post, 2),
        }
    statuses: dict[str, str] = {}
    attempts: dict[str, int] = {}
    while len(statuses) < len(ids):
        for session in sessions:
            for item in session.get("/v1/renders", params={"limit": 200}).json()["items"]:
                if item["status"] in ("succeeded", "failed", "cancelled"):
                    statuses[item["id"]] = item["status"]
                    attempts[item["id"]] = item["attempts"]
        time.sleep(0.5)
    minutes = (time.monotonic() - started) / 60
    sampler.stop.set()
    for session in sessions:
        session.close()
    succeeded = sum(1 for s in statuses.values() if s == "succeeded")
    return {
        "renders": len(ids),
        "distinct": len(set(ids)),
        "succeeded": succeeded,
        "lost": len(set(ids)) - succeeded,
        "duplicated": len(ids) - len(set(ids)) + sum(1 for n in attempts.values() if n > 1),
        "paced_submits_per_s": round(clients / interval, 1),
        "post_p50_ms": round(statistics.median(latencies), 1),
        "post_p50_target_ms": 15,
        "post_p99_ms": round(percentile(latencies, 0.99), 1),
        "post_p99_target_ms": 50,
        "post_p99_with_first_burst_ms": round(percentile(latencies + first, 0.99), 1),
        "first_burst_max_ms": round(max(first), 1),
        "api_cpu_ms_per_post": round(cpu_per_post, 2),
        "renders_per_minute": round(len(ids) / minutes, 1),
        "rss_mb_first_last_max": [
            round(sampler.samples[0], 1),
            round(sampler.samples[-1], 1),
            round(max(sampler.samples), 1),
        ]
        if sampler.samples
        else [],
    }


def big_upload(url: str, env: dict[str, str], megabytes: int, pid: int) -> dict[str, object]:
    token = make_user(env, "bigupload")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=300) as client:
        size = megabytes << 20
        created = client.post("/v1/media", json={"kind": "video", "filename": "big.mp4", "size": size}).json()
        chunk = os.urandom(1 << 20)

        def body() -> Iterator[bytes]:
            for _ in range(megabytes):
                yield chunk

        sampler = Sampler(pid)
        before = rss_mb(pid)
        sampler.start()
        started = time.monotonic()
        client.put(created["upload"]["url"], content=body()).raise_for_status()
        seconds = time.monotonic() - started
        sampler.stop.set()
    peak = max(sampler.samples or [before])
    return {
        "upload_mb": megabytes,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(before, 1),
        "rss_peak_growth_mb": round(peak - before, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a client's submits")
    parser.add_argument("--upload-mb", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reelforge-bench-") as tmp:
        clip = make_clip(Path(tmp) / "clip.mp4", seconds=1.0, width=320, height=568, fps=24)
        result: dict[str, object] = {}
        # The reference: the same submits to an API without workers, on this machine as loaded now.
        proc, url, env = start_server(Path(tmp) / "idle", workers=0)
        try:
            result["no_renders_reference"] = load(
                url, env, clip, args.renders, args.clients, args.interval, proc.pid, wait=False
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        proc, url, env = start_server(Path(tmp) / "home")
        try:
            result["load"] = load(url, env, clip, args.renders, args.clients, args.interval, proc.pid)
            result["upload"] = big_upload(url, env, args.upload_mb, proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
