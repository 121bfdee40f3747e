"""`reelforge serve` killed with SIGKILL mid-render: after a restart the render finishes, no
partial output was ever visible, and no ffmpeg outlived its worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from editor.ffmpeg import ffmpeg_build
from editor.probe import probe
from tests.api.conftest import REELFORGE, Client, Media, Serve, temporaries
from tests.api.procs import ffmpeg_processes


def test_kill_9_mid_render_then_restart(serve: Serve, media: Media) -> None:
    created = subprocess.run(
        [str(REELFORGE), "users", "create", "dana", "--json"], env=serve.env, capture_output=True, check=True
    )
    token = json.loads(created.stdout)["token"]
    serve.start()
    client = Client(f"http://127.0.0.1:{serve.port}", token, "")
    clip = f"media:{client.upload(media.clip, 'video')['id']}"
    spec = {
        "output": {"width": 720, "height": 1280, "fps": 30, "preset": "veryfast"},
        "clips": [{"src": clip}] * 6,
    }
    render = client.post("/v1/renders", json={"spec": spec}).json()
    client.wait_render(render["id"], until=("running",))
    deadline = time.monotonic() + 20
    while not ffmpeg_processes(serve.home) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ffmpeg_processes(serve.home), "ffmpeg should be rendering"

    serve.kill()
    deadline = time.monotonic() + 5
    while ffmpeg_processes(serve.home) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ffmpeg_processes(serve.home) == []  # died with its worker
    renders_dir = serve.home / "storage" / "users"
    assert list(renders_dir.glob("*/renders/*")) == []  # nothing partial was published
    assert any((serve.home / "work").iterdir())  # the dead worker's scratch files are still there

    serve.start()
    client = Client(f"http://127.0.0.1:{serve.port}", token, "")
    done = client.wait_render(render["id"], timeout=120)
    assert done["status"] == "succeeded", done
    # the version, not the path: a symlinked venv reports another path to each process
    started = f"rendering with ffmpeg {ffmpeg_build().version} "
    assert (serve.home / "serve.log").read_text().count(started) == 2
    assert done["attempts"] == 2
    output = serve.home / "out.mp4"
    output.write_bytes(httpx.get(done["output_url"]).raise_for_status().content)
    assert probe(output).duration == pytest.approx(6.0, abs=0.5)
    assert len(list(renders_dir.glob("*/renders/*"))) == 1
    storage = serve.home / "storage"
    stored = [p.relative_to(storage).as_posix() for p in storage.glob("tmp/renders/**/*") if p.is_file()]
    assert temporaries(stored, done["id"], done["attempts"]) == []  # the first attempt's preview too
    assert list((serve.home / "work").iterdir()) == []  # the restart swept the dead worker's files


def _children(parent: int, module: str) -> list[int]:
    """Live children of ``parent`` running ``python -m <module>``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            stat = (proc / "stat").read_text().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        if module.encode() in cmdline and int(stat[1]) == parent and stat[0] != "Z":
            found.append(int(proc.name))
    return found


def test_a_worker_process_killed_mid_render_is_restarted_and_its_job_finishes(
    serve: Serve, media: Media
) -> None:
    # A lease far longer than the test: the render can only come back through the supervisor
    # noticing the death, not through its lease running out.
    serve.env |= {"REELFORGE_LEASE_SECONDS": "600", "REELFORGE_WORKERS": "2"}
    created = subprocess.run(
        [str(REELFORGE), "users", "create", "eve", "--json"], env=serve.env, capture_output=True, check=True
    )
    serve.start()
    assert serve.proc is not None
    client = Client(f"http://127.0.0.1:{serve.port}", json.loads(created.stdout)["token"], "")
    clip = f"media:{client.upload(media.clip, 'video')['id']}"
    long_spec = {
        "output": {"width": 720, "height": 1280, "fps": 30, "preset": "veryfast"},
        "clips": [{"src": clip}] * 6,
    }
    victim = client.post("/v1/renders", json={"spec": long_spec}).json()["id"]
    running = client.wait_render(victim, until=("running",))
    assert running["attempts"] == 1
    workers = _children(serve.proc.pid, "api.jobs.render_process")
    assert len(workers) == 2
    deadline = time.monotonic() + 20
    while not any(_renders(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    (renderer,) = [w for w in workers if _renders(w)]
    short_spec = {**long_spec, "clips": [{"src": clip}]}
    bystander = client.post("/v1/renders", json={"spec": short_spec}).json()["id"]

    os.kill(renderer, signal.SIGKILL)
    done = client.wait_render(victim, timeout=120)
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2  # the killed run, then one more: never two at once
    other = client.wait_render(bystander, timeout=120)
    assert (other["status"], other["attempts"]) == ("succeeded", 1)
    after = _children(serve.proc.pid, "api.jobs.render_process")
    assert len(after) == 2 and renderer not in after  # restarted
    output = serve.home / "out.mp4"
    output.write_bytes(httpx.get(done["output_url"]).raise_for_status().content)
    assert probe(output).duration == pytest.approx(6.0, abs=0.5)
    assert len(list((serve.home / "storage" / "users").glob("*/renders/*"))) == 2  # one per render
    log = (serve.home / "serve.log").read_text()
    assert log.count(f"queued again: {victim}") == 1


def _renders(pid: int) -> bool:
    """Whether process ``pid`` has an ffmpeg child (it is the one rendering)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        if "(ffmpeg" in stat and int(stat.rsplit(") ", 1)[1].split()[1]) == pid:
            return True
    return False
