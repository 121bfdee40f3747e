"""The API on PostgreSQL, Celery workers on Redis and S3 over HTTP, all real processes."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.core.models import RenderPiece
from editor.ffmpeg import ffmpeg_build
from editor.probe import probe
from tests.api.conftest import Client, Media
from tests.editor.test_split import facts
from tests.scale.conftest import Cluster

DRAFT = {"width": 320, "height": 568, "fps": 24}


def draft_spec(clip: str, clips: int = 1) -> dict[str, Any]:
    return {"output": DRAFT, "clips": [{"src": clip}] * clips}


@pytest.fixture(scope="module")
def clip(user: Client, media: Media) -> str:
    return f"media:{user.upload(media.clip, 'video')['id']}"


def test_a_long_render_is_split_across_two_workers(cluster: Cluster, media: Media, tmp_path: Any) -> None:
    workers = cluster.ensure_workers(2)
    with cluster.server.user("splitter") as splitter:  # its own user: the others count their outputs
        clip = f"media:{splitter.upload(media.clip, 'video')['id']}"
        spec = {"output": DRAFT, "clips": [{"src": clip}] * 24}  # 24 s: two pieces of about 12 s
        response = splitter.post("/v1/renders", json={"spec": spec})
        assert response.status_code == 202, response.text
        done = splitter.wait_render(response.json()["id"], timeout=240)
    assert (done["status"], done["attempts"]) == ("succeeded", 1), done
    with cluster.services.sessions() as session:
        rows = session.scalars(select(RenderPiece).where(RenderPiece.render_id == done["id"])).all()
        pieces = sorted((r.number, r.status, r.output_key is not None) for r in rows)
    # the worker running the render kept its piece; the other worker's piece task uploaded its own
    assert [(number, status) for number, status, _ in pieces] == [(0, "done"), (1, "done")]
    assert sorted(uploaded for _, _, uploaded in pieces) == [False, True]
    helped = [
        w
        for w in workers
        if re.search(
            rf"reelforge\.piece\[piece-{done['id']}:\w+\] succeeded in [^:]+: '1 pieces'", w.log.read_text()
        )
    ]
    assert len(helped) == 1
    assert cluster.keys(f"tmp/renders/{done['id']}") == []  # the uploaded piece is gone after the join
    output = tmp_path / "split.mp4"
    output.write_bytes(httpx.get(done["output_url"]).raise_for_status().content)
    assert facts(output) == (576, 24.0, 24.0, 0.0)  # frames at 24 fps, video and sound lengths, in sync


def test_end_to_end_two_workers_each_render_exactly_once(
    cluster: Cluster, user: Client, clip: str, tmp_path: Any
) -> None:
    workers = cluster.ensure_workers(2)
    ids = []
    for n in range(6):
        response = user.post("/v1/renders", json={"spec": draft_spec(clip, 1 + n % 2), "draft": True})
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    done = [user.wait_render(render_id, timeout=60) for render_id in ids]
    assert [d["status"] for d in done] == ["succeeded"] * 6, done
    assert [d["attempts"] for d in done] == [1] * 6
    assert sorted(cluster.successful_runs(ids)) == sorted(ids)  # one successful run each
    assert all(any(o == (r, "succeeded") for r in ids for o in w.outcomes()) for w in workers), "both worked"
    started = f"rendering with {ffmpeg_build().describe()}"  # the ffmpeg each worker reports at start-up
    assert all(started in w.log.read_text() for w in workers)
    finals = cluster.keys(f"users/{user.user_id}/renders/")
    assert sorted(finals) == sorted(f"users/{user.user_id}/renders/{i}.mp4" for i in ids)
    assert [k for k in cluster.keys("tmp/renders/") if k.split("/")[-1][:32] in ids] == []
    output = tmp_path / "out.mp4"
    output.write_bytes(httpx.get(done[1]["output_url"]).raise_for_status().content)
    assert probe(output).duration == pytest.approx(2.0, abs=0.2)
