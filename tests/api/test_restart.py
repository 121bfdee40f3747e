"""`reelforge serve` killed with SIGKILL mid-render: after a restart the render finishes, no
partial output was ever visible, and no ffmpeg outlived its worker."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from editor.ffmpeg import ffmpeg_build
from editor.probe import probe
from tests.api.conftest import Client, Media
from tests.api.procs import ffmpeg_processes

REELFORGE = Path(sys.executable).parent / "reelforge"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Serve:
    def __init__(self, home: Path) -> None:
        self.home, self.port = home, _free_port()
        self.env = {
            **os.environ,
            "REELFORGE_HOME": str(home),
            "REELFORGE_LEASE_SECONDS": "2",
            "REELFORGE_WORKERS": "1",
            "REELFORGE_POLL_SECONDS": "0.2",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(REELFORGE), "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.home / "serve.log", "ab"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError((self.home / "serve.log").read_text()[-2000:])

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture()
def serve(tmp_path: Path) -> Iterator[Serve]:
    process = Serve(tmp_path / "home")
    process.home.mkdir()
    yield process
    process.stop()


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
    assert (serve.home / "serve.log").read_text().count(f"rendering with {ffmpeg_build().describe()}") == 2
    assert done["attempts"] == 2
    output = serve.home / "out.mp4"
    output.write_bytes(httpx.get(done["output_url"]).raise_for_status().content)
    assert probe(output).duration == pytest.approx(6.0, abs=0.5)
    assert len(list(renders_dir.glob("*/renders/*"))) == 1
    assert not list((serve.home / "storage").glob("tmp/renders/*"))
    assert list((serve.home / "work").iterdir()) == []  # the restart swept the dead worker's files
