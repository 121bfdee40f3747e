"""Generated from the OpenAPI schema: the authorisation matrix and a schemathesis fuzz run."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import httpx
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import BaseModel
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from editor.effects import EFFECTS
from editor.face.effects import FACE_EFFECTS
from editor.spec import EditSpec
from editor.spec_schema import MEDIA_REF
from tests.api import hypothesis_compat
from tests.api.conftest import Client, Media, Server
from tests.conftest import run_cli

hypothesis_compat.install()

PRESIGNED = re.compile(r"X-Amz-Signature|sig=[0-9a-f]{16}|/v1/files/")


@pytest.fixture(scope="module")
def app_server(server_factory: Callable[..., Server]) -> Server:
    return server_factory()


@pytest.fixture(scope="module")
def document(app_server: Server) -> Any:
    """The OpenAPI document (generated on the first request: allow for a busy machine)."""
    return httpx.get(f"{app_server.url}/openapi.json", timeout=60).json()


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
    app_server: Server, document: Any, owners: tuple[Client, Client, dict[str, str]]
) -> None:
    alice, bob, ids = owners
    checked = []
    for method, path, op in _operations(document):
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
    app_server: Server, document: Any, owners: tuple[Client, Client, dict[str, str]]
) -> None:
    _, _, ids = owners
    with httpx.Client(base_url=app_server.url) as anonymous:
        operations = _operations(document)
        for method, path, op in operations:
            response = _call(anonymous, method, path, op, ids)
            expected = 200 if path == "/healthz" else 401
            assert response.status_code == expected, (method, path, response.text)
        assert len(operations) >= 15
    for path in ("/docs", "/openapi.json"):
        assert httpx.get(f"{app_server.url}{path}").status_code == 200


@pytest.fixture(scope="module")
def api_schema(app_server: Server, document: Any) -> Any:
    """The document as served, but request bodies carry an open ``spec``: generating one typed edit
    spec takes hypothesis ~3 s (27 models, discriminated unions), a minute per run for requests
    that end in 422 on ids that do not exist. The spec's schema is tested against the models in
    tests/editor/test_spec_schema.py; responses are still checked against it here."""
    raw = copy.deepcopy(document)
    raw["components"]["schemas"]["RenderCreate"]["properties"]["spec"]["anyOf"][0] = {"type": "object"}
    return schemathesis.from_dict(raw, base_url=app_server.url)


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


def spec_models() -> dict[str, set[str]]:
    """Every pydantic model an edit spec is made of, with its JSON field names, found from the
    models' type annotations (not from the JSON Schema under test)."""

    def models_in(annotation: Any) -> list[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [annotation]
        return [model for arg in get_args(annotation) for model in models_in(arg)]

    found: dict[str, set[str]] = {}
    todo: list[type[BaseModel]] = [EditSpec]
    while todo:
        model = todo.pop()
        if model.__name__ not in found:
            found[model.__name__] = {f.alias or name for name, f in model.model_fields.items()}
            todo += [m for f in model.model_fields.values() for m in models_in(f.annotation)]
    return found


def inline(node: Any, components: dict[str, Any]) -> Any:
    """``node`` with every ``$ref`` replaced by what it points to (the spec has no recursion)."""
    if isinstance(node, list):
        return [inline(item, components) for item in node]
    if isinstance(node, str) and node.startswith("#/"):  # a discriminator mapping's target
        return node.rsplit("/", 1)[1]
    if not isinstance(node, dict):
        return node
    rest = {key: inline(value, components) for key, value in node.items() if key != "$ref"}
    if "$ref" in node:
        return {**inline(components[node["$ref"].rsplit("/", 1)[1]], components), **rest}
    return rest


def test_the_openapi_document_types_every_field_of_the_edit_spec(document: Any) -> None:
    components = document["components"]["schemas"]
    reached: dict[str, set[str]] = {}

    def follow(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                follow(item)
        elif isinstance(node, dict):
            name = node.get("$ref", "").rsplit("/", 1)[-1]
            if name and name not in reached:
                reached[name] = set(components[name].get("properties", {}))
                follow(components[name])
            for value in node.values():
                follow(value)

    follow(components["RenderCreate"]["properties"]["spec"])
    models = spec_models()
    every_effect = {cls.__name__ for cls in [*EFFECTS.values(), *FACE_EFFECTS.values()]}
    assert every_effect <= models.keys()  # the walk above saw through the discriminated unions
    for model, fields in models.items():
        assert reached.get(model) == fields, model
    effects = inline(components["EditSpec"], components)["properties"]["effects"]["items"]
    assert set(effects["discriminator"]["mapping"]) == set(EFFECTS)
    sticker = components["StickerEffect"]["properties"]["asset"]
    assert {"pattern": MEDIA_REF} in sticker["anyOf"]  # the API's source forms, not file paths
    assert components["Clip"]["properties"]["src"]["pattern"] == MEDIA_REF
    spec_ref = {"$ref": "#/components/schemas/EditSpec"}
    assert spec_ref in components["RenderPublic"]["properties"]["spec"]["anyOf"]  # what GET shows


def test_reelforge_spec_schema_prints_the_schema_the_api_publishes(
    document: Any, owners: tuple[Client, Client, dict[str, str]], tmp_path: Path
) -> None:
    components = document["components"]["schemas"]
    printed = run_cli("spec", "schema", "--api", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    schema = json.loads(printed.stdout)
    alice, _, ids = owners  # the spec a render stored at submit is one the schema accepts
    stored = alice.get(f"/v1/renders/{ids['render_id']}").json()["spec"]
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(stored)) == []
    assert schema.pop("$schema") == "https://json-schema.org/draft/2020-12/schema"
    assert inline(schema, schema.pop("$defs")) == inline(components["EditSpec"], components)
    local = json.loads(run_cli("spec", "schema", cwd=tmp_path).stdout)  # the CLI's default: file paths
    assert "pattern" not in local["$defs"]["Clip"]["properties"]["src"]
