"""Render workers as threads of the API process, fed by the renders table (see ``leases``)."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

from api.core.context import Services
from api.jobs import leases
from api.jobs import workers as worker_rows
from api.jobs.maintenance import Maintenance
from api.jobs.run import notify, policy_of, run_claimed

log = logging.getLogger("reelforge.jobs")


def sweep_work_dir(work: Path) -> None:
    """Remove work folders left by processes that died (``<kind>-<pid>-...``): partial renders."""
    if not work.is_dir():
        return
    for entry in work.iterdir():
        parts = entry.name.split("-")
        if len(parts) < 3 or not parts[1].isdigit() or not entry.is_dir():
            continue
        pid = int(parts[1])
        if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(entry, ignore_errors=True)
            log.info("removed %s left by a process that died", entry)


class EmbeddedQueue:
    def __init__(self, services: Services, workers: int) -> None:
        self.services = services
        self.workers = workers
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []
        self.worker_id = worker_rows.new_worker_id()
        self._maintenance = Maintenance(services, worker=(self.worker_id, "embedded", workers))

    def enqueue(self, render_id: str) -> None:
        with self._wake:
            self._wake.notify()

    def start(self) -> None:
        sweep_work_dir(self.services.settings.work_dir)
        self._stop.clear()
        self._maintenance.start()
        for n in range(self.workers):
            slot = worker_rows.slot(self.worker_id, n)
            thread = threading.Thread(target=self._loop, args=(slot,), daemon=True, name=f"render-worker-{n}")
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; running renders are cancelled and their ffmpeg killed by ``run_claimed``."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self._maintenance.stop(timeout)

    def _loop(self, worker: str) -> None:
        policy = policy_of(self.services.settings)
        while not self._stop.is_set():
            try:
                for ended in leases.reap(self.services.sessions, policy):
                    notify(self.services, ended)
                claimed = leases.claim_next(self.services.sessions, worker, policy)
                if claimed is not None:
                    run_claimed(self.services, claimed, worker, stop=self._stop)
                    continue
            except Exception:  # a broken database must not kill the worker thread
                log.exception("render worker %s: poll failed", worker)
            with self._wake:
                self._wake.wait(self.services.settings.poll_seconds)
