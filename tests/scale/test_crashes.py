"""Workers killed with SIGKILL mid-render, the same job delivered twice at once."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.core.models import Worker
from api.jobs.celery_app import publish
from tests.api.conftest import Client, Media, temporaries
from tests.api.procs import ffmpeg_processes
from tests.scale.conftest import Cluster, FinalKeyWatch, WorkerProcess, orphaned_ffmpeg, wait_for

SLOW = {"width": 720, "height": 1280, "fps": 30, "preset": "veryfast"}


@pytest.fixture(scope="module")
def clip(user: Client, media: Media) -> str:
    return f"media:{user.upload(media.clip, 'video')['id']}"


def running_on(cluster: Cluster, render_id: str) -> tuple[WorkerProcess, int]:
    """The worker node running the render, and the pid of its pool process that does."""

    def owner() -> str | None:
        row = cluster.render_row(render_id)
        return row.lease_owner if row.status == "running" else None

    worker_id, _, child = wait_for("the render to start", owner, timeout=30).rpartition("/")
    with cluster.services.sessions() as session:
        main_pid = session.scalar(select(Worker.pid).where(Worker.id == worker_id))
    node = next(w for w in cluster.workers if w.pid == main_pid)
    return node, int(child)


@pytest.mark.parametrize("victim", ["pool child", "main process"])
def test_kill_9_mid_render_finishes_elsewhere_once(
    cluster: Cluster, user: Client, clip: str, victim: str
) -> None:
    cluster.ensure_workers(2)
    prefix = f"users/{user.user_id}/renders/"
    with FinalKeyWatch(cluster, prefix) as watch:
        spec = {"output": SLOW, "clips": [{"src": clip}] * 6}
        render_id = user.post("/v1/renders", json={"spec": spec}).json()["id"]
        node, child = running_on(cluster, render_id)
        wait_for("ffmpeg to render", lambda: ffmpeg_processes(node.home), timeout=30, every=0.05)
        os.kill(child if victim == "pool child" else node.pid, signal.SIGKILL)

        wait_for("the killed render's ffmpeg to die", lambda: not ffmpeg_processes(node.home), timeout=30)
        wait_for("the pool process to die", lambda: not Path(f"/proc/{child}").exists(), timeout=30)
        done = user.wait_render(render_id, timeout=90)
        final = f"{prefix}{render_id}.mp4"
        wait_for("the watch to list the published key", lambda: final in watch.seen, timeout=30)
    assert (done["status"], done["attempts"]) == ("succeeded", 2), done
    assert watch.violations == [], "a final key was listable before its render succeeded"
    assert [k for k in cluster.keys(prefix) if render_id in k] == [f"{prefix}{render_id}.mp4"]
    assert temporaries(cluster.keys("tmp/renders/"), render_id, done["attempts"]) == []
    assert cluster.successful_runs([render_id]) == [render_id]
    finishers = [w for w in cluster.workers if (render_id, "succeeded") in w.outcomes()]
    if victim == "main process":
        assert finishers[0] is not node and not node.alive()
    assert orphaned_ffmpeg(cluster.root) == []


def test_the_same_job_delivered_twice_at_once_runs_once(cluster: Cluster, user: Client, clip: str) -> None:
    cluster.ensure_workers(2)
    spec: dict[str, Any] = {"output": {"width": 320, "height": 568, "fps": 24}, "clips": [{"src": clip}] * 3}
    render_id = user.post("/v1/renders", json={"spec": spec, "draft": True}).json()["id"]
    app = cluster.server.app.state.queue.app
    extra = [threading.Thread(target=publish, args=(app, render_id)) for _ in range(2)]
    for thread in extra:
        thread.start()
    for thread in extra:
        thread.join(timeout=10)
    done = user.wait_render(render_id, timeout=60)
    assert (done["status"], done["attempts"]) == ("succeeded", 1), done

    def outcomes() -> list[str]:
        return [o for w in cluster.workers for r, o in w.outcomes() if r == render_id]

    deliveries = wait_for("three deliveries", lambda: len(outcomes()) >= 3 and outcomes(), timeout=30)
    assert sorted(deliveries) == ["skipped", "skipped", "succeeded"]
    assert [k for k in cluster.keys(f"users/{user.user_id}/renders/") if render_id in k] == [
        f"users/{user.user_id}/renders/{render_id}.mp4"
    ]
