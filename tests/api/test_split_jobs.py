"""Split renders through the API: a long edit's pieces are rendered by more than one embedded worker
process, the result equals the one-piece render, and a helper killed mid-piece costs that piece."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from editor.render import render
from editor.resolve import parse_spec
from tests.api.conftest import REELFORGE, Client, Media, Serve, Server
from tests.api.procs import ffmpeg_cmdlines
from tests.conftest import TINY
from tests.editor.test_split import facts, psnr

pytestmark = pytest.mark.xdist_group("split_jobs")


def long_spec(clip: str) -> dict[str, Any]:
    """24 one-second clips (pictures and sound): 24 s, cut inside a clip near 12 s."""
    return {"output": {**TINY, "preset": "veryfast"}, "clips": [{"src": clip}] * 24}


def pieces(db: Path, render_id: str) -> list[dict[str, Any]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT * FROM render_pieces WHERE render_id = ? ORDER BY attempt, number", (render_id,)
        ).fetchall()
    return [dict(row) for row in rows]


def test_a_long_render_is_rendered_in_pieces_by_several_workers(
    server_factory: Any, media: Media, tmp_path: Path
) -> None:
    server: Server = server_factory(split_pieces=2, workers=2, poll_seconds=0.1)
    with server.user("splitter") as alice:
        clip = alice.upload(media.clip, "video")
        spec = long_spec(f"media:{clip['id']}")
        submitted = alice.post("/v1/renders", json={"spec": spec})
        assert submitted.status_code == 202, submitted.text
        done = alice.wait_render(submitted.json()["id"], timeout=240)
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 1 and done["duration"] == pytest.approx(24.0)

    rows = pieces(server.settings.home / "reelforge.db", done["id"])
    assert [(r["number"], r["status"], r["tries"]) for r in rows] == [(0, "done", 1), (1, "done", 1)]
    assert sum(r["duration"] for r in rows) == pytest.approx(24.0)
    # the coordinator keeps what it rendered; a helper uploads: both workers rendered a piece
    assert sorted(r["output_key"] is None for r in rows) == [False, True]
    assert server.services.storage.list_objects(f"tmp/renders/{done['id']}-1.piece") == []  # joined, gone

    split = tmp_path / "split.mp4"
    split.write_bytes(httpx.get(done["output_url"]).raise_for_status().content)
    whole = render(
        parse_spec(spec), tmp_path / "whole.mp4", resolve=lambda src: media.clip
    ).output  # the same edit in one piece
    assert facts(split) == facts(whole)  # frames, lengths and A/V offset
    seam = rows[1]["start"]
    assert psnr(split, whole, seam - 0.5, seam + 0.5) > 38


def test_a_helper_killed_mid_piece_costs_only_its_piece(serve: Serve, media: Media) -> None:
    # A lease far longer than the test: the piece can only come back through the supervisor
    # noticing the death, not through its lease running out.
    serve.env |= {
        "REELFORGE_LEASE_SECONDS": "600",
        "REELFORGE_WORKERS": "2",
        "REELFORGE_SPLIT_PIECES": "2",
        "REELFORGE_POLL_SECONDS": "0.1",
    }
    created = subprocess.run(
        [str(REELFORGE), "users", "create", "eve", "--json"], env=serve.env, capture_output=True, check=True
    )
    serve.start()
    client = Client(f"http://127.0.0.1:{serve.port}", json.loads(created.stdout)["token"], "")
    clip = f"media:{client.upload(media.clip, 'video')['id']}"
    spec = {**long_spec(clip), "output": {"width": 720, "height": 1280, "fps": 30, "preset": "veryfast"}}
    render_id = client.post("/v1/renders", json={"spec": spec}).json()["id"]
    helper = _helper_rendering(timeout=60)
    os.kill(helper, signal.SIGKILL)

    done = client.wait_render(render_id, timeout=300)
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 1  # the render went on: only the piece was rendered again
    rows = pieces(serve.home / "reelforge.db", render_id)
    assert sorted(r["tries"] for r in rows) == [1, 2] and {r["status"] for r in rows} == {"done"}
    assert done["duration"] == pytest.approx(24.0)
    log = (serve.home / "serve.log").read_text()
    assert "queued again: nothing" in log  # the supervisor restarted the dead helper


HELPER_FOLDER = re.compile(rb"/piece-(\d+)-")


def _helper_rendering(timeout: float) -> int:
    """The pid of a worker process rendering a piece for another (its ffmpeg writes into the
    helper's ``piece-<pid>-`` work folder)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for _, cmdline in ffmpeg_cmdlines():
            if found := HELPER_FOLDER.search(cmdline):
                return int(found[1])
        time.sleep(0.05)
    raise AssertionError(f"no worker helped with a piece within {timeout} s")
