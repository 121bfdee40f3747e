"""The background effect on real photos: replace and blur change the background, keep the person."""

from __future__ import annotations

from collections.abc import Collection
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from editor.errors import ReelForgeError, SpecError
from editor.face.matte import write_matte
from editor.face.scene import Kind, MediaPipeModels, Scene, analyse_scene
from editor.face.tracking import AnalysisParams
from editor.probe import probe
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from testkit import look_media
from tests.media import frame_at

SIZE = 512
GREEN = np.array([0, 255, 0], np.float64)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("background")
    look_media.still_clip(root / "astronaut.mp4", "astronaut", seconds=1.5, size=SIZE)
    look_media.photo("grace_hopper", root)
    (root / "notes.txt").write_text("not a picture\n")
    return root


@pytest.fixture(scope="module")
def regions(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """(surely person, surely background) pixel masks, from the real segmentation of the clip."""
    clip = folder / "astronaut.mp4"
    scene = analyse_scene(
        clip, probe(clip), {"matte"}, start=0, end=1.5, cache_dir=folder / "home" / "cache" / "faces"
    )
    matte = cv2.resize(scene.get("matte").points[3], (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)
    kernel = np.ones((15, 15), np.uint8)
    person = cv2.erode((matte > 230).astype(np.uint8), kernel) > 0
    background = cv2.erode((matte < 25).astype(np.uint8), kernel) > 0
    assert person.mean() > 0.2 and background.mean() > 0.1
    return person, background


def rendered(folder: Path, effect: dict[str, Any], name: str) -> np.ndarray:
    spec = parse_spec(
        {"output": {"width": SIZE, "height": SIZE}, "clips": [{"src": "astronaut.mp4", "effects": [effect]}]}
    )
    out = folder / f"{name}.mp4"
    render(spec, out, resolve=local_resolver(folder), home=folder / "home")
    return frame_at(out, 0.8).astype(np.float64)


def test_replace_with_a_colour_keeps_the_person(folder: Path, regions: tuple[np.ndarray, np.ndarray]) -> None:
    person, background = regions
    before = frame_at(folder / "astronaut.mp4", 0.8).astype(np.float64)
    after = rendered(folder, {"type": "background", "mode": "replace", "color": "#00ff00"}, "green")
    assert np.abs(after[person] - before[person]).mean() < 6
    gap_before = np.linalg.norm(before[background] - GREEN, axis=-1).mean()
    gap_after = np.linalg.norm(after[background] - GREEN, axis=-1).mean()
    assert gap_after < 0.1 * gap_before


def test_replace_with_a_photo_moves_the_background_to_it(
    folder: Path, regions: tuple[np.ndarray, np.ndarray]
) -> None:
    person, background = regions
    before = frame_at(folder / "astronaut.mp4", 0.8).astype(np.float64)
    after = rendered(folder, {"type": "background", "mode": "replace", "src": "grace_hopper.png"}, "photo")
    # The photo, cover-fitted to the square frame, as ffmpeg's scale+crop does it (to a few levels).
    from PIL import Image

    img = Image.open(folder / "grace_hopper.png").convert("RGB")
    side = img.width
    top = (img.height - side) // 2
    target = np.asarray(img.crop((0, top, side, top + side)).resize((SIZE, SIZE))).astype(np.float64)
    assert np.abs(after[person] - before[person]).mean() < 6
    assert (
        np.abs(after[background] - target[background]).mean()
        < 0.25 * np.abs(before - target)[background].mean()
    )


def test_blur_softens_the_background_only(folder: Path, regions: tuple[np.ndarray, np.ndarray]) -> None:
    person, background = regions
    before = frame_at(folder / "astronaut.mp4", 0.8)
    after = rendered(folder, {"type": "background", "mode": "blur", "strength": 1.0}, "blur").astype(np.uint8)

    def detail(img: np.ndarray, where: np.ndarray) -> float:
        lap = cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float64), cv2.CV_64F)
        return float(np.abs(lap[where]).mean())

    assert detail(after, background) < 0.35 * detail(before, background)
    assert detail(after, person) > 0.8 * detail(before, person)


def test_matte_is_stable_on_a_still_subject(folder: Path, tmp_path: Path) -> None:
    clip = look_media.still_clip(tmp_path / "grainy.mp4", "astronaut", seconds=2.0, size=SIZE, noise=14)
    scene = analyse_scene(clip, probe(clip), {"matte"}, start=0, end=2.0, cache_dir=tmp_path / "cache")
    raw = scene.get("matte").points.astype(np.float64) / 255
    raw_change = float(np.abs(np.diff(raw, axis=0)).mean())
    times = np.arange(60) / 30
    change = write_matte(tmp_path / "m.mkv", scene.get("matte"), scene.rate, times, Fraction(30), None)
    assert raw_change > 0  # the grain does move the raw segmentation
    assert change < 0.5 * raw_change / 2  # per frame (twice the samples' rate): less than half as jumpy


