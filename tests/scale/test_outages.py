"""The object store and the broker go away while renders are in flight."""

from __future__ import annotations

import pytest

from api.jobs import janitor
from api.jobs.celery_app import QUEUE
from tests.api.conftest import Client, Media, temporaries
from tests.scale.conftest import Cluster, wait_for

SLOW = {"width": 720, "height": 1280, "fps": 30, "preset": "veryfast"}
DRAFT = {"width": 320, "height": 568, "fps": 24}


@pytest.fixture(scope="module")
def clip(user: Client, media: Media) -> str:
    return f"media:{user.upload(media.clip, 'video')['id']}"


def encoding_for_seconds(clip: str) -> dict[str, object]:
    """A spec whose encode outlasts stopping the object store (which happens once it runs)."""
    return {"output": SLOW, "clips": [{"src": clip}] * 10}


def rendering(cluster: Cluster, render_id: str) -> bool:
    row = cluster.render_row(render_id)
    return row.status == "running" and row.progress > 0  # sources downloaded, ffmpeg going


def retried_upload(cluster: Cluster, render_id: str) -> bool:
    needle = f"storage unavailable (upload tmp/renders/{render_id}"
    return any(needle in w.log.read_text(errors="replace") for w in cluster.workers)


def test_storage_down_during_the_result_upload_then_back(cluster: Cluster, user: Client, clip: str) -> None:
    cluster.ensure_workers(2)
    render_id = user.post("/v1/renders", json={"spec": encoding_for_seconds(clip)}).json()["id"]
    wait_for("the render to run", lambda: rendering(cluster, render_id), timeout=30, every=0.05)
    cluster.s3.stop()
    try:
        wait_for("an upload retry", lambda: retried_upload(cluster, render_id), timeout=30)
    finally:
        cluster.s3.start()
    done = user.wait_render(render_id, timeout=60)
    assert (done["status"], done["attempts"]) == ("succeeded", 1), done
    final = f"users/{user.user_id}/renders/{render_id}.mp4"  # published just after the commit
    wait_for("the result to be published", lambda: cluster.keys(final) == [final], timeout=30)
    assert temporaries(cluster.keys("tmp/renders/"), render_id, done["attempts"]) == []


def test_storage_down_longer_than_the_retry_budget_fails_cleanly(
    cluster: Cluster, user: Client, clip: str
) -> None:
    cluster.ensure_workers(2)
    render_id = user.post("/v1/renders", json={"spec": encoding_for_seconds(clip)}).json()["id"]
    wait_for("the render to run", lambda: rendering(cluster, render_id), timeout=30, every=0.05)
    cluster.s3.stop()
    try:
        done = user.wait_render(render_id, timeout=60)
    finally:
        cluster.s3.start()
    assert done["status"] == "failed" and done["error"]["code"] == "storage_unavailable", done
    assert retried_upload(cluster, render_id)
    assert cluster.keys(f"users/{user.user_id}/renders/{render_id}") == []  # nothing published
    left = [k for k in cluster.keys("tmp/renders/") if render_id in k]
    assert [k for k in left if ".hls/" not in k] == []  # nothing partial of the MP4
    # The preview published before the outage sits under the temporary prefix until the janitor
    # empties it.
    janitor.run(cluster.services, max_age=0)
    assert [k for k in cluster.keys("tmp/renders/") if render_id in k] == []
    assert cluster.services.storage.stale_uploads(janitor.utcnow()) == []


def test_redis_restarted_while_jobs_are_queued_loses_none(cluster: Cluster, user: Client, clip: str) -> None:
    workers = cluster.ensure_workers(2)
    busy = [
        user.post("/v1/renders", json={"spec": {"output": SLOW, "clips": [{"src": clip}] * 4}}).json()["id"]
        for _ in workers
    ]
    wait_for("both workers busy", lambda: all(cluster.render_row(r).status == "running" for r in busy))
    queued = [
        user.post(
            "/v1/renders", json={"spec": {"output": DRAFT, "clips": [{"src": clip}]}, "draft": True}
        ).json()["id"]
        for _ in range(3)
    ]
    broker = cluster.redis.client()
    wait_for("the jobs to wait in Redis", lambda: broker.llen(QUEUE) == len(queued), timeout=30)
    cluster.redis.restart()
    broker = cluster.redis.client()
    assert broker.llen(QUEUE) == 0  # the messages are gone with the old server
    finals = {r: user.wait_render(r, timeout=120) for r in busy + queued}
    assert {r: (d["status"], d["attempts"]) for r, d in finals.items()} == {
        r: ("succeeded", 1) for r in busy + queued
    }
    assert sorted(cluster.successful_runs(list(finals))) == sorted(finals)  # each rendered exactly once
