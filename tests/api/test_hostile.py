"""Hostile requests over real HTTP against the embedded default (SQLite, local files), three users:
each finding of the attack review (issue 13) as a regression test with its exact answer.

Workers are off: nothing here needs a render to run, and a queued render must stay inspectable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.conftest import Client, Media, Server, settings_for

OUTPUT = {"width": 320, "height": 568}
SECRET_TITLE = "Unreleased demo - do not share"


@dataclass(frozen=True)
class World:
    server: Server
    alice: Client  # keeps a private sound, a private media, a render, an unpublished video
    bob: Client
    carol: Client  # the attacker: holds the same audio file as alice's private sound
    private_sound: str
    private_media: str
    render: str
    carol_clip: str  # media:<id>


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, media: Media) -> Iterator[World]:
    server = Server(settings_for(tmp_path_factory.mktemp("hostile"), workers=0))
    with server.user("alice") as alice, server.user("bob") as bob, server.user("carol") as carol:
        music = alice.upload(media.music, "audio")
        sound = alice.post("/v1/sounds", json={"media_id": music["id"], "title": SECRET_TITLE})
        assert sound.status_code == 201, sound.text
        clip = alice.upload(media.clip, "video")
        render = alice.post(
            "/v1/renders", json={"spec": {"output": OUTPUT, "clips": [{"src": f"media:{clip['id']}"}]}}
        )
        assert render.status_code == 202, render.text
        yield World(
            server,
            alice,
            bob,
            carol,
            private_sound=sound.json()["id"],
            private_media=clip["id"],
            render=render.json()["id"],
            carol_clip=f"media:{carol.upload(media.clip, 'video')['id']}",
        )
    server.stop()


def _leaks(world: World, text: str) -> list[str]:
    """What about alice's private sound ``text`` gives away."""
    return [word for word in (world.private_sound, SECRET_TITLE, "alice") if word in text]


# --- 1. duplicate detection never matches, links or names a sound the uploader may not see -----


