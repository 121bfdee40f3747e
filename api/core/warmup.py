"""Keep first requests fast: warm the sound analysis when a server or worker starts, and keep the
API's request threads started.

librosa's beat tracker JIT-compiles with numba on first use (tens of seconds cold, ~3 s from
numba's on-disk cache, which lives beside the library or, when that is read-only, in the user's
cache folder; ``NUMBA_CACHE_DIR`` moves it); doing it at start-up keeps that off the first
user's request.
"""

from __future__ import annotations

import logging
import threading
import time

import anyio
import anyio.to_thread

log = logging.getLogger(__name__)


def start_warmup() -> threading.Thread:
    """Warm up in a daemon thread; the caller goes on serving."""

    def warm() -> None:
        from audio.analysis import warm_up

        log.info("sound analysis warmed up in %.1f s", warm_up())

    thread = threading.Thread(target=warm, name="reelforge-warmup", daemon=True)
    thread.start()
    return thread


async def keep_request_threads(count: int, every: float = 5.0) -> None:
    """Keep ``count`` of anyio's request threads started (run as a task for the server's life).

    FastAPI runs plain ``def`` routes on anyio's threads, which anyio starts on demand and stops
    after 10 s idle. Starting one blocks the event loop until the new thread gets the GIL, which
    under load took ~10 ms: the first burst after a quiet spell waited ~250 ms for its threads.
    So every ``every`` seconds, ``count`` short tasks run at once, each holding its own thread.
    """
    spare = anyio.CapacityLimiter(count)  # not the requests' own limiter: never takes their slots
    while True:
        async with anyio.create_task_group() as group:
            for _ in range(count):
                group.start_soon(lambda: anyio.to_thread.run_sync(time.sleep, 0.02, limiter=spare))
        await anyio.sleep(every)
