"""Text end to end: one small render, then the frames show each animation and karaoke word in time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.render import local_resolver, render
from editor.resolve import parse_spec
from tests.media import frame_at

SIZE = {"width": 360, "height": 640, "fps": 30, "preset": "ultrafast"}
VTT = """WEBVTT

00:00:00.000 --> 00:00:02.000
<00:00:00.000>one <00:00:00.600>two <00:00:01.200>three
"""
PLAIN = {"stroke": None, "size": 1.3}


def mask(frame: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 70) -> np.ndarray:
    return np.abs(frame.astype(int) - np.array(rgb)).sum(axis=2) < tolerance


def centre(m: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(m)
    return float(xs.mean()), float(ys.mean())


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("text")
    Image.new("RGB", (360, 640), (90, 90, 90)).save(folder / "grey.png")
    (folder / "words.vtt").write_text(VTT, encoding="utf-8")
    spec = {
        "output": SIZE,
        "clips": [{"src": "grey.png", "duration": 2.0}],
        "overlays": [
            {"type": "text", "text": "SLIDE", "y": 0.12, "color": "#ff0000",
             "animation": {"in": "slide_up", "duration": 0.6}, **PLAIN},
            {"type": "text", "text": "POP", "y": 0.27, "color": "#00ff00",
             "animation": {"in": "pop", "duration": 0.6}, **PLAIN},
            {"type": "text", "text": "FADE", "y": 0.42, "color": "#0000ff",
             "animation": {"in": "fade", "duration": 0.6}, **PLAIN},
            {"type": "text", "text": "TYPEWRITER", "y": 0.55, "color": "#ff00ff", "align": "left",
             "animation": {"in": "typewriter", "duration": 1.0}, **PLAIN},
        ],
        "captions": {"src": "words.vtt", "color": "#ffffff", "highlight": "#ffff00", "y": 0.72, **PLAIN},
        "audio": {"loudness": None},
    }  # fmt: skip
    return render(parse_spec(spec), folder / "text.mp4", resolve=local_resolver(folder)).output


def test_slide_up_rises_into_place(video: Path) -> None:
    early, settled = frame_at(video, 0.15), frame_at(video, 1.5)
    # faint while it fades in; only the top of the frame, where nothing else is red
    red = lambda f: (f[:160, :, 0].astype(int) - f[:160, :, 1].astype(int) > 25) & (f[:160, :, 2] < 120)  # noqa: E731
    y_early, y_settled = centre(red(early))[1], centre(red(settled))[1]
    assert y_settled == pytest.approx(0.12 * 640, abs=8)  # where the spec put it
    assert y_early > y_settled + 5  # still below on its way up


def test_pop_grows_from_small_and_fade_comes_in(video: Path) -> None:
    early, settled = frame_at(video, 0.07), frame_at(video, 1.5)
    assert mask(early, (0, 255, 0)).sum() < 0.5 * mask(settled, (0, 255, 0)).sum()
    assert centre(mask(settled, (0, 255, 0)))[1] == pytest.approx(0.27 * 640, abs=8)
    blue = lambda f: f[250:290, :, 2].astype(int) - f[250:290, :, 0].astype(int)  # noqa: E731
    assert blue(early).max() < 0.6 * blue(settled).max()


def test_the_typewriter_types_from_the_left(video: Path) -> None:
    magenta = [mask(frame_at(video, t), (255, 0, 255)) for t in (0.25, 0.6, 1.5)]
    lefts = [np.nonzero(m.any(axis=0))[0].min() for m in magenta]
    rights = [np.nonzero(m.any(axis=0))[0].max() for m in magenta]
    assert max(lefts) - min(lefts) <= 3  # the first letters stay put
    assert rights[0] < rights[1] < rights[2]


def test_karaoke_highlights_the_spoken_word(video: Path) -> None:
    spans = []
    for t in (0.3, 0.9, 1.5):
        frame = frame_at(video, t)
        lit = mask(frame[400:520], (255, 255, 0), 90)
        rest = mask(frame[400:520], (255, 255, 255), 60)
        assert lit.sum() > 30 and rest.sum() > 30, f"at {t} s"
        columns = np.nonzero(lit.any(axis=0))[0]
        spans.append((columns.min(), columns.max()))
    assert spans[0][1] < spans[1][0] and spans[1][1] < spans[2][0]  # one, then two, then three
