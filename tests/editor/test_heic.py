"""iPhone-style HEIC photos (512x512 HEVC tiles in a grid, an ``irot`` rotation, Display P3 colours)
are stills: probed with their composed size and orientation, rendered upright in BT.709, refused
with a reason when their boxes or tiles are hostile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from api.services.normalize import normalize
from editor import ffmpeg
from editor.errors import MediaError, MediaLimitError
from editor.probe import Limits, probe
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from testkit.heif import write_heic
from testkit.phone_media import patch_image, patch_means
from tests.media import frame_at


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("heic")
    image = patch_image(folder / "patches.png", width=1000, height=700)  # 2x2 tiles, cropped
    write_heic(folder / "turned.heic", image, rotation=90)
    write_heic(folder / "upright.heic", image)
    return folder


def test_a_grid_heic_is_a_still_of_its_composed_turned_size(photos: Path) -> None:
    info = probe(photos / "turned.heic")
    assert info.is_still and info.grid and info.duration == 0.0
    assert (info.width, info.height, info.rotation) == (700, 1000, 90)
    assert (info.colour.color_primaries, info.colour.color_range) == ("smpte432", "pc")
    upright = probe(photos / "upright.heic")
    assert (upright.width, upright.height, upright.rotation) == (1000, 700, 0)


def test_a_heic_renders_upright_in_bt709(photos: Path) -> None:
    spec = parse_spec(
        {
            "output": {"width": 360, "height": 640, "fps": 30, "preset": "ultrafast"},
            "clips": [{"src": "turned.heic", "duration": 1, "fit": "contain"}],
            "audio": {"loudness": None},
        }
    )
    out = render(spec, photos / "out.mp4", resolve=local_resolver(photos)).output
    frame = frame_at(out, 0.5).astype(float)
    # Stored landscape with grey top-left and red bottom-left; turned 90° clockwise, red is top-left.
    top_left, top_right = frame[190:210, 10:30].mean((0, 1)), frame[190:210, 330:350].mean((0, 1))
    assert top_left[0] > 180 and top_left[1] < 40 and top_left[2] < 40, top_left
    assert np.abs(top_right - 128).max() < 6, top_right  # grey stays grey through the P3 mapping
    assert probe(out).colour.color_primaries == "bt709"


def test_the_api_turns_a_heic_upload_into_an_upright_jpeg(photos: Path, tmp_path: Path) -> None:
    done = normalize(photos / "turned.heic", "image", tmp_path, Limits(), timeout=120)
    assert done.ext == "jpg" and done.info is not None
    assert (done.info.width, done.info.height, done.info.rotation) == (700, 1000, 0)
    with Image.open(done.path) as still:
        frame = np.asarray(still.convert("RGB")).astype(float)
    assert frame[20:40, 20:40].mean((0, 1))[0] > 180 and np.abs(frame[20:40, -40:-20].mean() - 128) < 8


def test_hostile_heif_is_refused_with_a_reason(
    photos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (photos / "turned.heic").read_bytes()
    huge = tmp_path / "huge.heic"  # the grid claims 60000x60000 over its four small tiles
    ispe = data.index(b"ispe", data.index(b"ispe") + 4) + 8
    huge.write_bytes(data[:ispe] + (60000).to_bytes(4, "big") * 2 + data[ispe + 8 :])
    with pytest.raises(MediaLimitError, match="60000x60000 is over the frame size limit"):
        probe(huge)
    cut = tmp_path / "cut.heic"  # the meta box says it is longer than the file
    cut.write_bytes(data[: data.index(b"iprp") + 40])
    with pytest.raises(MediaError):
        probe(cut)
    monkeypatch.setattr("editor.probe.MAX_TILES", 3)
    with pytest.raises(MediaLimitError, match="4 tiles is over the limit of 3"):
        probe(photos / "turned.heic")
    monkeypatch.undo()
    with pytest.raises(MediaLimitError, match="over the frame size limit"):
        probe(photos / "upright.heic", Limits(max_width=400))  # each 512-wide tile


@pytest.mark.parametrize(("name", "codec"), [("photo.avif", ["-c:v", "libaom-av1", "-still-picture", "1",
                                                            "-cpu-used", "8"]),
                                            ("photo.webp", ["-c:v", "libwebp", "-q:v", "90"])])  # fmt: skip
def test_avif_and_webp_photos_are_stills_in_bt709(photos: Path, name: str, codec: list[str]) -> None:
    ffmpeg.run([*ffmpeg.input_args(photos / "patches.png"), "-frames:v", "1", *codec, str(photos / name)])
    assert probe(photos / name).is_still
    spec = parse_spec(
        {
            "output": {"width": 360, "height": 640, "fps": 30, "preset": "ultrafast"},
            "clips": [{"src": name, "duration": 1, "fit": "contain"}],
            "audio": {"loudness": None},
        }
    )
    frame = frame_at(render(spec, photos / f"{name}.mp4", resolve=local_resolver(photos)).output, 0.5)
    means = patch_means(frame[194:446].astype(float))  # 1000x700 contained in 360x640: 360x252
    assert np.abs(means["grey"] - 128).max() < 6
    for patch, rgb in (("skin", (224, 172, 140)), ("red", (200, 40, 40))):
        assert np.abs(means[patch] - np.array(rgb)).mean() < 8, (patch, means[patch])