def test_a_reupload_of_a_private_sound_learns_nothing_of_it(world: World, media: Media) -> None:
    music = world.carol.upload(media.music, "audio")
    created = world.carol.post("/v1/sounds", json={"media_id": music["id"], "title": "my song"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["original_id"], body["lineage"], body["parent_id"]) == (None, [], None)
    assert [c["owner"] for c in body["credits"]] == ["carol"]  # her own sound, an original
    assert _leaks(world, created.text) == []
    again = world.carol.get(f"/v1/sounds/{body['id']}")
    assert again.status_code == 200 and _leaks(world, again.text) == []


def test_a_reupload_of_a_published_sound_is_linked_to_it(
    tmp_path_factory: pytest.TempPathFactory, media: Media
) -> None:
    """The control of the test above: the same audio, published, is found and credited."""
    server = Server(settings_for(tmp_path_factory.mktemp("dup"), workers=0))
    try:
        with server.user("dana") as dana, server.user("eve") as eve:
            first = dana.upload(media.music, "audio")
            original = dana.post(
                "/v1/sounds", json={"media_id": first["id"], "title": "Out now", "published": True}
            ).json()
            second = eve.upload(media.music, "audio")
            copy = eve.post("/v1/sounds", json={"media_id": second["id"], "title": "mine"}).json()
            assert copy["original_id"] == original["id"] and copy["lineage"] == [original["id"]]
            assert [(c["owner"], c["title"]) for c in copy["credits"]] == [("dana", "Out now")]
            # unpublished again: the link stays in the database but names nothing to eve
            assert dana.patch(f"/v1/sounds/{original['id']}", json={"published": False}).status_code == 200
            seen = eve.get(f"/v1/sounds/{copy['id']}").json()
            assert (seen["original_id"], seen["lineage"]) == (None, [])
            assert original["id"] not in json.dumps(seen) and "Out now" not in json.dumps(seen)
    finally:
        server.stop()


# --- 2. another user's object answers exactly like a missing one, wherever it is named ----------


def _answers(world: World, sound_id: str, media_id: str, render_id: str) -> list[tuple[int, str]]:
    """Carol's view of each id in every route and render field that names an object, with the
    id itself blanked (it is what the caller sent)."""
    carol, clip = world.carol, world.carol_clip

    def spec(**extra: Any) -> dict[str, Any]:
        return {"spec": {"output": OUTPUT, "clips": [{"src": clip}], **extra}}

    calls: list[httpx.Response] = [
        carol.get(f"/v1/sounds/{sound_id}"),
        carol.patch(f"/v1/sounds/{sound_id}", json={"title": "x"}),
        carol.post(f"/v1/sounds/{sound_id}/remix", json={"ops": {"start": 0}}),
        carol.post("/v1/renders", json=spec(audio={"sound": {"src": f"sound:{sound_id}"}})),
        carol.post("/v1/renders", json={"template": "beat-5", "clips": [clip], "sound": f"sound:{sound_id}"}),
        carol.get(f"/v1/media/{media_id}"),
        carol.delete(f"/v1/media/{media_id}"),
        carol.post(f"/v1/media/{media_id}/complete"),
        carol.post("/v1/sounds", json={"media_id": media_id, "title": "x"}),
        carol.post("/v1/renders", json={"spec": {"output": OUTPUT, "clips": [{"src": f"media:{media_id}"}]}}),
        carol.post("/v1/renders", json={"template": "beat-5", "clips": [f"media:{media_id}"]}),
        carol.get(f"/v1/renders/{render_id}"),
        carol.post(f"/v1/renders/{render_id}/cancel"),
        carol.post(f"/v1/renders/{render_id}/publish", json={"title": "x"}),
        carol.put(f"/v1/media/{media_id}/content", content=b"x"),
        carol.get(f"/v1/videos/{render_id}"),
        carol.get(f"/v1/videos/{render_id}/derivatives"),
        carol.patch(f"/v1/videos/{render_id}", json={"title": "x"}),
        carol.delete(f"/v1/videos/{render_id}"),
        carol.post("/v1/renders", json=spec(layout={"type": "duet", "with": f"video:{render_id}"})),
    ]
    out = []
    for response in calls:
        text = response.text
        for object_id in (sound_id, media_id, render_id):
            text = text.replace(object_id, "<id>")
        out.append((response.status_code, text))
    return out


def test_another_users_objects_answer_byte_for_byte_like_missing_ones(world: World) -> None:
    hidden = _answers(world, world.private_sound, world.private_media, world.render)
    missing = _answers(world, "1" * 32, "2" * 32, "3" * 32)
    for seen, expected in zip(hidden, missing, strict=True):
        assert seen == expected
    assert {status for status, _ in hidden} == {404, 422}
    assert all(_leaks(world, text) == [] for _, text in hidden)
    # the ids are real: their owner sees each of them
    alice = world.alice
    assert alice.get(f"/v1/sounds/{world.private_sound}").status_code == 200
    assert alice.get(f"/v1/media/{world.private_media}").status_code == 200
    assert alice.get(f"/v1/renders/{world.render}").status_code == 200


def test_a_private_sound_as_a_render_source_is_no_such_sound(world: World) -> None:
    sound = f"sound:{world.private_sound}"
    body = {
        "spec": {"output": OUTPUT, "clips": [{"src": world.carol_clip}], "audio": {"sound": {"src": sound}}}
    }
    response = world.carol.post("/v1/renders", json=body)
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "invalid_spec",
            "message": "the render request has 1 problem(s)",
            "problems": [{"field": "spec.audio.sound.src", "reason": f"{sound}: no such sound"}],
        }
    }


# --- 3. crafted 500s: URLs that do not parse, a deep spec -------------------------------------


