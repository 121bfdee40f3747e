"""What the studio (and any client) needs from /v1 beyond rendering: the catalog an editor is built
from, sound search, sound previews; and the studio's Content-Security-Policy on each storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from editor.catalog import catalog
from editor.effects import EFFECTS
from editor.face.effects import FACE_EFFECTS
from editor.resolve import parse_spec
from editor.spec_schema import spec_json_schema
from editor.transitions import TRANSITIONS
from tests.api.conftest import Client, Media, Server


@pytest.fixture(scope="module")
def local(server_factory: Callable[..., Server]) -> Server:
    return server_factory()


def test_the_catalog_lists_every_item_with_parameters_a_form_can_use(local: Server) -> None:
    with local.user("cat") as client:
        response = client.get("/v1/catalog")
        assert client.get("/v1/catalog", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert response.status_code == 200
    body = response.json()
    assert [t["name"] for t in body["transitions"]] == list(TRANSITIONS)
    assert [e["name"] for e in body["effects"]] == list(EFFECTS)
    assert [e["name"] for e in body["face_effects"]] == list(FACE_EFFECTS)
    effects = {e["name"]: e["parameters"] for e in body["effects"]}
    assert effects["vignette"] == {
        "strength": {"type": "number", "default": 0.5, "minimum": 0.0, "maximum": 1.0}
    }
    assert effects["lut"]["name"]["required"] is True
    sticker = {e["name"]: e["parameters"] for e in body["face_effects"]}["sticker"]
    assert sticker["anchor"]["nullable"] and sticker["anchor"]["enum"] == body["anchors"]
    assert sticker["faces"]["enum"] == ["all", "largest"]
    assert sticker["offset"] == sticker["offset"] | {"type": "array", "length": 2}
    assert body["transitions"][0]["parameters"]["duration"]["maximum"] == 3.0
    assert body["spec_schema"]["$defs"]["Clip"]["properties"]["fit"]["enum"] == [
        "cover",
        "contain",
        "blur_fill",
        "smart",
    ]
    assert body["spec_schema"] == spec_json_schema("api")  # the one the OpenAPI document publishes


def _from_defaults(item: dict[str, Any], asset: str) -> dict[str, Any]:
    values = {name: p["default"] for name, p in item["parameters"].items() if "default" in p}
    required = {"asset": asset, "name": "teal_orange"}
    return {
        "type": item["name"],
        **values,
        **{n: required[n] for n, p in item["parameters"].items() if p.get("required")},
    }


def test_every_catalog_item_at_its_defaults_makes_a_valid_spec() -> None:
    """A form that sends the catalog's defaults sends a spec the engine accepts."""
    items = catalog()
    clips = [{"src": "a.mp4", "transition": {"type": t["name"]}} for t in items["transitions"]]
    clip_only = [_from_defaults(e, "") for e in items["effects"] if e["clip_only"]]
    spec = parse_spec(
        {
            "clips": [*clips, {"src": "b.mp4", "effects": clip_only}],
            "effects": [_from_defaults(e, "") for e in items["effects"] if not e["clip_only"]],
            "face_effects": [_from_defaults(f, items["stickers"][0]) for f in items["face_effects"]],
        }
    )
    assert len(spec.effects) + len(spec.clips[-1].effects) == len(EFFECTS)
    assert [e.type for e in spec.clips[-1].effects] == ["background"]
    assert len(spec.face_effects) == len(FACE_EFFECTS)


def _sound(client: Client, media_id: str, title: str, **flags: Any) -> dict[str, Any]:
    body = {"media_id": media_id, "title": title, "published": True, **flags}
    created = client.post("/v1/sounds", json=body, timeout=180)
    assert created.status_code == 201, created.text
    sound: dict[str, Any] = created.json()
    return sound


def test_sound_search_and_previews(local: Server, media: Media) -> None:
    with local.user("zoe") as zoe, local.user("max") as other:
        song = _sound(zoe, zoe.upload(media.music, "audio")["id"], "Sunny 100% day", allow_reuse=False)
        video = zoe.upload(media.clip, "video")
        own_voice = _sound(zoe, video["id"], "Zoe talking", allow_reuse=True)
        hidden = _sound(zoe, zoe.upload(media.music, "audio")["id"], "Sunny draft", published=False)

        def found(client: Client, q: str) -> list[str]:
            response = client.get("/v1/sounds/search", params={"q": q})
            assert response.status_code == 200, response.text
            return [s["id"] for s in response.json()["items"]]

        assert found(other, "sunny") == [song["id"]]  # not-reusable listed, unpublished not
        assert set(found(zoe, "SUNNY")) == {song["id"], hidden["id"]}  # one's own, published or not
        assert set(found(other, "@zoe")) == {song["id"], own_voice["id"]}
        assert found(other, "100%") == [song["id"]] and found(other, "1_0") == []  # wildcards are text
        assert other.get("/v1/sounds/search", params={"q": ""}).status_code == 422

        listened = httpx.get(other.get(f"/v1/sounds/{song['id']}").json()["preview_url"])
        assert listened.status_code == 200 and listened.content[4:8] == b"ftyp"
        # a sound from a video's own audio: a link would hand out the video, so only its owner gets one
        assert other.get(f"/v1/sounds/{own_voice['id']}").json()["preview_url"] is None
        assert zoe.get(f"/v1/sounds/{own_voice['id']}").json()["preview_url"]


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_studio_csp_allows_this_origin_and_the_store_only(
    request: pytest.FixtureRequest, server_factory: Callable[..., Server], storage: str
) -> None:
    endpoint = request.getfixturevalue("s3_endpoint") if storage == "s3" else None
    server = server_factory(endpoint) if endpoint else request.getfixturevalue("local")
    csp = dict(
        d.strip().split(" ", 1)
        for d in httpx.get(f"{server.url}/studio/").headers["content-security-policy"].split(";")
    )
    store = f" {endpoint}" if endpoint else ""
    assert csp["default-src"] == "'none'" and csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["connect-src"] == f"'self'{store}"
    assert csp["media-src"] == f"'self'{store} blob:"
    with server.user(f"csp_{storage}") as client:  # the presigned URLs point where the policy allows
        upload = client.post("/v1/media", json={"kind": "video", "filename": "a.mp4", "size": 10}).json()
    assert upload["upload"]["url"].startswith(endpoint or server.url)
