"""One ffmpeg: the Docker image renders with the build the suite runs (the pinned wheel's static
ffmpeg), never with one found on PATH, and the image holds what the wheels need to load.

There is no Docker engine here, so the Dockerfile is read as data: what it installs and sets."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import cv2
import pytest

from editor.ffmpeg import ffmpeg_build, wheel_ffmpeg
from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
RESOLVE = "import json; from editor.ffmpeg import ffmpeg_build; print(json.dumps(ffmpeg_build().to_json()))"
# In every Debian image, slim ones too (apt itself needs them): the rest must be installed.
DEBIAN_BASE = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}
DPKG = Path("/var/lib/dpkg")


def instructions(name: str) -> list[str]:
    """The arguments of every ``name`` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(f"{name} ")]


def image_env() -> dict[str, str]:
    pairs = [re.findall(r"(\w+)=(\S+)", args) for args in instructions("ENV")]
    return {key: value for found in pairs for key, value in found}


def apt_packages() -> set[str]:
    installs = [re.search(r"apt-get install ([^&]*)", run) for run in instructions("RUN")]
    return {word for m in installs if m for word in m.group(1).split() if not word.startswith("-")}


def resolve_in(env: dict[str, str], cwd: Path) -> dict[str, str]:
    """Which ffmpeg the engine picks in a fresh process with exactly ``env``."""
    done = subprocess.run(
        [sys.executable, "-c", RESOLVE], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


@pytest.fixture
def decoy(tmp_path: Path) -> Path:
    """A folder whose ``ffmpeg`` answers like another build: the engine must not pick it up."""
    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024'\n")
    fake.chmod(0o755)
    return fake


def test_the_image_renders_with_the_ffmpeg_the_suite_runs(decoy: Path, tmp_path: Path) -> None:
    env = image_env()
    assert "REELFORGE_FFMPEG" not in env and "IMAGEIO_FFMPEG_EXE" not in env, env
    assert "ffmpeg" not in apt_packages()
    # The image installs this project, so it gets the pinned wheel: the version installed here.
    assert any(re.match(r'pip install "?\.(\[|"|$)', run) for run in instructions("RUN")), DOCKERFILE
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"imageio-ffmpeg=={importlib.metadata.version('imageio-ffmpeg')}" in pins

    path = f"{decoy.parent}:/usr/local/bin:/usr/bin:/bin"  # a system ffmpeg first on PATH, as in a distro
    in_image = resolve_in({**env, "PATH": path, "PYTHONPATH": str(ROOT)}, tmp_path)
    suite = ffmpeg_build()
    assert in_image["path"] == suite.path == str(wheel_ffmpeg())
    assert in_image["origin"] == suite.origin == "imageio-ffmpeg wheel"
    assert in_image["version"] == suite.version
    assert re.match(r"n?\d+\.\d+", suite.version), suite.version


def test_an_operator_override_is_the_only_way_to_another_ffmpeg(decoy: Path, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "REELFORGE_FFMPEG": str(decoy)}
    chosen = resolve_in(env, tmp_path)
    assert chosen == {"path": str(decoy), "origin": "REELFORGE_FFMPEG", "version": "5.1.6-0+deb12u1"}


def debian_packages(binary: Path) -> set[str]:
    """The Debian packages holding the system libraries ``binary`` loads (its wheel bundles the rest)."""
    lines = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    system = {Path(m).name for m in re.findall(r"=> (/\S+)", lines) if "site-packages" not in m}
    return {  # merged /usr: a package lists /lib/... or /usr/lib/..., so match by file name
        listing.stem.split(":")[0]
        for listing in DPKG.joinpath("info").glob("*.list")
        if system & {Path(line).name for line in listing.read_text().splitlines()}
    }


def with_dependencies(packages: set[str]) -> set[str]:
    """``packages`` and everything they depend on, from the dpkg status file."""
    depends: dict[str, list[str]] = {}
    for entry in DPKG.joinpath("status").read_text().split("\n\n"):
        fields = dict(re.findall(r"^([\w-]+): (.*)$", entry, re.MULTILINE))
        wanted = ",".join(filter(None, (fields.get("Depends"), fields.get("Pre-Depends"))))
        names = [re.split(r"[\s:(]", alt.strip())[0] for alt in re.split(r"[,|]", wanted) if alt.strip()]
        depends[fields.get("Package", "")] = names
    seen: set[str] = set()
    todo = list(packages)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += depends.get(name, [])
    return seen


@pytest.mark.skipif(not DPKG.is_dir(), reason="reads the Debian package database")
def test_the_image_installs_the_system_libraries_opencv_loads() -> None:
    # The apt ffmpeg used to bring libGL and GLib along; OpenCV's wheel (MediaPipe's) links both.
    needed = debian_packages(Path(cv2.__file__).parent / "cv2.abi3.so")
    assert needed, "ldd found no system library at all"
    missing = needed - with_dependencies(DEBIAN_BASE | apt_packages())
    assert not missing, f"the Dockerfile must apt-get install {sorted(missing)}"


def test_the_image_copies_every_shipped_package() -> None:
    shipped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    copied = {args.split()[0] for args in instructions("COPY")}
    assert {name.rstrip("*") for name in shipped["include"]} <= copied, copied
    assert os.path.basename(instructions("CMD")[-1].split(",")[0].strip('["')) == "reelforge"


def test_text_needs_no_system_fonts() -> None:
    """The image installs no fonts and no fontconfig: drawtext reads the packaged font file only."""
    font = ROOT / "presets" / "fonts" / "DejaVuSans-Bold.ttf"
    draw = f"drawtext=fontfile={font}:text=X:fontsize=60:fontcolor=white:x=50:y=10"
    argv = [
        ffmpeg_build().path,
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        "color=black:s=160x90:d=0.04",
        "-vf",
        draw,
    ]
    nowhere = {"PATH": "/nonexistent", "FONTCONFIG_FILE": "/nonexistent", "FONTCONFIG_PATH": "/nonexistent"}
    done = subprocess.run(
        [*argv, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"], env=nowhere, capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()
    assert sum(value > 200 for value in done.stdout) > 300  # the glyph is drawn
