"""Caption files through the API: a `captions` upload, validated as text, used as `media:<id>`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Client, Media, Server

VTT = (
    "WEBVTT\n\n00:00:00.100 --> 00:00:00.900\n<00:00:00.100>Hei <00:00:00.500>verden 👋\n\n"
    "00:00:00.900 --> 00:00:01.000\nשלום 你好\n"
)


@pytest.fixture(scope="module")
def local(server_factory: Callable[..., Server]) -> Server:
    return server_factory()


@pytest.fixture(scope="module")
def ana(local: Server) -> Iterator[Client]:
    with local.user("ana") as client:
        yield client


def spec(clip: str, captions: str) -> dict[str, object]:
    return {"output": {"width": 360, "height": 640}, "clips": [{"src": clip}], "captions": {"src": captions}}


def test_a_caption_upload_is_checked_as_text_and_renders(ana: Client, media: Media, tmp_path: Path) -> None:
    subs = tmp_path / "subs.vtt"
    subs.write_text(VTT, encoding="utf-8")
    uploaded = ana.upload(subs, "captions")
    assert uploaded["status"] == "ready", uploaded
    assert uploaded["content_type"].startswith("text/vtt") and uploaded["duration"] == 1.0
    clip = ana.upload(media.clip, "video")
    submitted = ana.post(
        "/v1/renders", json={"spec": spec(f"media:{clip['id']}", f"media:{uploaded['id']}"), "draft": True}
    )
    assert submitted.status_code == 202, submitted.text
    done = ana.wait_render(submitted.json()["id"])
    assert done["status"] == "succeeded", done


def test_a_bad_caption_file_is_rejected_with_its_line(ana: Client, tmp_path: Path) -> None:
    bad = tmp_path / "bad.srt"
    bad.write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\nnot a time\nbad\n")
    rejected = ana.upload(bad, "captions")
    assert rejected["status"] == "rejected" and rejected["reason_code"] == "invalid_captions"
    assert "line 5" in rejected["reason"]
    video = tmp_path / "clip.srt"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)  # binary, not text
    assert ana.upload(video, "captions")["status"] == "rejected"


def test_caption_files_are_size_capped_and_only_used_as_captions(
    ana: Client, media: Media, tmp_path: Path
) -> None:
    created = ana.post("/v1/media", json={"kind": "captions", "filename": "x.vtt", "size": 2 << 20})
    assert created.status_code == 413
    subs = tmp_path / "ok.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n", encoding="utf-8")
    captions = f"media:{ana.upload(subs, 'captions')['id']}"
    clip = f"media:{ana.upload(media.clip, 'video')['id']}"
    as_clip = ana.post("/v1/renders", json={"spec": spec(captions, captions)})
    assert as_clip.status_code == 422 and "spec.clips[0].src" in as_clip.text
    as_captions = ana.post("/v1/renders", json={"spec": spec(clip, clip)})
    assert as_captions.status_code == 422 and "a caption upload" in as_captions.text
