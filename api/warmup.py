"""Warm the sound analysis in the background when a server or worker starts.

librosa's beat tracker JIT-compiles with numba on first use (tens of seconds cold, ~3 s from
numba's on-disk cache, which lives beside the library or, when that is read-only, in the user's
cache folder; ``NUMBA_CACHE_DIR`` moves it); doing it at start-up keeps that off the first
user's request.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


def start_warmup() -> threading.Thread:
    """Warm up in a daemon thread; the caller goes on serving."""

    def warm() -> None:
        from audio.analysis import warm_up

        log.info("sound analysis warmed up in %.1f s", warm_up())

    thread = threading.Thread(target=warm, name="reelforge-warmup", daemon=True)
    thread.start()
    return thread
