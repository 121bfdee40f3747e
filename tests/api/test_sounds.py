"""The sound library over HTTP: duplicate re-uploads credit the first creator, remixes record
their parent and walk the credits, licenses are enforced, originals (not duplicates) are in the
fingerprint table (local storage; S3 is covered elsewhere)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api.core.models import Sound, SoundHash
from editor import ffmpeg
from editor.samples import make_music
from tests.api.conftest import Client, Media, Server


@pytest.fixture(scope="module")
def local(server_factory: Callable[..., Server]) -> Server:
    return server_factory()


@pytest.fixture(scope="module")
def mia(local: Server) -> Iterator[Client]:
    with local.user("mia") as client:
        yield client


@pytest.fixture(scope="module")
def leo(local: Server) -> Iterator[Client]:
    with local.user("leo") as client:
        yield client


@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tracks")
    original = make_music(root / "night.m4a", seconds=14, bpm=104, root=220, progression=5)
    copy = root / "copy.mp3"  # re-encoded, 1.5 s cut at the start, 5 dB quieter, mono
    ffmpeg.run(
        [
            *ffmpeg.input_args(original, before=("-ss", "1.5")),
            "-af",
            "volume=-5dB",
            "-ac",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "96k",
            str(copy),
        ]
    )
    made = {"original": original, "copy": copy}
    for name, bpm, base, step in (
        ("other", 87, 262, 3),
        ("third", 126, 196, 7),
        ("strict", 110, 247, 2),
        ("closed", 140, 294, 4),
        ("nc", 95, 330, 9),
    ):
        made[name] = make_music(root / f"{name}.m4a", seconds=12, bpm=bpm, root=base, progression=step)
    return made


def publish(client: Client, path: Path, title: str, **flags: Any) -> dict[str, Any]:
    media = client.upload(path, "audio")
    body = {
        "media_id": media["id"],
        "title": title,
        "license": "cc-by",
        "allow_reuse": True,
        "published": True,
        **flags,
    }
    created = client.post("/v1/sounds", json=body)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def test_a_reupload_is_linked_to_the_original_and_credits_its_creator(
    mia: Client, leo: Client, tracks: dict[str, Path]
) -> None:
    first = publish(mia, tracks["original"], "Night drive")
    copied = publish(leo, tracks["copy"], "my new sound")
    unrelated = publish(leo, tracks["other"], "Morning")
    assert copied["original_id"] == first["id"]
    assert [(c["owner"], c["role"]) for c in copied["credits"]] == [("mia", "sound")]
    assert copied["credits"][0]["text"] == "'Night drive' by @mia"
    assert unrelated["original_id"] is None and first["original_id"] is None


def test_a_remix_records_its_parent_and_credits_the_chain(
    mia: Client, leo: Client, tracks: dict[str, Path]
) -> None:
    parent = publish(mia, tracks["third"], "Night drive v2")
    remix = leo.post(
        f"/v1/sounds/{parent['id']}/remix",
        json={
            "title": "Night drive (sped up)",
            "license": "cc-by",
            "published": True,
            "allow_reuse": True,
            "ops": {"start": 2, "end": 12, "tempo": 1.25, "pitch": 1, "fade_out": 1},
        },
    )
    assert remix.status_code == 201, remix.text
    body = remix.json()
    assert body["parent_id"] == parent["id"] and body["lineage"] == [parent["id"]]
    assert body["duration"] == pytest.approx(8.0, abs=0.1)  # 10 s at 1.25x
    assert body["analysis"]["tempo"] == pytest.approx(126 * 1.25, rel=0.04)
    assert [c["text"] for c in body["credits"]] == [
        "'Night drive (sped up)' by @leo",
        "Remix of 'Night drive v2' by @mia",
    ]
    again = mia.post(f"/v1/sounds/{body['id']}/remix", json={"title": "back", "license": "cc-by"})
    assert again.status_code == 201
    assert [c["owner"] for c in again.json()["credits"]] == ["mia", "leo"]  # each creator once


def test_remix_licenses_and_reuse_rules_are_enforced(
    mia: Client, leo: Client, tracks: dict[str, Path]
) -> None:
    parent = publish(mia, tracks["strict"], "Strict", license="cc-by-nc")
    looser = leo.post(f"/v1/sounds/{parent['id']}/remix", json={"title": "free", "license": "cc0"})
    assert looser.status_code == 403 and looser.json()["error"]["code"] == "license_too_permissive"
    closed = publish(mia, tracks["closed"], "Closed", allow_reuse=False)
    refused = leo.post(f"/v1/sounds/{closed['id']}/remix", json={"title": "x"})
    assert refused.status_code == 403 and "does not allow reuse" in refused.json()["error"]["message"]


def test_a_commercial_render_cannot_use_a_non_commercial_sound(
    mia: Client, leo: Client, tracks: dict[str, Path], media: Media
) -> None:
    sound = publish(mia, tracks["nc"], "NC beat", license="cc-by-nc")
    clip = leo.upload(media.clip, "video")
    spec = {
        "output": {"width": 320, "height": 568},
        "commercial": True,
        "clips": [{"src": f"media:{clip['id']}"}],
        "audio": {"sound": {"src": f"sound:{sound['id']}"}},
    }
    refused = leo.post("/v1/renders", json={"spec": spec, "draft": True})
    assert refused.status_code == 403 and "cc-by-nc" in refused.json()["error"]["message"]
    accepted = leo.post("/v1/renders", json={"spec": {**spec, "commercial": False}, "draft": True})
    assert accepted.status_code == 202, accepted.text


def test_originals_and_remixes_get_hash_rows_and_a_duplicate_none(
    local: Server, mia: Client, leo: Client, tmp_path: Path
) -> None:
    original = make_music(tmp_path / "dawn.m4a", seconds=12, bpm=118, root=185, progression=6)
    copy = tmp_path / "dawn-copy.m4a"  # re-encoded, 1 s cut at the start, mono
    ffmpeg.run([*ffmpeg.input_args(original, before=("-ss", "1")), "-ac", "1", "-c:a", "aac", str(copy)])
    first = publish(mia, original, "Dawn")
    copied = publish(leo, copy, "dawn (copy)")
    assert first["original_id"] is None and copied["original_id"] == first["id"]
    remix = leo.post(
        f"/v1/sounds/{first['id']}/remix",
        json={"title": "Dawn slow", "license": "cc-by", "ops": {"tempo": 0.8}},
    )
    assert remix.status_code == 201, remix.text
    rows, pairs = stored(local, first["id"])
    assert rows == pairs > 100
    rows, pairs = stored(local, remix.json()["id"])
    assert rows == pairs > 100  # a remix is an original too
    rows, pairs = stored(local, copied["id"])
    assert rows == 0 and pairs > 100  # the duplicate keeps its JSON only


def stored(server: Server, sound_id: str) -> tuple[int, int]:
    """(rows in ``sound_hashes``, distinct pairs in the JSON fingerprint) of a sound."""
    with server.services.sessions() as session:
        query = select(func.count()).select_from(SoundHash).where(SoundHash.sound_id == sound_id)
        rows = session.scalar(query) or 0
        sound = session.get(Sound, sound_id)
        assert sound is not None and sound.fingerprint is not None
        return rows, len({(h, t) for h, t in sound.fingerprint["pairs"]})


def test_remix_matches_another_sounds_tempo_and_hides_what_the_caller_may_not_see(
    mia: Client, leo: Client, tracks: dict[str, Path], tmp_path: Path
) -> None:
    slow = make_music(tmp_path / "slow.m4a", seconds=12, bpm=92, root=175, progression=5)
    fast = make_music(tmp_path / "fast.m4a", seconds=12, bpm=118, root=233, progression=3)
    parent = publish(mia, slow, "Slow one")
    target = publish(leo, fast, "Faster one")
    assert target["analysis"]["key"] is not None and target["analysis"]["highlights"]
    made = leo.post(
        f"/v1/sounds/{parent['id']}/remix",
        json={"title": "in time", "license": "cc-by", "ops": {"tempo": f"match:{target['id']}"}},
    )
    assert made.status_code == 201, made.text
    assert made.json()["analysis"]["tempo"] == pytest.approx(target["analysis"]["tempo"], rel=0.01)
    quiet = make_music(tmp_path / "quiet.m4a", seconds=12, bpm=133, root=311, progression=1)
    private = publish(leo, quiet, "private", published=False)
    hidden = mia.post(
        f"/v1/sounds/{parent['id']}/remix", json={"title": "x", "ops": {"pitch": f"match:{private['id']}"}}
    )
    missing = mia.post(
        f"/v1/sounds/{parent['id']}/remix", json={"title": "x", "ops": {"pitch": "match:0123456789abcdef"}}
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