UNPARSED = "webhook_url does not parse: "


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "http://127.0.0.1:abc/",
            "webhook_url does not parse: Port could not be cast to integer value as 'abc'",
        ),
        ("http://[::1/", "webhook_url does not parse: Invalid IPv6 URL"),
        ("http://example.com:99999/", "webhook_url does not parse: Port out of range 0-65535"),
        (
            "http://example.com:-1/",
            "webhook_url does not parse: Port could not be cast to integer value as '-1'",
        ),
        ("http://example.com:0/", "webhook_url's port must be 1-65535"),
        ("http://[::ffff:127.0.0.1]/", "webhook host '::ffff:127.0.0.1' is not a public address"),
        ("http://[::ffff:a00:1]/", "webhook host '::ffff:a00:1' is not a public address"),
        (
            "http://[2002:a00:1::1]/",
            "webhook host '2002:a00:1::1' is not a public address",
        ),  # 6to4 of 10.0.0.1
        ("http://[64:ff9b::7f00:1]/", "webhook host '64:ff9b::7f00:1' is not a public address"),  # NAT64
        ("http://[::7f00:1]/", "webhook host '::7f00:1' is not a public address"),  # IPv4-compatible
    ],
)
def test_a_hostile_webhook_url_is_a_422_naming_it(strict: Server, url: str, reason: str) -> None:
    with strict.user(f"hooker{abs(hash(url)) % 10**8}") as client:
        response = client.post("/v1/renders", json={"template": "beat-5", "clips": ["x"], "webhook_url": url})
    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert {"field": "webhook_url", "reason": reason} in problems


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Webhooks to private addresses refused, as in production (the shared world allows them)."""
    server = Server(settings_for(tmp_path_factory.mktemp("strict"), workers=0, webhook_allow_private=False))
    yield server
    server.stop()


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def test_a_deeply_nested_body_is_a_422_before_anything_reads_it(world: World) -> None:
    spec = {"output": OUTPUT, "clips": [{"src": world.carol_clip, "x": _nested(256)}]}
    response = world.carol.post("/v1/renders", json={"spec": spec}, headers={"Idempotency-Key": "deep"})
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "invalid_json",
            "message": "the body is not strict JSON",
            "problems": [
                {"field": "body", "reason": "the JSON nests 260 levels deep; at most 32 are accepted"}
            ],
        }
    }
    raw = "[" * 100_000 + "]" * 100_000  # deep arrays: never reach a recursive parser
    response = world.carol.post("/v1/renders", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "100000 levels deep" in response.json()["error"]["problems"][0]["reason"]
    # brackets inside strings are text, not nesting
    text = {"output": OUTPUT, "clips": [{"src": world.carol_clip}], "overlays": [{"text": "[[[{{{" * 100}]}
    response = world.carol.post("/v1/renders", json={"spec": text})
    assert response.status_code == 422  # too long (600 characters), not too deep
    assert [p["field"] for p in response.json()["error"]["problems"]] == ["spec.overlays[0].text"]


def test_nested_fields_the_spec_does_not_know_are_spec_problems(world: World) -> None:
    spec = {"output": OUTPUT, "clips": [{"src": world.carol_clip, "x": _nested(20)}]}
    response = world.carol.post("/v1/renders", json={"spec": spec}, headers={"Idempotency-Key": "nested"})
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["error"]["problems"]] == ["spec.clips[0].x"]


# --- 5. NaN, Infinity and numbers past every bound -----------------------------------------------


def _raw_spec(world: World, clip_extra: str = "", sound: str = "") -> bytes:
    audio = f', "audio": {{"sound": {{"src": "sound:{"0" * 32}", {sound}}}}}' if sound else ""
    return (
        f'{{"spec": {{"output": {{"width": 320, "height": 568}}, '
        f'"clips": [{{"src": "{world.carol_clip}"{clip_extra}}}]{audio}}}}}'
    ).encode()


@pytest.mark.parametrize(
    ("clip_extra", "reason"),
    [
        (', "in": NaN', "NaN is not a JSON number; send a finite number"),
        (', "out": Infinity', "Infinity is not a JSON number; send a finite number"),
        (', "out": -Infinity', "-Infinity is not a JSON number; send a finite number"),
    ],
)
def test_non_finite_json_numbers_are_refused(world: World, clip_extra: str, reason: str) -> None:
    queued = len(world.carol.get("/v1/renders").json()["items"])
    response = world.carol.post(
        "/v1/renders",
        content=_raw_spec(world, clip_extra),
        headers={"content-type": "application/json", "Idempotency-Key": "nan"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["problems"] == [{"field": "body", "reason": reason}]
    assert len(world.carol.get("/v1/renders").json()["items"]) == queued  # nothing was queued


@pytest.mark.parametrize(
    ("clip_extra", "sound", "field"),
    [
        (', "out": 1e308', "", "spec.clips[0].out"),
        (', "in": 1e300, "out": 1e308', "", "spec.clips[0].in"),
        ("", '"start": 1e308', "spec.audio.sound.start"),
        ("", '"start": 86401', "spec.audio.sound.start"),
        (', "out": 1e400', "", "spec.clips[0].out"),  # parses to infinity: the model refuses it
        ("", '"start": -1e999', "spec.audio.sound.start"),
    ],
)
def test_huge_finite_numbers_are_spec_problems(world: World, clip_extra: str, sound: str, field: str) -> None:
    response = world.carol.post(
        "/v1/renders",
        content=_raw_spec(world, clip_extra, sound),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    fields = [p["field"] for p in response.json()["error"]["problems"]]
    assert field in fields
    assert "Infinity" not in response.text and "inf" not in response.text.replace("info", "")


# --- 4. bounded answers: a capped error report, a capped body -------------------------------------


def test_an_error_report_lists_the_first_50_problems_and_counts_the_rest(world: World) -> None:
    clips = [{"src": world.carol_clip, "bogus": i} for i in range(60)]
    spec = {"output": OUTPUT, "clips": clips, "transitions": "x" * 10_000}
    response = world.carol.post("/v1/renders", json={"spec": spec})
    assert response.status_code == 422
    error = response.json()["error"]
    assert len(error["problems"]) == 50 and error["omitted"] > 0
    assert error["message"].startswith("the render request has ")
    total = int(error["message"].split()[4])
    assert total == 50 + error["omitted"]
    assert len(response.content) < 20_000


def test_many_template_text_keys_are_one_bounded_answer(world: World) -> None:
    texts = {f"unknown-key-{i}-{'k' * 100}": "v" for i in range(1500)}  # ~180 KiB: under the cap
    body = {"template": "beat-5", "clips": [world.carol_clip], "texts": texts, "sound": "sound:" + "0" * 32}
    response = world.carol.post("/v1/renders", json=body)
    assert response.status_code == 422
    assert len(response.content) < 25_000
    error = response.json()["error"]
    assert len(error["problems"]) == 50 and error["omitted"] > 1000  # each key is too long, and too many
    assert all(len(p["field"]) <= 300 for p in error["problems"])


def test_a_body_over_the_cap_is_a_413_before_it_is_read(world: World) -> None:
    cap = world.server.settings.max_json_bytes
    body = json.dumps({"spec": {"output": OUTPUT, "clips": [], "pad": "x" * cap}}).encode()
    response = world.carol.post("/v1/renders", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {
        "error": {
            "code": "body_too_large",
            "message": f"the request body is over the {cap} byte limit",
            "problems": [],
        }
    }

    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to refuse up front
        yield b'{"spec": {"pad": "'
        for _ in range(cap // 65536 + 2):
            yield b"x" * 65536
        yield b'"}}'

    chunked = world.carol.post("/v1/renders", content=chunks(), headers={"content-type": "application/json"})
    assert chunked.status_code == 413 and chunked.json()["error"]["code"] == "body_too_large"


# --- 6. every file-like field is checked at submit, by the one walker -----------------------------


def test_paths_in_every_file_like_field_are_refused_at_submit(world: World) -> None:
    lut = {"type": "lut", "name": "../../etc/passwd.cube"}
    spec = {
        "output": OUTPUT,
        "clips": [
            {
                "src": world.carol_clip,
                "effects": [lut],
                "face_effects": [{"type": "sticker", "asset": "/etc/passwd.png"}],
            },
            {"src": "../../etc/passwd"},
        ],
        "layers": [{"src": "file:///etc/passwd", "effects": [lut]}],
        "effects": [lut],
        "captions": {"src": "/etc/passwd.srt"},
        "audio": {"sound": {"src": "http://169.254.169.254/latest"}},
    }
    response = world.carol.post("/v1/renders", json={"spec": spec})
    assert response.status_code == 422
    fields = sorted(p["field"] for p in response.json()["error"]["problems"])
    assert fields == [
        "spec.audio.sound.src",
        "spec.captions.src",
        "spec.clips[0].effects[0].name",
        "spec.clips[0].face_effects[0].asset",
        "spec.clips[1].src",
        "spec.effects[0].name",
        "spec.layers[0].effects[0].name",
        "spec.layers[0].src",
    ]
    assert "/etc/passwd" not in json.dumps(world.carol.get("/v1/renders").json())  # nothing queued


# --- a sound started past its end -----------------------------------------------------------------


def test_a_sound_started_past_its_end_is_a_spec_problem(world: World, media: Media) -> None:
    with world.server.user("frank") as frank:
        music = frank.upload(media.music, "audio")  # 2 s
        sound = frank.post("/v1/sounds", json={"media_id": music["id"], "title": "short"}).json()
        clip = frank.upload(media.clip, "video")
        spec: dict[str, Any] = {
            "output": OUTPUT,
            "clips": [{"src": f"media:{clip['id']}"}],
            "audio": {"sound": {"src": f"sound:{sound['id']}", "start": 100}},
        }
        response = frank.post("/v1/renders", json={"spec": spec})
        assert response.status_code == 422
        assert response.json()["error"]["problems"] == [
            {"field": "spec.audio.sound.start", "reason": "100 s is past the end of the 2.00 s sound"}
        ]
        spec["audio"]["sound"]["start"] = 1.5
        assert frank.post("/v1/renders", json={"spec": spec}).status_code == 202


# --- 7. quotas and the docs switch ----------------------------------------------------------------


def test_pending_uploads_and_stored_bytes_have_per_user_quotas(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    settings = settings_for(
        tmp_path_factory.mktemp("quota"), workers=0, max_pending_uploads=2, max_user_bytes=10_000
    )
    server = Server(settings)
    try:
        with server.user("gina") as gina, server.user("hal") as hal:

            def create(client: Client, size: int) -> httpx.Response:
                return client.post("/v1/media", json={"kind": "video", "filename": "a.mp4", "size": size})

            first = create(gina, 4000)
            assert first.status_code == 201 and create(gina, 4000).status_code == 201
            pending = create(gina, 10)
            assert pending.status_code == 429 and pending.headers["retry-after"] == "60"
            assert pending.json()["error"]["code"] == "too_many_pending_uploads"
            assert gina.delete(f"/v1/media/{first.json()['id']}").status_code == 204
            over = create(gina, 6001)  # 4000 stored (declared) + 6001 > 10000
            assert over.status_code == 413
            assert over.json()["error"] == {
                "code": "storage_quota_exceeded",
                "message": "6001 more bytes would put your storage over its 10000 byte quota (4000 used); "
                "delete media to make room",
                "problems": [],
            }
            assert create(gina, 6000).status_code == 201
            assert create(hal, 10_000).status_code == 201  # per user
    finally:
        server.stop()


def test_the_docs_can_be_turned_off(tmp_path_factory: pytest.TempPathFactory, world: World) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):  # on by default, without a token
        assert httpx.get(f"{world.server.url}{path}").status_code == 200
    server = Server(settings_for(tmp_path_factory.mktemp("nodocs"), workers=0, docs=False))
    try:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert httpx.get(f"{server.url}{path}").status_code == 404
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    finally:
        server.stop()


def test_a_non_ascii_file_signature_is_a_401_not_a_500(world: World) -> None:
    url = f"{world.server.url}/v1/files/users/x/media/y.mp4"
    response = httpx.get(url, params={"exp": 99_999_999_999, "sig": "\u00e9" * 64})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"


def test_nul_characters_are_refused_before_the_database_sees_them(
    db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """PostgreSQL's text cannot hold NUL: before the guard, a NUL in a title, a filename or a
    search was a 500 there (and passed on SQLite)."""
    server = Server(settings_for(tmp_path_factory.mktemp("nul"), workers=0, database_url=db_url))
    try:
        with server.user("nina") as nina:
            media = nina.post("/v1/media", json={"kind": "video", "filename": "a\u0000.mp4", "size": 10})
            assert media.status_code == 422
            assert media.json()["error"]["problems"] == [
                {"field": "body", "reason": "NUL characters are not accepted in strings"}
            ]
            for path in ("/v1/sounds/search?q=a%00", "/v1/videos?owner=a%00b", f"/v1/sounds/{'0' * 31}%00"):
                response = nina.get(path)
                assert response.status_code == 422, (path, response.text)
                assert response.json()["error"]["code"] == "invalid_request"
            escaped = nina.post("/v1/media", json={"kind": "video", "filename": "a\\u0000.mp4", "size": 10})
            assert escaped.status_code == 201  # a backslash and "u0000" are only text
            assert nina.get("/v1/sounds/search?q=a").status_code == 200
    finally:
        server.stop()


def test_the_idempotency_hash_is_over_the_validated_canonical_spec(world: World) -> None:
    carol, key = world.carol, {"Idempotency-Key": "canonical-1"}
    first = carol.post(
        "/v1/renders", json={"spec": {"output": OUTPUT, "clips": [{"src": world.carol_clip}]}}, headers=key
    )
    assert first.status_code == 202
    explicit = {"version": 1, "clips": [{"src": world.carol_clip, "in": 0}], "output": {**OUTPUT, "fps": 30}}
    again = carol.post("/v1/renders", json={"spec": explicit}, headers=key)  # the same render, spelled out
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    other = {"output": OUTPUT, "clips": [{"src": world.carol_clip, "in": 0.5}]}
    conflict = carol.post("/v1/renders", json={"spec": other}, headers=key)
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "idempotency_conflict"
    invalid = {"output": OUTPUT, "clips": [{"src": world.carol_clip, "in": -1}]}
    refused = carol.post("/v1/renders", json={"spec": invalid}, headers=key)  # validated before hashed
    assert refused.status_code == 422
