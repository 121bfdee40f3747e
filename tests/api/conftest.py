"""Real parts: uvicorn on 127.0.0.1, moto's S3 server over HTTP, ffmpeg-made media, two users."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import uvicorn
from moto.server import ThreadedMotoServer

from api.core import db
from api.core.auth import create_user
from api.core.config import Settings
from api.main import create_app
from api.services.previews import preview_prefix
from editor.samples import make_clip, make_music, make_photo
from tests.conftest import postgres_database

BUCKET = "reelforge-test"


@dataclass(frozen=True)
class Media:
    clip: Path
    clip2: Path
    music: Path
    photo: Path
    text_as_mp4: Path
    hls_as_mp4: Path


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    root = tmp_path_factory.mktemp("media")
    text = root / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    hls = root / "playlist.mp4"
    hls.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n")
    return Media(
        clip=make_clip(root / "clip.mp4", seconds=1.0, width=320, height=568, fps=24),
        clip2=make_clip(
            root / "clip2.mp4", seconds=1.0, width=320, height=568, fps=24, pattern="smptehdbars", audio=False
        ),
        music=make_music(root / "music.m4a", seconds=2.0),
        photo=make_photo(root / "photo.jpg", width=320, height=240),
        text_as_mp4=text,
        hls_as_mp4=hls,
    )


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database (no migrations applied) of each kind the service runs on."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db.sqlite'}"
        return
    with postgres_database("reelforge_test") as url:
        yield url


def settings_for(home: Path, s3_endpoint: str | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home,
        "workers": 2,
        "lease_seconds": 3.0,
        "poll_seconds": 0.2,
        "webhook_allow_private": True,
        "webhook_backoff": 0.2,
        "requests_per_minute": 100_000,
    }
    if s3_endpoint:
        values |= {
            "storage_url": f"s3://{BUCKET}/{home.name}",
            "s3_endpoint_url": s3_endpoint,
            "s3_access_key_id": "test",
            "s3_secret_access_key": "test",
            "s3_path_style": True,
        }
    return Settings(**(values | overrides))


class Server:
    """A real uvicorn server on 127.0.0.1 running the app in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        db.upgrade(settings.db_url)
        self.app = create_app(settings)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._sock = sock
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    @property
    def services(self) -> Any:
        return self.app.state.services

    def user(self, name: str) -> Client:
        with self.services.sessions() as session:
            user, token = create_user(session, name)
            session.commit()
        return Client(self.url, token, user.id)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=20)
        self._sock.close()


def temporaries(keys: Iterable[str], render_id: str, attempts: int) -> list[str]:
    """The render's temporary objects (``tmp/renders/``) other than its last attempt's preview,
    which stays for ``preview_grace`` after the end for players still on it."""
    kept = preview_prefix(render_id, attempts)
    return [key for key in keys if render_id in key and not key.startswith(kept)]


class Client(httpx.Client):
    def __init__(self, url: str, token: str, user_id: str) -> None:
        super().__init__(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60.0)
        self.token, self.user_id = token, user_id

    def upload(self, path: Path, kind: str, *, size: int | None = None) -> dict[str, Any]:
        """The app's whole upload flow: create, send the bytes where told, complete."""
        data = path.read_bytes()
        created = self.post(
            "/v1/media", json={"kind": kind, "filename": path.name, "size": size or len(data)}
        )
        assert created.status_code == 201, created.text
        send_bytes(created.json()["upload"], data, self)
        done = self.post(f"/v1/media/{created.json()['id']}/complete")
        assert done.status_code == 200, done.text
        result: dict[str, Any] = done.json()
        return result

    def wait_render(
        self, render_id: str, timeout: float = 90.0, until: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        final = until or ("succeeded", "failed", "cancelled")
        while time.monotonic() < deadline:
            body: dict[str, Any] = self.get(f"/v1/renders/{render_id}").json()
            if body["status"] in final:
                return body
            time.sleep(0.2)
        raise AssertionError(f"render {render_id} still {body['status']} after {timeout} s")


def send_bytes(upload: dict[str, Any], data: bytes, api: httpx.Client) -> httpx.Response:
    """Follow the upload instructions exactly as a phone would (plain httpx, no boto)."""
    if upload["method"] == "POST":
        response = httpx.post(upload["url"], data=upload["fields"], files={"file": ("upload", data)})
    elif upload["url"].startswith(str(api.base_url).rstrip("/")):
        response = api.put(upload["url"], content=data, headers=upload["headers"])
    else:
        response = httpx.put(upload["url"], content=data, headers=upload["headers"])
    assert response.status_code < 300, response.text
    return response


@pytest.fixture(scope="module")
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def make(s3_endpoint: str | None = None, **overrides: Any) -> Server:
        home = tmp_path_factory.mktemp("home")
        server = Server(settings_for(home, s3_endpoint, **overrides))
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="module", params=["local", "s3"])
def server(request: pytest.FixtureRequest, server_factory: Callable[..., Server]) -> Server:
    if request.param == "s3":
        return server_factory(request.getfixturevalue("s3_endpoint"))
    return server_factory()


@pytest.fixture(scope="module")
def alice(server: Server) -> Iterator[Client]:
    with server.user("alice") as client:
        yield client


@pytest.fixture(scope="module")
def bob(server: Server) -> Iterator[Client]:
    with server.user("bob") as client:
        yield client


REELFORGE = Path(sys.executable).parent / "reelforge"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Serve:
    """`reelforge serve` in a process of its own, with its own data home."""

    def __init__(self, home: Path) -> None:
        self.home, self.port = home, free_port()
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
