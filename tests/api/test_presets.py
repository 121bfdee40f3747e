"""/v1/presets and template renders over HTTP (a real server, local storage)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from editor.preset_previews import render_previews
from editor.presets import default_library
from editor.probe import probe
from editor.samples import make_music
from tests.api.conftest import Client, Media, Server

LIB = default_library()


@pytest.fixture(scope="module")
def local(server_factory: Callable[..., Server]) -> Server:
    return server_factory()


@pytest.fixture(scope="module")
def carol(local: Server) -> Iterator[Client]:
    with local.user("carol") as client:
        yield client


@pytest.fixture(scope="module")
def dave(local: Server) -> Iterator[Client]:
    with local.user("dave") as client:
        yield client


def test_presets_are_listed_filtered_and_shown(carol: Client) -> None:
    items = carol.get("/v1/presets").json()["items"]
    assert [i["id"] for i in items] == [p.id for p in LIB.listing()]
    assert all(i["parameters"] is None and i["preview_url"] is None for i in items)
    looks = carol.get("/v1/presets", params={"category": "look"}).json()["items"]
    assert {i["category"] for i in looks} == {"look"}
    assert carol.get("/v1/presets", params={"category": "nope"}).status_code == 422
    one = carol.get("/v1/presets/beat-5").json()
    assert one["category"] == "template" and len(one["parameters"]["slots"]) == 5
    missing = carol.get("/v1/presets/nior")
    assert missing.status_code == 404 and "did you mean 'noir'" in missing.json()["error"]["message"]
    assert httpx.get(str(carol.base_url.join("/v1/presets"))).status_code == 401


def test_preview_files_are_served_once_generated(local: Server, carol: Client) -> None:
    assert carol.get("/v1/presets/noir/thumbnail.png").status_code == 404
    render_previews(local.settings.home / "previews", ids=["noir"])
    listed = {i["id"]: i for i in carol.get("/v1/presets").json()["items"]}
    assert listed["noir"]["thumbnail_url"] and listed["noir"]["preview_url"]
    assert listed["arctic"]["preview_url"] is None
    image = carol.get(listed["noir"]["thumbnail_url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    video = carol.get("/v1/presets/noir/preview.mp4")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert carol.get("/v1/presets/noir/secrets.txt").status_code == 404


@pytest.fixture(scope="module")
def beat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_music(tmp_path_factory.mktemp("beat") / "beat.m4a", seconds=10, bpm=120)


def sound_of(client: Client, path: Path, **flags: Any) -> str:
    music = client.upload(path, "audio")
    created = client.post(
        "/v1/sounds", json={"media_id": music["id"], "title": "beat", "license": "original", **flags}
    )
    assert created.status_code == 201, created.text
    return f"sound:{created.json()['id']}"


def download(client: Client, render: dict[str, Any], attempts: int = 20) -> bytes:
    """The output's bytes; asks for a fresh URL while the worker moves it from staging to its key."""
    for _ in range(attempts):
        response = httpx.get(render["output_url"])
        if response.status_code == 200:
            return response.content
        time.sleep(0.5)
        render = client.get(f"/v1/renders/{render['id']}").json()
    raise AssertionError(f"the output of {render['id']} never became downloadable")


def test_a_template_render_over_http(carol: Client, media: Media, beat: Path, tmp_path: Path) -> None:
    clips = [f"media:{carol.upload(path, 'video')['id']}" for path in (media.clip, media.clip2)]
    sound = sound_of(carol, beat)
    body = {"template": "beat-5", "clips": clips, "texts": {"title": "Hello"}, "sound": sound, "draft": True}
    submitted = carol.post("/v1/renders", json=body)
    assert submitted.status_code == 202, submitted.text
    done = carol.wait_render(submitted.json()["id"], timeout=180)
    assert done["status"] == "succeeded", done
    output = tmp_path / "template.mp4"
    output.write_bytes(download(carol, done))
    info = probe(output)
    assert info.duration == pytest.approx(LIB.template("beat-5").total_beats * 0.5, abs=0.15)
    assert (info.width, info.height) == (720, 1280)


def test_template_request_problems(carol: Client, dave: Client, media: Media, beat: Path) -> None:
    clip = f"media:{carol.upload(media.clip, 'video')['id']}"
    private = sound_of(dave, beat)
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({"template": "beat5", "clips": [clip], "sound": private}, 422, "template", "did you mean 'beat-5'"),
        ({"template": "beat-5", "clips": [clip]}, 422, "sound", "needs a sound"),
        (
            {"template": "beat-5", "clips": [clip, "media:" + "0" * 32], "sound": private},
            422,
            "clips[1]",
            "no such media",
        ),
        (
            {"template": "beat-5", "clips": [clip], "texts": {"titel": "x"}, "sound": private},
            422,
            "sound",
            "no such sound",  # another's unpublished sound is answered like a missing one
        ),
        ({"template": "beat-5", "clips": [clip], "spec": {"clips": [{"src": clip}]}}, 422, "", "either"),
        ({"template": "beat-5", "clips": []}, 422, "", "needs 'clips'"),
    ]
    for body, status, field, words in cases:
        response = carol.post("/v1/renders", json=body)
        assert response.status_code == status, (body, response.text)
        error = response.json()["error"]
        fields = [p["field"] for p in error["problems"]]
        assert field in fields or not field, (field, fields)
        assert words in response.text, (words, response.text)
    own = sound_of(carol, beat)
    wrong_key = carol.post(
        "/v1/renders", json={"template": "beat-5", "clips": [clip], "texts": {"titel": "x"}, "sound": own}
    )
    assert wrong_key.status_code == 422 and "did you mean 'title'" in wrong_key.text
