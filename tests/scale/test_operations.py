"""What operators see and what cleans up after crashes: admin workers, /metrics, cancel across
machines, the janitor."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.core.models import Render
from api.jobs import janitor
from tests.api.conftest import BUCKET, Client, Media
from tests.api.procs import ffmpeg_processes
from tests.scale.conftest import ADMIN_TOKEN, Cluster, wait_for

SLOW = {"width": 720, "height": 1280, "fps": 30, "preset": "veryfast"}


@pytest.fixture(scope="module")
def clip(user: Client, media: Media) -> str:
    return f"media:{user.upload(media.clip, 'video')['id']}"


def admin(cluster: Cluster) -> httpx.Client:
    return httpx.Client(base_url=cluster.server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})


def test_admin_routes_need_the_admin_token(cluster: Cluster, user: Client) -> None:
    for path in ("/v1/admin/workers", "/metrics"):
        assert httpx.get(cluster.server.url + path).status_code == 401
        wrong = httpx.get(cluster.server.url + path, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"
        assert user.get(path).status_code == 403  # a user token is not the admin token


def test_workers_list_their_jobs_and_cancel_reaches_the_worker(
    cluster: Cluster, user: Client, clip: str
) -> None:
    nodes = cluster.ensure_workers(2)
    render_id = user.post(
        "/v1/renders", json={"spec": {"output": SLOW, "clips": [{"src": clip}] * 8}}
    ).json()["id"]
    with admin(cluster) as client:

        def running_job() -> list[dict[str, object]]:
            items = client.get("/v1/admin/workers").raise_for_status().json()["items"]
            return [w for w in items if any(j["render_id"] == render_id for j in w["jobs"])]

        [worker] = wait_for("the admin view to show the job", running_job, timeout=30)
        items = client.get("/v1/admin/workers").json()["items"]
    alive = [w for w in items if w["alive"] and w["kind"] == "celery"]
    assert {n.pid for n in nodes} <= {w["pid"] for w in alive}  # (a killed one stays "alive" for 15 s)
    assert worker["jobs"][0]["attempt"] == 1 and worker["last_heartbeat"]
    node = next(n for n in nodes if n.pid == worker["pid"])
    wait_for("ffmpeg to render", lambda: ffmpeg_processes(node.home), timeout=30, every=0.05)

    assert user.post(f"/v1/renders/{render_id}/cancel").status_code == 200
    done = user.wait_render(render_id, timeout=120)
    assert done["status"] == "cancelled"
    wait_for("the worker's ffmpeg to stop", lambda: not ffmpeg_processes(node.home), timeout=30)
    assert cluster.keys(f"users/{user.user_id}/renders/{render_id}") == []


def _samples(text: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found


def test_metrics_match_the_database(cluster: Cluster, user: Client, clip: str) -> None:
    cluster.ensure_workers(2)
    render_id = user.post(
        "/v1/renders",
        json={"spec": {"output": {"width": 320, "height": 568}, "clips": [{"src": clip}]}, "draft": True},
    ).json()["id"]
    assert user.wait_render(render_id, timeout=60)["status"] == "succeeded"
    with admin(cluster) as client:
        response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert "# TYPE reelforge_render_duration_seconds histogram" in response.text
    samples = _samples(response.text)
    with cluster.services.sessions() as session:

        def count(*where: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(Render).where(*where)) or 0)

        succeeded = count(Render.status == "succeeded")
        timed = count(Render.status == "succeeded", Render.run_seconds.is_not(None))
        failed = dict(
            session.execute(
                select(Render.error_code, func.count())
                .where(Render.status == "failed")
                .group_by(Render.error_code)
            )
            .tuples()
            .all()
        )
        queued = count(Render.status == "queued")
    assert samples['reelforge_renders_finished_total{status="succeeded"}'] == succeeded >= 1
    assert samples['reelforge_render_duration_seconds_bucket{le="+Inf"}'] == timed
    assert samples["reelforge_render_duration_seconds_count"] == timed >= 1
    assert samples["reelforge_render_queue_wait_seconds_count"] >= 1
    assert samples["reelforge_queue_depth"] == queued
    assert samples["reelforge_workers_alive"] >= 2
    for reason, n in failed.items():
        assert samples[f'reelforge_render_failures_total{{reason="{reason}"}}'] == n
    buckets = [v for k, v in samples.items() if re.match(r"reelforge_render_duration_seconds_bucket", k)]
    assert buckets == sorted(buckets)  # cumulative


def test_janitor_publishes_committed_results_and_removes_leftovers(cluster: Cluster, user: Client) -> None:
    services, storage, s3 = cluster.services, cluster.services.storage, cluster.s3.client()
    work = cluster.root / "janitor"
    work.mkdir(exist_ok=True)
    blob = work / "blob.mp4"
    blob.write_bytes(b"\0" * 1024)
    # a render committed as succeeded whose worker died before copying the staged result
    render_id = uuid.uuid4().hex
    staged, final = f"tmp/renders/{render_id}-1.mp4", f"users/{user.user_id}/renders/{render_id}.mp4"
    storage.put_file(staged, blob)
    with services.sessions() as session:
        session.add(
            Render(
                id=render_id,
                owner_id=user.user_id,
                spec={},
                request_hash="h",
                status="succeeded",
                output_key=final,
                staged_key=staged,
            )
        )
        session.commit()
    # an attempt that died after uploading, and a multipart upload nobody completed
    storage.put_file(f"tmp/renders/{uuid.uuid4().hex}-1.mp4", blob)
    upload_key = f"{cluster.prefix}/users/{user.user_id}/uploads/{uuid.uuid4().hex}"
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=upload_key)["UploadId"]

    fresh = janitor.run(services)  # the objects are younger than janitor_max_age: only the roll-forward
    assert (fresh.published, fresh.temporaries_deleted) == (1, 0)  # (moto dates every upload 2010-11-10)
    assert storage.size(final) == 1024 and storage.size(staged) is None
    assert cluster.render_row(render_id).staged_key is None

    report = janitor.run(services, max_age=0)
    assert report.temporaries_deleted >= 1
    assert cluster.keys("tmp/renders/") == []
    uploads = s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    assert upload_id not in [u["UploadId"] for u in uploads]
    assert storage.size(final) == 1024  # published results are never touched
