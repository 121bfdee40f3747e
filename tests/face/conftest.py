"""Fixtures for the face suite: real-face clips made from the astronaut photo, and a tiny renderer
that runs ``face_filters`` in its own ffmpeg command (independent of the planner)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from editor import ffmpeg
from editor.face import PreparedFaces, face_filters, prepare_faces
from editor.face.tracking import FaceDetector, MediaPipeDetector
from editor.plan.graph import Graph, Input
from editor.probe import MediaInfo, probe
from testkit import face_media as media

W, H = 360, 640


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("face_clips")
    return {
        "moving": media.write_clip(
            root / "moving.mp4", media.moving_face(W, H), width=W, height=H, seconds=3
        ),
        "two": media.write_clip(root / "two.mp4", media.two_faces(W, H), width=W, height=H, seconds=2),
        "entering": media.write_clip(
            root / "entering.mp4", media.entering_face(W, H, 1.5), width=W, height=H, seconds=3
        ),
        "static": media.write_clip(
            root / "static.mp4", media.static_face(W, H), width=W, height=H, seconds=2.2, noise=6.0
        ),
    }


@pytest.fixture(scope="session")
def face_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One analysis cache for the session: each clip is analysed by MediaPipe once."""
    return tmp_path_factory.mktemp("face_cache")


class CountingFactory:
    """The real MediaPipe detector, counting frames it is asked to analyse (the cache-hit evidence)."""

    def __init__(self) -> None:
        self.frames = 0
        self.runs = 0

    def __call__(self, max_faces: int) -> FaceDetector:
        self.runs += 1
        outer = self
        real = MediaPipeDetector(max_faces)

        class Counting:
            def detect(self, rgb: np.ndarray) -> list[np.ndarray]:
                outer.frames += 1
                return real.detect(rgb)

            def close(self) -> None:
                real.close()

        return Counting()


@pytest.fixture
def prepare(face_cache: Path, tmp_path: Path) -> Callable[..., tuple[PreparedFaces, MediaInfo]]:
    def run(
        clip: Path,
        effects: list[object],
        *,
        start: float = 0.0,
        end: float | None = None,
        cache_dir: Path | None = None,
        **kw: Any,
    ) -> tuple[PreparedFaces, MediaInfo]:
        info = probe(clip)
        prepared = prepare_faces(
            clip,
            info,
            effects,
            start=start,
            end=info.duration if end is None else end,
            work_dir=tmp_path / "work",
            cache_dir=cache_dir or face_cache,
            tag="c0_",
            **kw,
        )
        return prepared, info

    return run


def render_frames(
    clip: Path,
    info: MediaInfo,
    prepared: PreparedFaces | None,
    *,
    start: float = 0.0,
    duration: float | None = None,
) -> np.ndarray:
    """Decoded RGB frames of ``clip`` with the face layers (or without, when ``prepared`` is None)."""
    g = Graph()
    before: tuple[str, ...] = ("-ss", str(start)) if start else ()
    if duration is not None:
        before += ("-t", str(duration))
    idx = g.add_input(Input(clip, options=before))
    src = g.chain([f"{idx}:v"], ["setpts=PTS-STARTPTS"], "src")
    out = face_filters(prepared, g, src, width=info.width, height=info.height) if prepared else src
    args: list[str] = []
    for inp in g.inputs:
        args += ffmpeg.input_args(inp.path, demuxer=inp.demuxer, before=inp.options)
    args += [
        "-filter_complex",
        g.render(),
        "-map",
        f"[{out}]",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:1",
    ]
    raw = ffmpeg.capture(args)
    return np.frombuffer(raw, np.uint8).reshape(-1, info.height, info.width, 3)


@pytest.fixture
def green_png(tmp_path: Path) -> Path:
    """A solid green RGBA sticker: its centre (the user-asset anchor) is easy to find in frames."""
    from PIL import Image

    path = tmp_path / "assets" / "green.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGBA", (100, 40), (0, 255, 0, 255)).save(path)
    return path


def green_centroids(frame: np.ndarray) -> np.ndarray:
    return (frame[:, :, 1] > 200) & (frame[:, :, 0] < 70) & (frame[:, :, 2] < 70)
