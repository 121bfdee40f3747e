"""Generated from the OpenAPI schema: the authorisation matrix and a schemathesis fuzz run."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api import hypothesis_compat
from tests.api.conftest import Client, Media, Server

hypothesis_compat.install()

PRESIGNED = re.compile(r"X-Amz-Signature|sig=[0-9a-f]{16}|/v1/files/")


@pytest.fixture(scope="module")
def app_server(server_factory: Callable[..., Server]) -> Server:
    return server_factory()


@pytest.fixture(scope="module")
def owners(app_server: Server, media: Media) -> Iterator[tuple[Client, Client, dict[str, str]]]:
    """Alice owns one of everything (a ready media, an unpublished sound, a render, an unpublished
    video); Bob owns nothing."""
    with app_server.user("alice") as alice, app_server.user("bob") as bob:
        video = alice.upload(media.clip, "video")
        music = alice.upload(media.music, "audio")
        sound = alice.post(
            "/v1/sounds", json={"media_id": music["id"], "title": "mine", "license": "original"}
        ).json()
        spec = {"output": {"width": 320, "height": 568}, "clips": [{"src": f"media:{video['id']}"}]}
        render = alice.post("/v1/renders", json={"spec": spec, "draft": True}).json()
        alice.wait_render(render["id"])
        # a video she published, then unpublished: as invisible to Bob as her other objects
        assert alice.post(f"/v1/renders/{render['id']}/publish", json={"title": "mine"}).status_code == 201
        assert alice.delete(f"/v1/videos/{render['id']}").status_code == 204
        preset = alice.get("/v1/presets").json()["items"][0]["id"]
        ids = {
            "media_id": video["id"],
            "sound_id": sound["id"],
            "render_id": render["id"],
            "video_id": render["id"],
            "preset_id": preset,
            "name": "thumbnail.png",
        }
        yield alice, bob, ids


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _call(
    client: httpx.Client, method: str, path: str, op: dict[str, Any], ids: dict[str, str]
) -> httpx.Response:
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return client.request(method, url, json={})
    if "application/octet-stream" in content:
        return client.request(method, url, content=b"x")
    return client.request(method, url)


def test_every_route_with_an_id_answers_another_user_with_404(
    app_server: Server, owners: tuple[Client, Client, dict[str, str]]
) -> None:
    alice, bob, ids = owners
    schema = httpx.get(f"{app_server.url}/openapi.json").json()
    checked = []
    for method, path, op in _operations(schema):
        if "{" not in path or path.startswith("/v1/presets/"):
            continue  # presets are the public catalog, the same for every user
        response = _call(bob, method, path, op, ids)
        assert response.status_code == 404, (method, path, response.status_code, response.text)
        assert not PRESIGNED.search(response.text), (method, path)
        checked.append(f"{method} {path}")
    assert len(checked) >= 8, checked
    assert alice.get(f"/v1/media/{ids['media_id']}").status_code == 200  # the ids are real
    assert alice.get(f"/v1/renders/{ids['render_id']}").json()["status"] == "succeeded"


def test_every_route_but_healthz_needs_a_token(
    app_server: Server, owners: tuple[Client, Client, dict[str, str]]
) -> None:
    _, _, ids = owners
    schema = httpx.get(f"{app_server.url}/openapi.json").json()
    with httpx.Client(base_url=app_server.url) as anonymous:
        operations = _operations(schema)
        for method, path, op in operations:
            response = _call(anonymous, method, path, op, ids)
            expected = 200 if path == "/healthz" else 401
            assert response.status_code == expected, (method, path, response.text)
        assert len(operations) >= 15
    for path in ("/docs", "/openapi.json"):
        assert httpx.get(f"{app_server.url}{path}").status_code == 200


@pytest.fixture(scope="module")
def api_schema(app_server: Server) -> Any:
    return schemathesis.from_uri(f"{app_server.url}/openapi.json", base_url=app_server.url)


schemathesis.experimental.OPEN_API_3_1.enable()
schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_schemathesis_fuzz(case: Any, owners: tuple[Client, Client, dict[str, str]]) -> None:
    alice, _, _ = owners
    response = case.call(headers={"Authorization": f"Bearer {alice.token}"}, timeout=30)
    case.validate_response(
        response,
        checks=(
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ),
    )
