"""One embedded render worker process (``python -m api.jobs.render_process``), run by ``serve``.

Renders run here rather than in the API process so that their orchestration (lease heartbeats,
progress, probing, planning, uploads) never takes the API's interpreter lock. The supervisor
(``api.jobs.embedded``) talks to it through its stdin only:

* the first line is JSON: ``{"slot": <lease owner>, "settings": {...}}``;
* every later byte means "a render was queued: look now" (otherwise it looks every ``poll_seconds``);
* end of file means "stop": a running render is cancelled and given back to the queue, as at any
  graceful shutdown. (If the supervisor is killed outright, this process is killed with it.)
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from typing import Any, BinaryIO

from pydantic import SecretStr

from api.core.config import Settings
from api.core.context import Services
from api.jobs import leases
from api.jobs.leases import policy_of
from api.jobs.pieces import help_render
from api.jobs.run import notify, run_claimed
from editor.face.tracking import preload_mediapipe
from editor.ffmpeg import lower_priority

log = logging.getLogger("reelforge.jobs")


def hello(slot: str, settings: Settings) -> bytes:
    """The first line the supervisor writes: everything the worker needs, secrets included (a pipe
    is private to the two processes, unlike argv or the environment of another user's ``ps``)."""
    values: dict[str, Any] = {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value for name, value in settings
    }
    return json.dumps({"slot": slot, "settings": values}, default=str).encode() + b"\n"


class Inbox:
    """Reads the supervisor's wake-ups and its end of file in a thread."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.wake = threading.Event()
        self.stop = threading.Event()
        threading.Thread(target=self._read, daemon=True, name="inbox").start()

    def _read(self) -> None:
        try:
            while self.stream.read1(4096):  # type: ignore[attr-defined]
                self.wake.set()
        except OSError:
            pass
        self.stop.set()
        self.wake.set()


def work(services: Services, slot: str, inbox: Inbox) -> None:
    """Claim and run renders until told to stop (the loop the worker threads used to run)."""
    policy = policy_of(services.settings)
    while not inbox.stop.is_set():
        inbox.wake.clear()
        try:
            for ended in leases.reap(services.sessions, policy, services.readers):
                notify(services, ended)
            splits = services.settings.split_pieces > 1
            if splits and help_render(services, slot, stop=inbox.stop):  # a running render's pieces first
                continue
            claimed = leases.claim_next(services.sessions, slot, policy, services.readers)
            if claimed is not None:
                run_claimed(services, claimed, slot, stop=inbox.stop)
                continue
        except Exception:  # a broken database must not end the worker
            log.exception("render worker %s: poll failed", slot)
        inbox.wake.wait(services.settings.poll_seconds)


FFMPEG_NICENESS = 10  # encodes yield the CPU to the API's requests (``lower_priority``)


def main() -> None:
    lower_priority(FFMPEG_NICENESS)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stdin = sys.stdin.buffer
    first = json.loads(stdin.readline() or b"null")
    if not first:
        return  # the supervisor went away before saying anything
    settings = Settings(**first["settings"])
    services = Services.build(settings)
    services.webhooks.start()  # deliver this worker's webhooks at once, not at the API's next poll
    preload_mediapipe()  # the first face-effect render of this worker does not pay for the import
    try:
        work(services, str(first["slot"]), Inbox(stdin))
    finally:
        services.close()


if __name__ == "__main__":
    main()
