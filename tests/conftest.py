"""Shared fixtures: media made by code once per session, the examples, a clean environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from editor.samples import make_demo_media

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


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
    return Path(shutil.copy(EXAMPLES / name, folder / name))


def service_missing(name: str, exc: BaseException) -> None:
    """A real server a test needs is not there: fail under CI (it must run there), skip elsewhere."""
    reason = f"{name} is not reachable ({exc}); start it or run where it runs"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


TINY = {"width": 270, "height": 480, "fps": 30, "preset": "ultrafast"}  # an output that renders in a blink


def run_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``reelforge ARGS`` in a fresh process, as an operator would run it."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=timeout,
    )
