"""Borrowed videos over real HTTP, on the embedded default (local files, SQLite) and on S3 (moto)
with PostgreSQL: publish, duet, stitch, react, rights at submit and at run, credits in the result
and the MP4 tags, derivatives, and invisible objects that answer exactly like missing ones.

Workers are off: each test runs its renders with ``run_job`` (the workers' own function), so a
revocation lands between submit and run deterministically.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest

from api.jobs.run import run_job
from editor.audio_decode import decode_audio
from testkit.clips import solid_clip
from tests.api.conftest import Client, Server, settings_for
from tests.conftest import postgres_database
from tests.media import frame_at

OUTPUT = {"width": 270, "height": 480, "fps": 24, "preset": "ultrafast"}
BLUE, RED = (30, 30, 220), (220, 30, 30)
A_TONE, B_TONE = 440.0, 1250.0


@pytest.fixture(scope="module", params=["embedded", "s3_postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("videos")
    if request.param == "embedded":
        server = Server(settings_for(home, workers=0))
        yield server
        server.stop()
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    with postgres_database("reelforge_videos") as url:
        server = Server(settings_for(home, endpoint, workers=0, database_url=url))
        yield server
        server.stop()


@pytest.fixture(scope="module")
def users(stack: Server) -> Iterator[tuple[Client, Client, Client]]:
    with stack.user("alice") as a, stack.user("bob") as b, stack.user("carol") as c:
        yield a, b, c


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("video-media")
    blue = solid_clip(root / "blue.mp4", BLUE, fps=24, tone=A_TONE)
    return blue, solid_clip(root / "red.mp4", RED, fps=24, tone=B_TONE)


def render(stack: Server, user: Client, spec: dict[str, Any]) -> dict[str, Any]:
    submitted = user.post("/v1/renders", json={"spec": {"output": OUTPUT, **spec}})
    assert submitted.status_code == 202, submitted.text
    run_job(stack.services, submitted.json()["id"], "test-worker")
    done: dict[str, Any] = user.get(f"/v1/renders/{submitted.json()['id']}").json()
    return done


def download(done: dict[str, Any], folder: Path, name: str) -> Path:
    assert done["status"] == "succeeded", done
    path = folder / name
    path.write_bytes(httpx.get(done["output_url"]).raise_for_status().content)
    return path


@pytest.fixture(scope="module")
def published(
    stack: Server, users: tuple[Client, Client, Client], clips: tuple[Path, Path]
) -> dict[str, Any]:
    """Alice's published video (blue, a 440 Hz tone), open to duets, stitches and its sound."""
    alice, _, _ = users
    blue = alice.upload(clips[0], "video")
    done = render(stack, alice, {"clips": [{"src": f"media:{blue['id']}"}]})
    assert done["status"] == "succeeded", done
    body = {"title": "Blue sky", "allow_duet": True, "allow_stitch": True, "allow_sound_reuse": True}
    created = alice.post(f"/v1/renders/{done['id']}/publish", json=body)
    assert created.status_code == 201, created.text
    video: dict[str, Any] = created.json()
    assert video["id"] == done["id"] and video["owner"] == "alice" and video["sound_id"]
    return video


@pytest.fixture(scope="module")
def bob_clip(users: tuple[Client, Client, Client], clips: tuple[Path, Path]) -> str:
    return f"media:{users[1].upload(clips[1], 'video')['id']}"


def mean(frame: np.ndarray, x: float, y: float, w: float, h: float) -> np.ndarray:
    """Mean colour of a region in fractions, a margin inside its edges."""
    fh, fw, _ = frame.shape
    x0, x1 = int((x + 0.2 * w) * fw), int((x + 0.8 * w) * fw)
    y0, y1 = int((y + 0.2 * h) * fh), int((y + 0.8 * h) * fh)
    return frame[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0)


def near(actual: np.ndarray, rgb: tuple[int, int, int], tol: float = 35) -> bool:
    return bool(np.abs(actual - np.array(rgb)).max() <= tol)


def tone_levels(path: Path, *tones: float) -> list[float]:
    """Spectrum magnitude at each tone relative to the median of the spectrum (dB)."""
    samples, sr = decode_audio(path, sr=8000, mono=True)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    freqs = np.fft.rfftfreq(len(samples), 1 / sr)
    floor = float(np.median(spectrum)) + 1e-9
    return [20 * np.log10(spectrum[np.abs(freqs - t) < 15].max() / floor) for t in tones]


def tags(path: Path) -> tuple[str, list[dict[str, Any]]]:
    with av.open(str(path)) as container:
        return container.metadata["comment"], json.loads(container.metadata["reelforge_credits"])


