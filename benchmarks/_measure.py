"""Shared benchmark helpers: run a command, sampling the peak RSS of its whole process tree."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx


def _tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def timed_run(argv: Sequence[str], *, cwd: Path | None = None) -> tuple[float, float]:
    """Run ``argv``; return (wall seconds, peak RSS of the process tree in MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(argv), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(argv)}\n{err.decode()[-2000:]}")
    return seconds, peak / 1024


def venv_bin(name: str) -> str:
    return str(
        Path(os.environ.get("VIRTUAL_ENV", Path(__file__).resolve().parents[1] / ".venv")) / "bin" / name
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def upload(client: httpx.Client, path: Path) -> str:
    """The app's upload flow against a running API (local storage): create, PUT, complete."""
    data = path.read_bytes()
    created = client.post(
        "/v1/media", json={"kind": "video", "filename": path.name, "size": len(data)}
    ).json()
    client.put(created["upload"]["url"], content=data).raise_for_status()
    body = client.post(f"/v1/media/{created['id']}/complete").json()
    assert body["status"] == "ready", body
    return str(body["id"])
