"""Size caps while streaming, multipart uploads on S3, rate limits, and the users CLI."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from cli import users
from tests.api.conftest import Server

MB = 1 << 20


@pytest.fixture(scope="module")
def local(server_factory: Callable[..., Server]) -> Server:
    return server_factory(max_upload_bytes=2 * MB, requests_per_minute=1000)


def _uploads(server: Server) -> list[Path]:
    root = Path(server.settings.storage.removeprefix("file://"))
    return [p for p in root.rglob("*") if p.is_file() and "uploads" in p.parts]


def test_streaming_put_stops_at_the_declared_size(local: Server) -> None:
    with local.user("streamer") as alice:
        created = alice.post("/v1/media", json={"kind": "video", "filename": "a.mp4", "size": 100_000}).json()
        sent = 0

        def body() -> Iterator[bytes]:  # chunked: no Content-Length to refuse up front
            nonlocal sent
            for _ in range(200):
                sent += 64 * 1024
                yield os.urandom(64 * 1024)

        response = alice.put(created["upload"]["url"], content=body())
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "upload_too_large"
        assert _uploads(local) == []


def test_a_too_large_content_length_is_refused_before_reading(local: Server) -> None:
    with local.user("declarer") as alice:
        created = alice.post("/v1/media", json={"kind": "video", "filename": "a.mp4", "size": 10}).json()
        response = alice.put(created["upload"]["url"], content=b"x" * 11)
        assert response.status_code == 413
        assert alice.put(created["upload"]["url"], content=b"x" * 10).status_code == 204


def test_rate_limit_answers_429_with_retry_after(server_factory: Callable[..., Server]) -> None:
    server = server_factory(requests_per_minute=5, workers=0)
    with server.user("hasty") as alice, server.user("calm") as bob:
        codes = [alice.get("/v1/media").status_code for _ in range(7)]
        assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
        limited = alice.get("/v1/media")
        assert int(limited.headers["retry-after"]) >= 1
        assert bob.get("/v1/media").status_code == 200  # per user


def test_multipart_upload_on_s3_is_assembled_and_checked(
    server_factory: Callable[..., Server], s3_endpoint: str
) -> None:
    server = server_factory(s3_endpoint, multipart_threshold=5 * MB, multipart_part_size=5 * MB, workers=0)
    data = os.urandom(6 * MB)
    with server.user("big") as alice:
        created = alice.post(
            "/v1/media", json={"kind": "video", "filename": "big.mp4", "size": len(data)}
        ).json()
        upload = created["upload"]
        assert [p["part_number"] for p in upload["parts"]] == [1, 2]
        parts = []
        for part in upload["parts"]:
            start = (part["part_number"] - 1) * upload["part_size"]
            response = httpx.put(part["url"], content=data[start : start + upload["part_size"]])
            assert response.status_code == 200, response.text
            parts.append({"part_number": part["part_number"], "etag": response.headers["etag"]})
        assert alice.post(f"/v1/media/{created['id']}/complete").status_code == 422  # parts are required
        body = alice.post(f"/v1/media/{created['id']}/complete", json={"parts": parts}).json()
        assert body["size"] == len(data)
        assert body["status"] == "rejected" and body["reason_code"] == "invalid_media"


def test_users_create_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELFORGE_HOME", str(tmp_path))
    app = typer.Typer()
    users.register(app)
    app.command("noop")(lambda: None)  # a second command keeps typer in multi-command mode
    result = CliRunner().invoke(app, ["users", "create", "carol", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"id", "name", "token"} and data["name"] == "carol"
    again = CliRunner().invoke(app, ["users", "create", "carol", "--json"])
    assert again.exit_code == 1
    raw = (tmp_path / "reelforge.db").read_bytes()
    assert data["token"].encode() not in raw  # only the hash is stored
