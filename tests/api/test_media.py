"""Uploads over real HTTP, on local storage and on S3 (moto server, presigned POST sent by httpx)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from api import schemas
from api.core.db import as_utc
from api.core.models import Media as MediaRow
from api.core.models import utcnow
from api.services import media as media_service
from editor.probe import probe
from tests.api.conftest import Client, Media, Server, send_bytes


def test_healthz_needs_no_token(server: Server) -> None:
    response = httpx.get(f"{server.url}/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_bad_token_is_401(server: Server) -> None:
    response = httpx.get(f"{server.url}/v1/media", headers={"Authorization": "Bearer rf_wrong"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_video_upload_is_normalised(alice: Client, media: Media, tmp_path: Path) -> None:
    body = alice.upload(media.clip, "video")
    assert body["status"] == "ready", body
    assert (body["width"], body["height"], body["has_audio"]) == (320, 568, True)
    assert body["duration"] == pytest.approx(1.0, abs=0.1)
    assert body["content_type"] == "video/mp4"
    download = httpx.get(body["url"])
    assert download.status_code == 200
    (tmp_path / "m.mp4").write_bytes(download.content)
    info = probe(tmp_path / "m.mp4")
    assert (info.video_codec, info.audio_codec, info.sample_rate) == ("h264", "aac", 48000)
    assert info.fps == 24
    thumb = httpx.get(body["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    listed = alice.get("/v1/media").json()["items"]
    assert body["id"] in [m["id"] for m in listed]


def test_image_and_audio_uploads(alice: Client, media: Media) -> None:
    photo = alice.upload(media.photo, "image")
    assert (photo["status"], photo["width"], photo["height"]) == ("ready", 320, 240)
    music = alice.upload(media.music, "audio")
    assert (music["status"], music["has_audio"], music["width"]) == ("ready", True, None)
    assert music["duration"] == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("name", ["text_as_mp4", "hls_as_mp4"])
def test_hostile_files_are_rejected_with_a_reason(alice: Client, media: Media, name: str) -> None:
    body = alice.upload(getattr(media, name), "video")
    assert body["status"] == "rejected"
    assert body["reason_code"] == "invalid_media"
    assert "not a video, audio or image file" in body["reason"]
    assert body["url"] is None


def test_declared_kind_must_match(alice: Client, media: Media) -> None:
    body = alice.upload(media.music, "video")
    assert body["status"] == "rejected" and "declared as video but it is audio" in body["reason"]


def test_size_mismatch_is_caught(alice: Client, media: Media) -> None:
    """The store holds fewer bytes than declared (moto does not enforce content-length-range)."""
    data = media.clip.read_bytes()
    created = alice.post("/v1/media", json={"kind": "video", "filename": "a.mp4", "size": len(data) + 10})
    send_bytes(created.json()["upload"], data, alice)
    body = alice.post(f"/v1/media/{created.json()['id']}/complete").json()
    assert body["status"] == "rejected"
    assert f"has {len(data)} bytes but {len(data) + 10} were declared" in body["reason"]


def test_complete_before_upload_is_409_and_twice_is_harmless(alice: Client, media: Media) -> None:
    created = alice.post("/v1/media", json={"kind": "image", "filename": "p.jpg", "size": 10})
    assert alice.post(f"/v1/media/{created.json()['id']}/complete").status_code == 409
    ready = alice.upload(media.photo, "image")
    again = alice.post(f"/v1/media/{ready['id']}/complete")
    assert again.status_code == 200 and again.json()["status"] == "ready"


def test_create_over_the_upload_limit_is_413(alice: Client, server: Server) -> None:
    size = server.settings.max_upload_bytes + 1
    response = alice.post("/v1/media", json={"kind": "video", "filename": "big.mp4", "size": size})
    assert response.status_code == 413 and response.json()["error"]["code"] == "upload_too_large"


def test_unknown_fields_and_owner_fields_are_refused(alice: Client) -> None:
    response = alice.post(
        "/v1/media",
        json={"kind": "video", "filename": "a.mp4", "size": 5, "owner_id": "x", "status": "ready"},
    )
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["error"]["problems"]}
    assert fields == {"owner_id", "status"}


def test_delete_media(alice: Client, media: Media) -> None:
    body = alice.upload(media.photo, "image")
    assert alice.delete(f"/v1/media/{body['id']}").status_code == 204
    assert alice.get(f"/v1/media/{body['id']}").status_code == 404
    assert httpx.get(body["url"]).status_code in (401, 403, 404)


# --- a complete whose process died mid-transcode ---------------------------------------------------


def _uploaded(alice: Client, media: Media) -> str:
    """A media whose bytes are stored and that was not completed yet."""
    data = media.photo.read_bytes()
    created = alice.post("/v1/media", json={"kind": "image", "filename": "p.jpg", "size": len(data)})
    send_bytes(created.json()["upload"], data, alice)
    media_id: str = created.json()["id"]
    return media_id


def _claimed(server: Server, media_id: str, started: datetime | None) -> None:
    """What a process leaves behind when it dies holding the claim (``started``: when it took it)."""
    with server.services.sessions() as session:
        session.execute(
            update(MediaRow)
            .where(MediaRow.id == media_id)
            .values(status="processing", processing_started_at=started)
        )
        session.commit()


def _row(server: Server, media_id: str) -> MediaRow:
    with server.services.sessions() as session:
        row = session.get(MediaRow, media_id)
        assert row is not None
        return row


def test_a_complete_retried_after_a_crash_takes_over_a_stale_claim(
    alice: Client, server: Server, media: Media
) -> None:
    media_id = _uploaded(alice, media)
    _claimed(server, media_id, utcnow() - timedelta(seconds=server.settings.media_claim_timeout + 5))
    done = alice.post(f"/v1/media/{media_id}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text
    assert (done.json()["width"], done.json()["height"]) == (320, 240)
    assert _row(server, media_id).processing_started_at is None


def test_a_claim_from_before_the_claim_stamps_counts_as_stale(
    alice: Client, server: Server, media: Media
) -> None:
    media_id = _uploaded(alice, media)
    _claimed(server, media_id, None)
    assert alice.post(f"/v1/media/{media_id}/complete").json()["status"] == "ready"


def test_a_complete_under_a_live_claim_answers_processing(
    alice: Client, server: Server, media: Media
) -> None:
    """As with two concurrent completes: the second answers with the row as it is and does nothing."""
    media_id = _uploaded(alice, media)
    started = utcnow() - timedelta(seconds=server.settings.media_claim_timeout - 60)
    _claimed(server, media_id, started)
    again = alice.post(f"/v1/media/{media_id}/complete")
    assert again.status_code == 200 and again.json()["status"] == "processing"
    assert again.json()["url"] is None
    row = _row(server, media_id)
    assert row.status == "processing" and as_utc(row.processing_started_at) == started  # type: ignore[arg-type]


def test_a_complete_whose_claim_was_taken_over_writes_nothing(
    alice: Client, server: Server, media: Media, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow process whose claim went stale and was taken over drops its result and its objects."""
    services = server.services
    media_id = _uploaded(alice, media)
    real = media_service._normalise
    made: list[str] = []
    taken_over = utcnow()

    def normalise_then_lose_the_claim(services: Any, row: MediaRow) -> None:
        real(services, row)
        made.extend(k for k in (row.key, row.thumbnail_key) if k)
        _claimed(server, media_id, taken_over)  # another complete took the claim meanwhile

    monkeypatch.setattr(media_service, "_normalise", normalise_then_lose_the_claim)
    with services.sessions() as session:
        row = session.get(MediaRow, media_id)
        assert row is not None
        result = media_service.complete(services, session, row, schemas.MediaComplete())
    assert result.status == "processing" and result.key is None
    assert made and all(services.storage.size(key) is None for key in made)
    assert services.storage.size(result.upload_key) is not None  # the new claim holder still needs it
    assert as_utc(_row(server, media_id).processing_started_at) == taken_over  # type: ignore[arg-type]


def test_presigned_urls_use_the_public_s3_endpoint(
    server_factory: Any, s3_endpoint: str, media: Media, tmp_path: Path
) -> None:
    """The API reaches the store at one address, phones at another (compose's MinIO): every URL a
    client gets is signed for the public one, and works there."""
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    server = server_factory(s3_endpoint, s3_public_endpoint_url=public)
    with server.user("carol") as carol:
        created = carol.post("/v1/media", json={"kind": "video", "filename": "a.mp4", "size": 10})
        assert created.json()["upload"]["url"].startswith(public)
        ready = carol.upload(media.clip, "video")
        assert ready["status"] == "ready"
        for url in (ready["url"], ready["thumbnail_url"]):
            assert url.startswith(public + "/")
            assert httpx.get(url).status_code == 200
        downloaded = tmp_path / "clip.mp4"
        downloaded.write_bytes(httpx.get(ready["url"]).content)
        assert probe(downloaded).has_video