def test_publish_makes_a_visible_video_and_an_original_sound(
    users: tuple[Client, Client, Client], published: dict[str, Any]
) -> None:
    alice, bob, _ = users
    seen = bob.get(f"/v1/videos/{published['id']}")
    assert seen.status_code == 200, seen.text
    assert seen.json()["allow_duet"] and seen.json()["url"]
    assert [v["id"] for v in bob.get("/v1/videos", params={"owner": "alice"}).json()["items"]] == [
        published["id"]
    ]
    sound = bob.get(f"/v1/sounds/{published['sound_id']}").json()
    assert (
        sound["published"]
        and sound["allow_reuse"]
        and sound["analysis"]["duration"] == pytest.approx(2, abs=0.1)
    )
    assert [(c["owner"], c["role"], c["text"]) for c in sound["credits"]] == [
        ("alice", "original", "Original sound - @alice")
    ]
    again = alice.post(f"/v1/renders/{published['id']}/publish", json={"title": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_published"
    assert bob.post(f"/v1/renders/{published['id']}/publish", json={"title": "mine"}).status_code == 404


def test_a_duet_has_both_pictures_in_their_boxes_both_sounds_and_credits(
    stack: Server,
    users: tuple[Client, Client, Client],
    published: dict[str, Any],
    bob_clip: str,
    tmp_path: Path,
) -> None:
    alice, bob, _ = users
    spec = {"clips": [{"src": bob_clip}], "layout": {"type": "duet", "with": f"video:{published['id']}"}}
    done = render(stack, bob, spec)
    out = download(done, tmp_path, "duet.mp4")
    frame = frame_at(out, 1.0)
    assert near(mean(frame, 0.0, 0.25, 0.5, 0.5), RED)  # bob's clip on the left, at the output aspect
    assert near(mean(frame, 0.5, 0.25, 0.5, 0.5), BLUE)  # alice's video on the right, in sync
    assert near(mean(frame, 0.0, 0.0, 1.0, 0.2), (0, 0, 0), 12)  # black above both
    mine, theirs = tone_levels(out, B_TONE, A_TONE)
    assert mine > 30 and theirs > 30  # both sounds are in the mix
    credit = done["credits"][0]
    assert (credit["owner"], credit["role"], credit["video_id"], credit["text"]) == (
        "alice",
        "duet",
        published["id"],
        "Duet with @alice",
    )
    assert [c["owner"] for c in done["credits"]] == ["alice"]  # her original sound: the same creator, once
    comment, stored = tags(out)
    assert comment == "Duet with @alice" and stored[0]["video_id"] == published["id"]
    # published, the duet is a derivative of alice's video; her original sound counts it as a use
    assert bob.post(f"/v1/renders/{done['id']}/publish", json={"title": "me too"}).status_code == 201
    derived = alice.get(f"/v1/videos/{published['id']}/derivatives").json()["items"]
    assert [(d["kind"], d["video"]["id"], d["video"]["owner"]) for d in derived] == [
        ("duet", done["id"], "bob")
    ]
    assert alice.get(f"/v1/videos/{published['id']}").json()["derivatives"] == 1
    trending = bob.get("/v1/sounds/trending").json()["items"]
    assert published["sound_id"] in [t["sound"]["id"] for t in trending]
    # the duet's own original sound traces back through the duet to alice's
    duet_video = bob.get(f"/v1/videos/{done['id']}").json()
    lineage = bob.get(f"/v1/sounds/{duet_video['sound_id']}").json()["credits"]
    assert [c["owner"] for c in lineage] == ["bob", "alice"]


def test_a_stitch_opens_with_their_seconds_then_mine(
    stack: Server,
    users: tuple[Client, Client, Client],
    published: dict[str, Any],
    bob_clip: str,
    tmp_path: Path,
) -> None:
    _, bob, _ = users
    theirs = f"video:{published['id']}"
    done = render(stack, bob, {"clips": [{"src": theirs, "in": 0, "out": 1}, {"src": bob_clip}]})
    out = download(done, tmp_path, "stitch.mp4")
    assert near(mean(frame_at(out, 0.5), 0, 0, 1, 1), BLUE) and near(
        mean(frame_at(out, 2.0), 0, 0, 1, 1), RED
    )
    assert done["credits"][0]["text"] == "Stitched from @alice"
    assert tags(out)[0] == "Stitched from @alice"
    too_long = bob.post(
        "/v1/renders", json={"spec": {"clips": [{"src": theirs, "out": 6}, {"src": bob_clip}]}}
    )
    assert too_long.status_code == 422
    assert [p["field"] for p in too_long.json()["error"]["problems"]] == ["spec.clips[0].out"]
    second = bob.post("/v1/renders", json={"spec": {"clips": [{"src": bob_clip}, {"src": theirs, "out": 1}]}})
    assert second.status_code == 422
    assert (
        second.json()["error"]["problems"][0]["reason"]
        == "a stitch (a video:<id> clip) must be the first clip"
    )


def test_a_react_puts_their_video_in_the_corner(
    stack: Server,
    users: tuple[Client, Client, Client],
    published: dict[str, Any],
    bob_clip: str,
    tmp_path: Path,
) -> None:
    _, bob, _ = users
    layout = {"type": "react", "with": f"video:{published['id']}", "corner": "top_right", "size": 0.4}
    out = download(
        render(stack, bob, {"clips": [{"src": bob_clip}], "layout": layout}), tmp_path, "react.mp4"
    )
    frame = frame_at(out, 1.0)
    assert near(mean(frame, 0.57, 0.05, 0.4, 0.3), BLUE)
    assert near(mean(frame, 0.0, 0.5, 1.0, 0.5), RED)


def test_rights_at_submit_and_revocation_before_the_run(
    stack: Server, users: tuple[Client, Client, Client], published: dict[str, Any], clips: tuple[Path, Path]
) -> None:
    alice, _, carol = users
    video_id = published["id"]
    carol_clip = f"media:{carol.upload(clips[1], 'video')['id']}"
    duet = {
        "spec": {
            "output": OUTPUT,
            "clips": [{"src": carol_clip}],
            "layout": {"type": "duet", "with": f"video:{video_id}"},
        }
    }
    assert alice.patch(f"/v1/videos/{video_id}", json={"allow_duet": False}).status_code == 200
    refused = carol.post("/v1/renders", json=duet)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "video_not_reusable"
    assert "@alice does not allow duets" in refused.json()["error"]["message"]
    own = {
        "spec": {
            "clips": [{"src": f"video:{video_id}", "out": 1}],
            "layout": {"type": "duet", "with": f"video:{video_id}"},
        }
    }
    assert alice.post("/v1/renders", json=own).status_code == 202  # the owner may always use her own
    assert alice.patch(f"/v1/videos/{video_id}", json={"allow_duet": True}).status_code == 200
    queued = carol.post("/v1/renders", json=duet)
    assert queued.status_code == 202, queued.text
    assert alice.patch(f"/v1/videos/{video_id}", json={"allow_duet": False}).status_code == 200
    run_job(stack.services, queued.json()["id"], "test-worker")
    failed = carol.get(f"/v1/renders/{queued.json()['id']}").json()
    assert failed["status"] == "failed" and failed["error"]["code"] == "video_reuse_revoked"
    assert alice.patch(f"/v1/videos/{video_id}", json={"allow_duet": True}).status_code == 200
    assert carol.patch(f"/v1/videos/{video_id}", json={"allow_duet": False}).status_code == 404


def test_an_unpublished_render_answers_exactly_like_a_missing_id(
    stack: Server, users: tuple[Client, Client, Client], bob_clip: str
) -> None:
    _, bob, carol = users
    private = bob.post("/v1/renders", json={"spec": {"output": OUTPUT, "clips": [{"src": bob_clip}]}}).json()[
        "id"
    ]
    run_job(stack.services, private, "test-worker")
    missing = "0" * 32

    def answers(object_id: str) -> list[Any]:
        got = carol.get(f"/v1/videos/{object_id}")
        derived = carol.get(f"/v1/videos/{object_id}/derivatives")
        out: list[Any] = [got.status_code, got.json(), derived.status_code, derived.json()]
        for kind, field in (("video", "layout"), ("video", "clips"), ("media", "clips")):
            spec: dict[str, Any] = {"clips": [{"src": f"{kind}:{object_id}", "out": 1}]}
            if field == "layout":
                spec = {
                    "clips": [{"src": bob_clip}],
                    "layout": {"type": "duet", "with": f"{kind}:{object_id}"},
                }
            response = carol.post("/v1/renders", json={"spec": spec})
            out += [response.status_code, json.dumps(response.json()).replace(object_id, "ID")]
        return out

    assert answers(private) == answers(missing)
    assert carol.get(f"/v1/videos/{missing}").status_code == 404
    # the owner sees it, and an unpublished video goes back to being invisible
    assert bob.get(f"/v1/videos/{private}").status_code == 404  # a render, not a video
    assert bob.post(f"/v1/renders/{private}/publish", json={"title": "t"}).status_code == 201
    assert carol.get(f"/v1/videos/{private}").status_code == 200
    assert carol.delete(f"/v1/videos/{private}").status_code == 404
    assert bob.delete(f"/v1/videos/{private}").status_code == 204
    assert answers(private) == answers(missing)
    assert bob.get(f"/v1/videos/{private}").json()["published"] is False
