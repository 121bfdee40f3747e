"""A creator's own sticker: an uploaded RGBA PNG used as `media:<id>` in a face effect."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from editor.samples import make_face_clip
from tests.api.conftest import Client, Media, Server


@pytest.fixture(scope="module")
def local(server_factory: Callable[..., Server]) -> Server:
    return server_factory()


@pytest.fixture(scope="module")
def ana(local: Server) -> Iterator[Client]:
    with local.user("ana") as client:
        yield client


@pytest.fixture(scope="module")
def ben(local: Server) -> Iterator[Client]:
    with local.user("ben") as client:
        yield client


@pytest.fixture(scope="module")
def star(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sticker") / "star.png"
    image = Image.new("RGBA", (200, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 190, 110), fill=(0, 255, 0, 255))
    image.save(path)
    return path


def face_spec(clip: str, asset: str) -> dict[str, object]:
    return {
        "output": {"width": 360, "height": 640},
        "clips": [{"src": clip, "out": 1.5}],
        "face_effects": [{"type": "sticker", "asset": asset, "anchor": "eyes"}],
    }


def test_an_uploaded_png_sticker_follows_the_face(
    ana: Client, ben: Client, star: Path, tmp_path: Path
) -> None:
    clip = ana.upload(make_face_clip(tmp_path / "face.mp4", seconds=2, width=360, height=640), "video")
    sticker = ana.upload(star, "image")
    submitted = ana.post(
        "/v1/renders",
        json={"spec": face_spec(f"media:{clip['id']}", f"media:{sticker['id']}"), "draft": True},
    )
    assert submitted.status_code == 202, submitted.text
    done = ana.wait_render(submitted.json()["id"])
    assert done["status"] == "succeeded", done
    assert done["warnings"] == []
    foreign = ben.post("/v1/renders", json={"spec": face_spec("media:" + "0" * 32, f"media:{sticker['id']}")})
    assert foreign.status_code == 422
    fields = {p["field"] for p in foreign.json()["error"]["problems"]}
    assert "spec.face_effects[0].asset" in fields  # another user's upload is not theirs to use


def test_a_sticker_must_be_a_builtin_or_an_image_upload(ana: Client, media: Media) -> None:
    clip = ana.upload(media.clip, "video")
    src = f"media:{clip['id']}"
    refused = ana.post("/v1/renders", json={"spec": face_spec(src, "sunglases")})
    assert refused.status_code == 422 and "spec.face_effects[0].asset" in refused.text
    refused = ana.post("/v1/renders", json={"spec": face_spec(src, src)})
    assert refused.status_code == 422 and "a sticker must be an image" in refused.text
