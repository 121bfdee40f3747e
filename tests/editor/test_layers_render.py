"""Layers rendered for real at 270x480: each region's pixels come from the right source at the right
time (z order, opacity, rounded corners, a mid-clip start, a still, a held last frame, clipping, an
effect running in the layer's own time)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.probe import probe
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from testkit.clips import solid_clip
from tests.conftest import TINY
from tests.media import frame_at

RED, GREEN, BLUE, WHITE, BLACK, YELLOW = (
    (220, 30, 30),
    (30, 200, 30),
    (30, 30, 220),
    (255, 255, 255),
    (0, 0, 0),
    (230, 220, 20),
)


def still(path: Path, rgb: tuple[int, int, int]) -> str:
    Image.new("RGB", (64, 64), rgb).save(path)
    return path.name


def mean(frame: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The mean colour of a region given in fractions (x, y, w, h), a margin inside its edges."""
    h, w, _ = frame.shape
    x, y, bw, bh = box
    x0, y0 = int((x + bw * 0.2) * w), int((y + bh * 0.2) * h)
    x1, y1 = int((x + bw * 0.8) * w), int((y + bh * 0.8) * h)
    return frame[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0)


def near(actual: np.ndarray, expected: tuple[int, int, int], tol: float = 30) -> bool:
    return bool(np.abs(actual - np.array(expected)).max() <= tol)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layers")
    solid_clip(root / "red.mp4", RED, size=(160, 284))
    solid_clip(root / "green.mp4", GREEN, size=(160, 284))
    solid_clip(root / "blue_short.mp4", BLUE, seconds=0.5, size=(160, 284))
    solid_clip(root / "black.mp4", BLACK, size=(160, 284))
    still(root / "yellow.png", YELLOW)
    still(root / "white.png", WHITE)
    return root


def run(folder: Path, spec: dict[str, object], name: str) -> Path:
    data = {"output": TINY, "audio": {"loudness": None}, **spec}
    return render(parse_spec(data), folder / name, resolve=local_resolver(folder)).output


A = (0.05, 0.05, 0.5, 0.3)  # overlapping boxes: the overlap is x 0.3-0.55, y 0.2-0.35
B = (0.3, 0.2, 0.5, 0.3)


def box(x: float, y: float, w: float, h: float) -> dict[str, float]:
    return {"x": x, "y": y, "w": w, "h": h}


def test_z_order_mid_clip_start_still_hold_and_clipping(folder: Path) -> None:
    out = run(
        folder,
        {
            "clips": [{"src": "red.mp4"}],
            "layers": [
                {"src": "green.mp4", "box": box(*A), "z": 3},  # listed first, drawn last
                {"src": "yellow.png", "box": box(*B), "z": 2},  # a still
                {"src": "white.png", "box": box(0.6, 0.05, 0.3, 0.1), "z": -1},  # under the clip: hidden
                {"src": "blue_short.mp4", "box": box(0.1, 0.65, 0.4, 0.2), "start": 1.0, "end": 30},
            ],
        },
        "z.mp4",
    )
    assert probe(out).duration == pytest.approx(2.0, abs=0.07)  # the 30 s layer is clipped
    early, late = frame_at(out, 0.5), frame_at(out, 1.8)
    overlap = (0.32, 0.22, 0.2, 0.1)
    assert near(mean(early, overlap), GREEN)  # z 3 over z 2
    assert near(mean(early, (0.6, 0.32, 0.18, 0.15)), YELLOW)  # the still where only it is
    assert near(mean(early, (0.6, 0.05, 0.3, 0.1)), RED)  # the z -1 layer is under the clip
    blue_box = (0.1, 0.65, 0.4, 0.2)
    assert near(mean(early, blue_box), RED)  # before its start
    # started at 1.0 s; its 0.5 s ran out at 1.5 s and its last frame is held
    assert near(mean(late, blue_box), BLUE)
    assert near(mean(late, overlap), GREEN)


def test_opacity_and_rounded_corners(folder: Path) -> None:
    out = run(
        folder,
        {
            "clips": [{"src": "black.mp4"}],
            "layers": [
                {"src": "white.png", "box": box(0.0, 0.0, 0.5, 0.5), "opacity": 0.5},
                {"src": "green.mp4", "box": box(0.5, 0.5, 0.5, 0.5), "radius": 0.2},
                {  # a still from 0.5 s, fading in over 1 s of its own time
                    "src": "white.png",
                    "box": box(0.0, 0.75, 0.4, 0.2),
                    "start": 0.5,
                    "effects": [{"type": "fade_in", "duration": 1.0}],
                },
            ],
        },
        "shape.mp4",
    )
    fading = [mean(frame_at(out, t), (0.0, 0.75, 0.4, 0.2)).mean() for t in (0.25, 1.0, 1.75)]
    assert fading[0] < 20 and 80 < fading[1] < 180 and fading[2] > 235
    frame = frame_at(out, 1.0).astype(float)
    half = mean(frame, (0.0, 0.0, 0.5, 0.5))
    assert 100 < half.mean() < 155  # white at half opacity over black
    h, w, _ = frame.shape
    corner = frame[h // 2 + 3, w // 2 + 3]  # the rounded-off corner of the green box shows black
    centre = frame[3 * h // 4, 3 * w // 4]
    edge_middle = frame[h // 2 + 3, 3 * w // 4]  # the middle of its top edge is not rounded
    assert near(corner, BLACK, 25)
    assert near(centre, GREEN) and near(edge_middle, GREEN, 40)
