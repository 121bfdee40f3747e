"""Property: whatever a client sends -- deep nesting, huge arrays, extreme numbers, odd strings, in
specs, template requests and the other bodies -- the API never answers 5xx, its answer stays small
and it comes in bounded time. Real HTTP against the embedded default; examples are derandomized."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor.effects import EFFECTS
from tests.api.conftest import Client, Media, Server, settings_for

MAX_ANSWER = 64 * 1024  # bytes: the largest answer any hostile body may get
MAX_SECONDS = 10.0  # per request, on a loaded 2-core machine (typical: well under 0.5 s)
HEX = "0123456789abcdef"
NONE = "0" * 32  # an id nothing has


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory, media: Media) -> Iterator[tuple[Server, Client, str]]:
    server = Server(settings_for(tmp_path_factory.mktemp("fuzz"), workers=0))
    with server.user("mallory") as mallory:
        clip = mallory.upload(media.clip, "video")["id"]
        yield server, mallory, clip
    server.stop()


odd_strings = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "../../etc/passwd",
            "/etc/passwd.cube",
            "file:///etc/passwd",
            "http://169.254.169.254/",
            "concat:a|b",
            "-i",
            "media:",
            "sound:" + "0" * 32,
            "video:" + "f" * 32,
            "x\x00y",
            "\u202e\ufeff",
            "%(x)s{0}",
            "a" * 5000,
        ]
    ),
    st.builds(lambda h: f"media:{h}", st.text(alphabet=HEX, min_size=30, max_size=34)),
)
urls = st.one_of(
    st.sampled_from(
        [
            "http://[::1/",
            "http://127.0.0.1:99999/",
            "http://127.0.0.1:abc/",
            "https://[::ffff:10.0.0.1]:-1/",
            "http://[64:ff9b::a00:1]/",
            "http://user:pw@example.com/",
            "ftp://example.com/",
            "http://\u00e9\u00e9.invalid/",
            "http://" + "a" * 300 + ".com/",
        ]
    ),
    st.builds(lambda host, port: f"http://{host}:{port}/", st.text(max_size=20), st.text(max_size=8)),
)
extreme_numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -0.0, -1, 1e308, -1e308, 5e-324, 2**53 + 1, 2**63, -(2**63), 10**30, 86_401]),
    st.integers(),
)
leaves = st.one_of(st.none(), st.booleans(), extreme_numbers, odd_strings)
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_strings, inner, max_size=4),
    max_leaves=20,
)


@st.composite
def deep(draw: st.DrawFn) -> Any:
    value: Any = draw(leaves)
    for _ in range(draw(st.integers(0, 300))):
        value = [value] if draw(st.booleans()) else {"a": value}
    return value


@st.composite
def huge_array(draw: st.DrawFn) -> list[Any]:
    return [draw(leaves)] * draw(st.integers(0, 60_000))


hostile = st.one_of(json_values, deep(), huge_array(), leaves)


@st.composite
def specs(draw: st.DrawFn, clip: str) -> dict[str, Any]:
    """A plausible spec with hostile values in some of its fields."""
    effect = st.fixed_dictionaries(
        {"type": st.sampled_from(sorted(EFFECTS)) | odd_strings},
        optional={"name": hostile, "amount": hostile, "strength": hostile, "duration": hostile},
    )
    clip_entry = st.fixed_dictionaries(
        {"src": st.just(f"media:{clip}") | odd_strings},
        optional={"in": hostile, "out": hostile, "effects": st.lists(effect, max_size=3) | hostile},
    )
    sound = st.fixed_dictionaries({"src": odd_strings}, optional={"start": hostile})
    overlay = st.fixed_dictionaries({"text": odd_strings}, optional={"start": hostile})
    spec = draw(
        st.fixed_dictionaries(
            {"clips": st.lists(clip_entry, min_size=1, max_size=4) | hostile},
            optional={
                "output": st.fixed_dictionaries({}, optional={"width": hostile, "fps": hostile}),
                "audio": st.fixed_dictionaries({}, optional={"sound": sound}),
                "overlays": st.lists(overlay, max_size=3),
                "layers": hostile,
                "captions": hostile,
                "extra": hostile,
            },
        )
    )
    return spec


def _check(response: httpx.Response, elapsed: float) -> None:
    assert response.status_code < 500, response.text[:2000]
    assert len(response.content) <= MAX_ANSWER, (response.status_code, len(response.content))
    assert elapsed < MAX_SECONDS, elapsed
    if response.status_code >= 400:
        error = response.json()["error"]
        assert len(error["problems"]) <= 50


def _post(client: Client, path: str, **kwargs: Any) -> None:
    started = time.monotonic()
    response = client.post(path, **kwargs)
    _check(response, time.monotonic() - started)


FUZZ = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)


@FUZZ
@given(data=st.data())
def test_hostile_specs_get_small_prompt_non_5xx_answers(
    target: tuple[Server, Client, str], data: Any
) -> None:
    _, client, clip = target
    spec = data.draw(specs(clip))
    key = data.draw(st.none() | st.text(alphabet=HEX, min_size=1, max_size=8))
    headers = {"Idempotency-Key": key} if key else {}
    body: dict[str, Any] = {"spec": spec, "draft": True}
    if data.draw(st.booleans()):
        body["webhook_url"] = data.draw(urls)
    _post(client, "/v1/renders", json=body, headers=headers)


@FUZZ
@given(
    body=st.dictionaries(
        st.sampled_from(["template", "clips", "texts", "sound", "webhook_url", "draft"]), hostile
    )
)
def test_hostile_template_requests_get_small_prompt_non_5xx_answers(
    target: tuple[Server, Client, str], body: dict[str, Any]
) -> None:
    _post(target[1], "/v1/renders", json=body)


@FUZZ
@given(
    path=st.sampled_from(
        ["/v1/sounds", "/v1/media", f"/v1/sounds/{'0' * 32}/remix", f"/v1/media/{'0' * 32}/complete"]
    ),
    body=hostile,
)
def test_hostile_bodies_on_every_post_get_small_prompt_non_5xx_answers(
    target: tuple[Server, Client, str], path: str, body: Any
) -> None:
    _post(target[1], path, json=body)


@FUZZ
@given(
    token=st.sampled_from(
        ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" * 5000, "1.5e308", "[" * 64]
    ),
    where=st.sampled_from(["in", "out", "start"]),
)
def test_raw_non_json_numbers_get_small_prompt_non_5xx_answers(
    target: tuple[Server, Client, str], token: str, where: str
) -> None:
    _, client, clip = target
    raw = f'{{"spec": {{"clips": [{{"src": "media:{clip}", "{where}": {token}}}]}}}}'
    started = time.monotonic()
    response = client.post("/v1/renders", content=raw.encode(), headers={"content-type": "application/json"})
    _check(response, time.monotonic() - started)
    assert response.status_code == 422  # none of these is a number the spec accepts


def test_the_fuzzed_server_is_still_healthy(target: tuple[Server, Client, str]) -> None:
    server, client, _ = target
    assert httpx.get(f"{server.url}/healthz").status_code == 200
    assert client.get("/v1/renders").status_code == 200
    assert json.loads(client.get("/v1/media").text)["items"]
