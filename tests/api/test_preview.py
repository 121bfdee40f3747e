"""Play while it renders: a running render's ``preview_url`` is an HLS playlist a player can follow,
with every segment it names downloadable (local storage and S3) and decodable."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from api.jobs import janitor
from api.services.previews import preview_prefix
from editor.plan.preview import parse_playlist
from tests.api.conftest import Client, Media, Server
from tests.editor.test_preview import decoded_seconds

# Heavy on purpose (temporal grain at 720x1280 defeats the encoder): it runs for many seconds, so
# the test sees it running; it is cancelled once checked.
SLOW = {
    "output": {"width": 720, "height": 1280, "fps": 30, "preset": "veryfast"},
    "effects": [{"type": "grain", "strength": 1.0}],
    "audio": {"loudness": None},
}


def wait_for_preview(alice: Client, render_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = alice.get(f"/v1/renders/{render_id}").json()
        if body["preview_url"] or body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"render {render_id} has no preview after {timeout} s")


def test_a_running_render_has_a_playable_preview(
    server: Server, alice: Client, media: Media, tmp_path: Path
) -> None:
    photo = alice.upload(media.photo, "image")
    spec = {**SLOW, "clips": [{"src": f"media:{photo['id']}", "duration": 60}]}
    submitted = alice.post("/v1/renders", json={"spec": spec})
    assert submitted.status_code == 202, submitted.text
    render_id = submitted.json()["id"]
    body = wait_for_preview(alice, render_id)
    assert body["status"] == "running" and body["output_url"] is None, body

    # What a player does: fetch the playlist without our token, then every file it names.
    answer = httpx.get(body["preview_url"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    text = answer.text
    assert render_id not in text.split("#EXT-X-MAP")[0]  # the header is ffmpeg's, untouched
    playlist = parse_playlist(text)
    assert not playlist.ended and playlist.init and playlist.segments
    init = tmp_path / "init.mp4"
    init.write_bytes(httpx.get(playlist.init).raise_for_status().content)
    for i, (url, seconds) in enumerate(playlist.segments):
        assert urlsplit(url).scheme == "http"  # absolute, presigned: no token needed
        segment = tmp_path / f"seg{i}.m4s"
        segment.write_bytes(httpx.get(url).raise_for_status().content)
        video, audio = decoded_seconds(init, segment, tmp_path)
        assert video == pytest.approx(seconds, abs=1 / 30 + 1e-6)
        assert audio == pytest.approx(seconds, abs=0.1)  # the silent track, in step (AAC frames: 21 ms)
    assert playlist.segments[0][1] == 0.5
    assert alice.get(f"/v1/renders/{render_id}").json()["status"] == "running"

    # A tampered link is refused; the render's files are never reachable by guessing.
    url = urlsplit(body["preview_url"])
    forged = dict(q.split("=", 1) for q in url.query.split("&")) | {"attempt": "7"}
    assert httpx.get(f"{server.url}{url.path}?{urlencode(forged)}").status_code == 401

    cancelled = alice.post(f"/v1/renders/{render_id}/cancel")
    assert cancelled.status_code == 200
    done = alice.wait_render(render_id)
    assert done["status"] == "cancelled" and done["preview_url"] is None
    # A player still on the preview finishes it: the files stay for ``preview_grace`` after the end,
    # then the janitor deletes them.
    files = preview_prefix(render_id, done["attempts"])
    storage = server.services.storage
    janitor.run(server.services)
    assert storage.list_objects(files)
    assert httpx.get(playlist.segments[-1][0]).status_code == 200
    janitor.run(server.services, preview_grace=0)
    assert storage.list_objects(files) == []
