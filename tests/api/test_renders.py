"""Renders end to end over HTTP: borrowing sounds, credits, usage counts, cancel, webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import av
import httpx
import pytest

from api.jobs.webhooks import SIGNATURE_HEADER, verify
from editor.probe import probe
from tests.api.conftest import Client, Media, Server
from tests.api.procs import ffmpeg_processes

OUTPUT = {"width": 320, "height": 568, "fps": 24}


def spec(*clips: str, sound: str | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"output": OUTPUT, "clips": [{"src": c} for c in clips], **extra}
    if sound:
        data["audio"] = {"sound": {"src": sound}}
    return data


@pytest.fixture(scope="module")
def shared_sound(bob: Client, media: Media) -> dict[str, Any]:
    music = bob.upload(media.music, "audio")
    created = bob.post(
        "/v1/sounds",
        json={
            "media_id": music["id"],
            "title": "Bob's Beat",
            "license": "cc-by",
            "allow_reuse": True,
            "published": True,
        },
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    assert body["analysis"]["tempo"] == pytest.approx(120, abs=2)  # make_music's 120 BPM
    assert body["analysis"]["loudness_lufs"] < 0
    return body


@pytest.fixture(scope="module")
def clip(alice: Client, media: Media) -> str:
    return f"media:{alice.upload(media.clip, 'video')['id']}"


def test_borrowed_sound_end_to_end(
    alice: Client, bob: Client, clip: str, shared_sound: dict[str, Any], tmp_path: Path
) -> None:
    submitted = alice.post(
        "/v1/renders", json={"spec": spec(clip, sound=f"sound:{shared_sound['id']}"), "draft": True}
    )
    assert submitted.status_code == 202, submitted.text
    assert submitted.json()["status"] == "queued"
    done = alice.wait_render(submitted.json()["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0 and done["size"] > 0 and done["duration"] == pytest.approx(1.0, abs=0.1)
    assert [(c["sound_id"], c["owner"], c["license"]) for c in done["credits"]] == [
        (shared_sound["id"], "bob", "cc-by")
    ]
    output = tmp_path / "out.mp4"
    output.write_bytes(httpx.get(done["output_url"]).raise_for_status().content)
    info = probe(output)
    assert (info.has_video, info.has_audio, info.duration) == (True, True, pytest.approx(1.0, abs=0.1))
    with av.open(str(output)) as container:
        credits = json.loads(container.metadata["reelforge_credits"])
        assert container.metadata["comment"] == "'Bob's Beat' by @bob"
    assert credits[0]["sound_id"] == shared_sound["id"]
    sound = alice.get(f"/v1/sounds/{shared_sound['id']}").json()
    assert sound["usage_count"] == 1
    trending = alice.get("/v1/sounds/trending").json()["items"]
    assert trending[0]["sound"]["id"] == shared_sound["id"] and 0.9 < trending[0]["score"] <= 1.0
    assert bob.get(f"/v1/renders/{done['id']}").status_code == 404


def test_borrowing_needs_published_and_allow_reuse(
    alice: Client, bob: Client, clip: str, media: Media
) -> None:
    music = bob.upload(media.music, "audio")
    sound = bob.post(
        "/v1/sounds", json={"media_id": music["id"], "title": "Private", "license": "original"}
    ).json()
    body = {"spec": spec(clip, sound=f"sound:{sound['id']}")}
    refused = alice.post("/v1/renders", json=body)
    assert refused.status_code == 422  # unpublished: answered like a sound that does not exist
    assert refused.json()["error"]["problems"] == [
        {"field": "spec.audio.sound.src", "reason": f"sound:{sound['id']}: no such sound"}
    ]
    assert alice.get(f"/v1/sounds/{sound['id']}").status_code == 404  # unpublished: invisible
    assert bob.patch(f"/v1/sounds/{sound['id']}", json={"published": True}).status_code == 200
    refused = alice.post("/v1/renders", json=body)
    assert refused.status_code == 403 and "does not allow reuse" in refused.json()["error"]["message"]
    assert alice.patch(f"/v1/sounds/{sound['id']}", json={"allow_reuse": True}).status_code == 404


def test_every_spec_problem_is_reported_at_once(alice: Client, bob: Client, clip: str) -> None:
    before = len(alice.get("/v1/renders").json()["items"])
    foreign = bob.post("/v1/media", json={"kind": "video", "filename": "b.mp4", "size": 5}).json()["id"]
    bad = spec(clip, f"media:{foreign}", "/etc/passwd", "media:" + "0" * 32)
    bad["clips"][0]["speed"] = 99
    bad["output"] = {**OUTPUT, "width": 321}
    response = alice.post("/v1/renders", json={"spec": bad, "webhook_url": "ftp://example.com/x"})
    assert response.status_code == 422
    fields = [p["field"] for p in response.json()["error"]["problems"]]
    assert fields == [
        "spec.output.width",
        "spec.clips[0].speed",
        "webhook_url",
    ]  # spec invalid: no source checks
    bad = spec(clip, f"media:{foreign}", "/etc/passwd", "media:" + "0" * 32)
    problems = alice.post("/v1/renders", json={"spec": bad}).json()["error"]["problems"]
    assert [p["field"] for p in problems] == ["spec.clips[1].src", "spec.clips[2].src", "spec.clips[3].src"]
    assert "no such media" in problems[0]["reason"] and "never a path" in problems[1]["reason"]
    assert len(alice.get("/v1/renders").json()["items"]) == before  # nothing was queued


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    failures_left = 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Hook.failures_left:
            _Hook.failures_left -= 1
            self.send_response(503)
        else:
            _Hook.received.append((dict(self.headers), body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture()
def hook_url() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/hook"
    httpd.shutdown()


def test_webhook_is_signed_and_retried(server: Server, alice: Client, clip: str, hook_url: str) -> None:
    _Hook.received.clear()
    _Hook.failures_left = 1
    render = alice.post(
        "/v1/renders", json={"spec": spec(clip), "draft": True, "webhook_url": hook_url}
    ).json()
    alice.wait_render(render["id"])
    for _ in range(100):
        if _Hook.received:
            break
        threading.Event().wait(0.1)
    headers, body = _Hook.received[0]
    assert verify(server.settings.webhook_key, headers[SIGNATURE_HEADER], body)
    assert not verify(b"other key", headers[SIGNATURE_HEADER], body)
    payload = json.loads(body)
    assert payload["event"] == "render.succeeded" and payload["render"]["id"] == render["id"]


def test_cancel_a_running_render_kills_ffmpeg(server: Server, alice: Client, clip: str) -> None:
    long = spec(*[clip] * 40, output={"width": 720, "height": 1280, "fps": 30, "preset": "medium"})
    render = alice.post("/v1/renders", json={"spec": long}).json()
    alice.wait_render(render["id"], until=("running",))
    for _ in range(100):
        if ffmpeg_processes(server.settings.work_dir):
            break
        threading.Event().wait(0.05)
    assert ffmpeg_processes(server.settings.work_dir), "the render should be running ffmpeg now"
    cancelled = alice.post(f"/v1/renders/{render['id']}/cancel")
    assert cancelled.status_code == 200
    done = alice.wait_render(render["id"], timeout=15)
    assert done["status"] == "cancelled" and done["output_url"] is None
    assert ffmpeg_processes(server.settings.work_dir) == []
    assert alice.post(f"/v1/renders/{render['id']}/cancel").status_code == 409
