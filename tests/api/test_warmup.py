"""The API keeps its request threads started, so a burst never waits for threads to start."""

from __future__ import annotations

import threading

import anyio

from api.core.warmup import keep_request_threads


def request_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "AnyIO worker thread")


def test_the_request_threads_are_started_and_stay() -> None:
    async def main() -> list[int]:
        counts = []
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(keep_request_threads, 8, 0.2)
            for _ in range(3):  # across several rounds of the keeper
                await anyio.sleep(0.3)
                counts.append(request_threads())
            tasks.cancel_scope.cancel()
        return counts

    assert min(anyio.run(main)) >= 8
