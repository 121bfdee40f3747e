"""Embedded render workers: processes supervised by ``serve``, fed by the renders table (``leases``).

Each worker is a ``python -m api.jobs.render_process`` child holding one lease slot
(``<worker id>/<n>``). Renders leave the API process so that its interpreter lock serves requests
only. One supervisor thread starts the children (they die with it, see ``start_helper``), notices
when one dies, queues its renders again at once (no wait for the lease to run out), removes its
scratch files and starts a new one, backing off if a child keeps dying at start-up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from api.core.context import Services
from api.jobs import leases
from api.jobs import workers as worker_rows
from api.jobs.leases import policy_of
from api.jobs.maintenance import Maintenance
from api.jobs.pieces import abandon_pieces
from api.jobs.render_process import hello
from api.jobs.run import notify
from editor.ffmpeg import start_helper

log = logging.getLogger("reelforge.jobs")

ROOT = Path(__file__).resolve().parents[2]  # the children import the same code as this process
CHECK_SECONDS = 0.2  # how often the supervisor looks for dead children
MAX_BACKOFF = 30.0


def sweep_work_dir(work: Path) -> None:
    """Remove work folders left by processes that died (``<kind>-<pid>-...``): partial renders."""
    if not work.is_dir():
        return
    for entry in work.iterdir():
        parts = entry.name.split("-")
        if len(parts) < 3 or not parts[1].isdigit() or not entry.is_dir():
            continue
        pid = int(parts[1])
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(entry, ignore_errors=True)
            log.info("removed %s left by a process that died", entry)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a killed worker may linger a moment as a zombie: that is dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@dataclass
class _Child:
    slot: str
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    not_before: float = 0.0  # back-off after a crash at start-up
    backoff: float = 0.0


class EmbeddedQueue:
    def __init__(self, services: Services, workers: int) -> None:
        self.services = services
        self.workers = workers
        self.worker_id = worker_rows.new_worker_id()
        self._children = [_Child(worker_rows.slot(self.worker_id, n)) for n in range(workers)]
        self._stop = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._maintenance = Maintenance(services, worker=(self.worker_id, "embedded", workers))
        self.restarts = 0  # children started again after dying (for tests and logs)

    def enqueue(self, render_id: str) -> None:
        """Wake the idle children (one byte each); the first to claim the row runs it."""
        for child in self._children:
            proc = child.proc
            if proc is not None and proc.stdin is not None and proc.poll() is None:
                with contextlib.suppress(OSError, ValueError):  # full (it is busy), closed or dead
                    os.write(proc.stdin.fileno(), b"w")

    def pids(self) -> list[int]:
        return [c.proc.pid for c in self._children if c.proc is not None and c.proc.poll() is None]

    def start(self) -> None:
        sweep_work_dir(self.services.settings.work_dir)
        self._stop.clear()
        self._maintenance.start()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True, name="render-supervisor")
        self._supervisor.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the children: each cancels its render and gives it back to the queue."""
        self._stop.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout + 5)
            self._supervisor = None
        self._maintenance.stop(timeout)

    def _supervise(self) -> None:
        try:
            while not self._stop.is_set():
                for child in self._children:
                    try:
                        self._tend(child)
                    except Exception:  # a broken database must not end the supervision
                        log.exception("render worker %s: supervision failed", child.slot)
                self._stop.wait(CHECK_SECONDS)
        finally:
            self._stop_children()

    def _tend(self, child: _Child) -> None:
        proc = child.proc
        if proc is not None and proc.poll() is None:
            return
        if proc is not None:
            child.proc = None
            self._recover(child, proc.returncode)
        if time.monotonic() >= child.not_before:
            self._spawn(child)

    def _spawn(self, child: _Child) -> None:
        sweep_work_dir(self.services.settings.work_dir)  # also what workers of a killed serve left
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        proc = start_helper([sys.executable, "-m", "api.jobs.render_process"], env=env)
        assert proc.stdin is not None
        proc.stdin.write(hello(child.slot, self.services.settings))
        proc.stdin.flush()
        os.set_blocking(proc.stdin.fileno(), False)  # a wake-up never blocks a request thread
        child.proc, child.started = proc, time.monotonic()
        log.info("render worker %s started (pid %d)", child.slot, proc.pid)

    def _recover(self, child: _Child, code: int | None) -> None:
        """A child died: its renders go back to the queue now, its scratch files go."""
        self.restarts += 1
        services, policy = self.services, policy_of(self.services.settings)
        again = leases.abandon(services.sessions, child.slot, policy)
        abandon_pieces(services.sessions, child.slot)
        for ended in leases.reap(services.sessions, policy):
            notify(services, ended)
        sweep_work_dir(services.settings.work_dir)
        quick = time.monotonic() - child.started < 5.0
        child.backoff = min(MAX_BACKOFF, max(1.0, child.backoff * 2)) if quick else 0.0
        child.not_before = time.monotonic() + child.backoff
        log.warning(
            "render worker %s died (exit %s); queued again: %s; restarting%s",
            child.slot,
            code,
            ", ".join(again) or "nothing",
            f" in {child.backoff:.0f} s" if child.backoff else "",
        )

    def _stop_children(self) -> None:
        running = [c for c in self._children if c.proc is not None]
        for child in running:
            assert child.proc is not None and child.proc.stdin is not None
            with contextlib.suppress(OSError):
                child.proc.stdin.close()  # end of file: stop
        deadline = time.monotonic() + 10.0
        policy = policy_of(self.services.settings)
        for child in running:
            assert child.proc is not None
            try:
                child.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
                with contextlib.suppress(Exception):  # it could not give its render back: we do
                    leases.abandon(self.services.sessions, child.slot, policy)
            child.proc = None