def test_one_decode_pass_serves_every_kind_and_is_cached(folder: Path, tmp_path: Path) -> None:
    clip = folder / "astronaut.mp4"
    info = probe(clip)
    runs: list[tuple[str, ...]] = []
    calls: dict[str, int] = {}

    class Counting(MediaPipeModels):
        def __init__(self, kinds: Collection[Kind], params: AnalysisParams) -> None:
            runs.append(tuple(kinds))
            super().__init__(kinds, params)

        def run(self, kind: Kind, rgb: np.ndarray) -> np.ndarray:
            calls[kind] = calls.get(kind, 0) + 1
            return super().run(kind, rgb)

    def scene(kinds: set[Kind]) -> Scene:
        return analyse_scene(clip, info, kinds, start=0, end=1.5, cache_dir=tmp_path, factory=Counting)

    first = scene({"matte", "mesh"})
    samples = len(first.get("matte").indices)
    assert runs == [("mesh", "matte")] and calls == {"mesh": samples, "matte": samples}
    assert first.analysed_now == samples and int(first.get("mesh").counts.min()) == 1
    more = scene({"matte", "mesh", "hands"})  # only the new kind runs, in one more pass
    assert runs[1] == ("hands",) and calls["hands"] == samples and calls["mesh"] == samples
    assert scene({"hands", "matte"}).analysed_now == 0 and len(runs) == 2
    assert np.array_equal(more.get("matte").points, first.get("matte").points)


def test_green_screen_puts_the_borrowed_video_behind_the_person(
    folder: Path, regions: tuple[np.ndarray, np.ndarray]
) -> None:
    from testkit.clips import solid_clip

    person, background = regions
    solid_clip(folder / "red.mp4", (220, 30, 30), seconds=2.0, size=(270, 480), tone=440.0)
    spec = parse_spec(
        {
            "output": {"width": SIZE, "height": SIZE},
            "clips": [{"src": "astronaut.mp4"}],
            "layout": {"type": "green_screen", "with": "red.mp4"},
        }
    )
    out = folder / "green_screen.mp4"
    render(spec, out, resolve=local_resolver(folder), home=folder / "home")
    before = frame_at(folder / "astronaut.mp4", 0.8).astype(np.float64)
    after = frame_at(out, 0.8).astype(np.float64)
    assert np.abs(after[person] - before[person]).mean() < 6
    assert np.abs(after[background] - (220, 30, 30)).mean() < 12
    assert probe(out).has_audio  # the borrowed video's sound, from its silent layer


def test_a_longer_background_video_ends_with_its_clip(folder: Path) -> None:
    """The next clip starts on time: a 3 s background behind a 1.5 s clip does not stretch it."""
    from testkit.clips import solid_clip

    solid_clip(folder / "long_red.mp4", (220, 30, 30), seconds=3.0, size=(270, 480))
    solid_clip(folder / "blue.mp4", (30, 30, 220), seconds=1.0, size=(SIZE, SIZE))
    effect = {"type": "background", "mode": "replace", "src": "long_red.mp4"}
    spec = parse_spec(
        {
            "output": {"width": SIZE, "height": SIZE},
            "clips": [{"src": "astronaut.mp4", "effects": [effect]}, {"src": "blue.mp4"}],
        }
    )
    out = folder / "two_clips.mp4"
    render(spec, out, resolve=local_resolver(folder), home=folder / "home")
    assert abs(probe(out).duration - 2.5) < 0.1
    assert np.abs(frame_at(out, 1.7).astype(np.float64) - (30, 30, 220)).mean() < 12


def test_bad_backgrounds_are_spec_errors(folder: Path) -> None:
    with pytest.raises(SpecError, match="exactly one of 'src'"):
        parse_spec({"clips": [{"src": "a.mp4", "effects": [{"type": "background", "mode": "replace"}]}]})
    with pytest.raises(SpecError, match="for mode 'replace'"):
        parse_spec({"clips": [{"src": "a.mp4", "effects": [{"type": "background", "color": "#000000"}]}]})
    with pytest.raises(SpecError, match=r"effects\[0\]: 'background' works on a clip's picture"):
        parse_spec({"clips": [{"src": "a.mp4"}], "effects": [{"type": "background"}]})
    with pytest.raises(SpecError, match="unknown effect 'backgrond'; did you mean 'background'"):
        parse_spec({"clips": [{"src": "a.mp4", "effects": [{"type": "backgrond"}]}]})
    spec = parse_spec(
        {
            "clips": [
                {
                    "src": "astronaut.mp4",
                    "effects": [{"type": "background", "mode": "replace", "src": "notes.txt"}],
                }
            ]
        }
    )
    with pytest.raises(ReelForgeError) as info:
        render(spec, folder / "bad.mp4", resolve=local_resolver(folder), home=folder / "home")
    assert info.value.message.startswith("clips[0].effects[0].src:")
