"""Shared fixtures: media made by code once per session, the examples, a clean environment."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from editor.samples import make_demo_media

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCREENSHOTS = ROOT / "out" / "studio"  # the browser tests' artefacts (git-ignored)
STARTED = time.time()
SLOW = ("scale",)  # folders whose tests run clusters of processes: marked slow, run one at a time


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``make test`` runs everything on every core (pytest-xdist); ``make test-fast`` skips the slow
    end. Tests that start clusters share one xdist group, so they never compete with each other."""
    for item in items:
        folder = Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0]
        if folder in SLOW:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group(folder))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where this run's screenshots are (here, since xdist's controller loads only this conftest)."""
    if SCREENSHOTS.is_dir() and any(p.stat().st_mtime >= STARTED for p in SCREENSHOTS.rglob("*.png")):
        terminalreporter.write_line(f"studio screenshots: {SCREENSHOTS}")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small versions of the demo media (a.mp4, b.mov, c.mp4 rotated, d.mp4 silent, photos, music)."""
    folder = tmp_path_factory.mktemp("demo")
    make_demo_media(folder, small=True)
    return folder


@pytest.fixture
def workdir(demo_dir: Path, tmp_path: Path) -> Path:
    """A fresh folder holding links to the demo media, for specs and outputs of one test."""
    for item in demo_dir.iterdir():
        (tmp_path / item.name).symlink_to(item)
    (tmp_path / "media").symlink_to(demo_dir)  # the examples' layout: media/ beside the spec
    return tmp_path


def write_spec(folder: Path, spec: dict[str, object], name: str = "spec.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(spec))
    return path


def copy_example(name: str, folder: Path) -> Path:
    for captions in [*EXAMPLES.glob("*.vtt"), *EXAMPLES.glob("*.srt")]:  # files the examples name
        shutil.copy(captions, folder / captions.name)
    return Path(shutil.copy(EXAMPLES / name, folder / name))


def service_missing(name: str, exc: BaseException) -> None:
    """A real server a test needs is not there: fail under CI (it must run there), skip elsewhere."""
    reason = f"{name} is not reachable ({exc}); start it or run where it runs"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30.0, every: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@contextlib.contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (127.0.0.1, trust auth), dropped afterwards; its URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = "host=127.0.0.1 dbname=test user=postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        service_missing("PostgreSQL", exc)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


TINY = {"width": 270, "height": 480, "fps": 30, "preset": "ultrafast"}  # an output that renders in a blink


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of an operator's shell: no REELFORGE_* settings unless given."""
    return {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **extra}


def run_cli(
    *args: str, cwd: Path, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``reelforge ARGS`` in a fresh process, as an operator would run it."""
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=cli_env(**(env or {})),
        timeout=timeout,
    )
