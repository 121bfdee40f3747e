"""The colour contract: every output is yuv420p, tv range, BT.709 tagged in stream and container;
HDR (PQ, HLG) is tone-mapped to look like its SDR source; JPEG stills are converted, not copied.

Thresholds are in 8-bit levels (0-255) of patch means. The tone curve keeps everything below half
of SDR white (linear light) as it is, so grey, foliage and red come back within a few levels of
their SDR source (HEVC/H.264 round trips alone move them 1-3 levels); brighter colours are
compressed by design (mobius rolls off towards the HDR peak), so they get wider bounds. An HDR clip passed
through without tone mapping misses by 30-60 levels and loses half its saturation: the tests
check that too, so they fail when the conversion is skipped.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from editor import ffmpeg
from editor.errors import MediaError
from editor.plan.colour import TAGS, input_filters, to_contract
from editor.probe import probe
from editor.probe_colour import Colour, with_dolby_vision
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from testkit.phone_media import (
    add_dolby_vision,
    hdr_clip,
    jpeg_still,
    patch_image,
    patch_means,
    saturation,
    sdr_clip,
)
from tests.media import frame_at

SMALL = {"width": 360, "height": 640, "fps": 30, "preset": "ultrafast", "crf": 12}
# Mean absolute difference per patch. Grey, foliage and red sit below the knee of the curve;
# skin (R 224) and sky (B 230) above it, so they are compressed a little; white the most.
CLOSE = {"grey": 5.0, "skin": 12.0, "sky": 12.0, "foliage": 5.0, "red": 5.0, "white": 25.0}

PQ = Colour("bt2020", "smpte2084", "bt2020nc", "tv", 10, "pq", None, 1000.0)
HLG = Colour("bt2020", "arib-std-b67", "bt2020nc", "tv", 10, "hlg")


# -- planning, as data ---------------------------------------------------------------------------


def test_pq_is_linearised_gamut_mapped_tone_mapped_to_its_peak_and_tagged() -> None:
    assert to_contract(PQ) == [
        "zscale=tin=smpte2084:pin=bt2020:min=bt2020nc:rin=tv:t=linear:npl=203:p=bt709",
        "format=gbrpf32le",
        "tonemap=mobius:param=0.5:desat=0:peak=4.9261",
        "zscale=t=bt709:m=bt709:r=tv",
        "format=yuv420p",
        TAGS,
    ]
    brighter = Colour(**{**PQ.__dict__, "peak_luminance": 4000.0})
    assert "peak=19.7044" in to_contract(brighter)[2]
    no_metadata = Colour(**{**PQ.__dict__, "peak_luminance": None})
    assert to_contract(no_metadata) == to_contract(PQ)  # phones master to 1000 nits


def test_hlg_uses_its_nominal_1000_nit_peak() -> None:
    chain = to_contract(HLG)
    assert chain[0].startswith("zscale=tin=arib-std-b67:pin=bt2020:")
    assert "peak=4.9261" in chain[2]


def test_sdr_inputs_change_only_what_is_wrong() -> None:
    assert to_contract(Colour("bt709", "bt709", "bt709", "tv")) == ["format=yuv420p", TAGS]
    assert to_contract(Colour()) == ["format=yuv420p", TAGS]  # untagged video: BT.709
    jpeg = Colour(color_range="pc")  # yuvj420p, untagged: JFIF's BT.601
    assert to_contract(jpeg, still=True)[0] == (
        "scale=in_color_matrix=bt470bg:in_range=full:out_color_matrix=bt709:out_range=limited"
    )
    webp = Colour(color_range="tv")
    assert to_contract(webp, still=True)[0].startswith("scale=in_color_matrix=bt470bg:in_range=limited")
    png = Colour(color_space="gbr", color_range="pc")
    assert to_contract(png, still=True)[0] == "scale=out_color_matrix=bt709:out_range=limited"
    p3 = Colour("smpte432", "iec61966-2-1", "smpte170m", "pc")  # an iPhone photo
    assert to_contract(p3, still=True)[0] == (
        "zscale=tin=bt709:pin=smpte432:min=smpte170m:rin=pc:p=bt709:t=bt709:m=bt709:r=tv"
    )


def test_a_large_hdr_source_is_scaled_to_cover_its_frame_before_tone_mapping() -> None:
    big = input_filters(PQ, width=2160, height=3840, frame=(1080, 1920), still=False)
    assert big[0] == "scale=1080:1920:force_original_aspect_ratio=increase"
    assert big[1:] == to_contract(PQ)
    same = input_filters(PQ, width=1080, height=1920, frame=(1080, 1920), still=False)
    assert same == to_contract(PQ)
    sdr = input_filters(Colour(), width=2160, height=3840, frame=(1080, 1920), still=False)
    assert sdr == ["format=yuv420p", TAGS]  # nothing to gain: the fit scales it once


# -- real files ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("phone")
    image = patch_image(folder / "patches.png")
    sdr_clip(folder / "sdr.mp4", image)
    hdr_clip(folder / "pq.mp4", folder / "sdr.mp4", "pq")
    hdr_clip(folder / "hlg.mov", folder / "sdr.mp4", "hlg")
    jpeg_still(folder / "still.jpg", image)
    return folder


def _render(folder: Path, clips: list[dict[str, object]], name: str) -> Path:
    spec = parse_spec({"output": SMALL, "clips": clips, "audio": {"loudness": None}})
    return render(spec, folder / name, resolve=local_resolver(folder)).output


def _stream_colour(path: Path) -> tuple[str, int, int, int, int]:
    with av.open(str(path)) as container:
        cc = container.streams.video[0].codec_context
        return cc.pix_fmt, cc.color_primaries, cc.color_trc, cc.colorspace, cc.color_range


def test_probe_reads_the_colour_facts(phone: Path) -> None:
    pq, hlg, jpeg = probe(phone / "pq.mp4"), probe(phone / "hlg.mov"), probe(phone / "still.jpg")
    assert (pq.colour.hdr, pq.colour.bit_depth, pq.colour.color_primaries) == ("pq", 10, "bt2020")
    assert pq.colour.peak_luminance == 1000.0  # MaxCLL
    assert (hlg.colour.hdr, hlg.colour.color_transfer, hlg.video_codec) == ("hlg", "arib-std-b67", "hevc")
    assert jpeg.colour.color_range == "pc" and jpeg.colour.hdr is None
    facts = pq.to_json()
    for key in ("color_primaries", "color_transfer", "color_space", "color_range", "bit_depth", "hdr"):
        assert key in facts
    assert facts["dolby_vision_profile"] is None


@pytest.mark.parametrize("name", ["pq.mp4", "hlg.mov"])
def test_hdr_is_tone_mapped_to_look_like_its_sdr_source(phone: Path, name: str) -> None:
    clip = {"src": name, "out": 1}
    sdr = patch_means(frame_at(_render(phone, [{**clip, "src": "sdr.mp4"}], f"sdr-{name}.mp4"), 0.5))
    out = _render(phone, [clip], f"out-{name}.mp4")
    mapped = patch_means(frame_at(out, 0.5))
    for patch, bound in CLOSE.items():
        assert np.abs(mapped[patch] - sdr[patch]).mean() < bound, (patch, mapped[patch], sdr[patch])
        if patch not in ("grey", "white"):
            assert saturation(mapped[patch]) > 0.85 * saturation(sdr[patch]), patch
    assert mapped["grey"].mean() == pytest.approx(sdr["grey"].mean(), abs=4)  # mid grey stays mid grey
    # The same frame read as if it were SDR (what a pass-through gave): grey and washed out.
    raw = patch_means(frame_at(phone / name, 0.5, width=360, height=640))
    assert np.mean([np.abs(raw[p] - sdr[p]).mean() for p in CLOSE]) > 25
    colours = ("skin", "sky", "foliage", "red")
    washed = np.mean([saturation(raw[p]) / saturation(sdr[p]) for p in colours])
    assert washed < 0.8
    assert _stream_colour(out) == ("yuv420p", 1, 1, 1, 1)


def _raw_h264_colour(path: Path, folder: Path) -> tuple[int, int, int, int]:
    """The tags in the H.264 bitstream itself (its VUI), with no container to supply them."""
    raw = folder / f"{path.stem}.h264"
    ffmpeg.run([*ffmpeg.input_args(path), "-map", "0:v", "-c", "copy", "-f", "h264", str(raw)])
    with av.open(f"file:{raw}", format="h264") as container:
        frame = next(container.decode(video=0))
        return int(frame.color_primaries), int(frame.color_trc), int(frame.colorspace), int(frame.color_range)


def _colr_box(path: Path) -> tuple[int, int, int, bool]:
    """The MP4 ``colr``/``nclx`` box: primaries, transfer, matrix, full-range flag."""
    data = path.read_bytes()
    at = data.index(b"colrnclx") + 8
    prim, trc, matrix = (int.from_bytes(data[at + i : at + i + 2], "big") for i in (0, 2, 4))
    return prim, trc, matrix, bool(data[at + 6] & 0x80)


def test_every_output_follows_the_contract_whatever_comes_first(phone: Path) -> None:
    """A full-range JPEG first, then HLG, then PQ, then SDR: one BT.709 tv-range yuv420p output,
    tagged in the bitstream and the container, the still's colours converted, not reinterpreted."""
    clips = [
        {"src": "still.jpg", "duration": 1},
        {"src": "hlg.mov", "out": 1, "transition": {"type": "fade", "duration": 0.2}},
        {"src": "pq.mp4", "out": 1},
        {"src": "sdr.mp4", "out": 1},
    ]
    clips[0]["transition"] = {"type": "fade", "duration": 0.2}
    out = _render(phone, clips, "mixed.mp4")
    assert _stream_colour(out) == ("yuv420p", 1, 1, 1, 1)
    assert _raw_h264_colour(out, phone) == (1, 1, 1, 1)
    assert _colr_box(out) == (1, 1, 1, False)
    still = patch_means(frame_at(out, 0.3))
    for name, rgb in (("grey", 128), ("skin", (224, 172, 140)), ("red", (200, 40, 40))):
        assert np.abs(still[name] - np.array(rgb)).max() < 8, (name, still[name])
    hdr = patch_means(frame_at(out, 1.5))  # the HLG clip, mapped like SDR
    assert np.abs(hdr["grey"] - 128).max() < 8


def test_dolby_vision_is_read_from_its_configuration_and_played_through_its_base_layer(
    phone: Path, tmp_path: Path
) -> None:
    for name, profile, kind in (
        ("pq.mp4", (8, 1), "pq"),
        ("hlg.mov", (8, 4), "hlg"),
        ("pq.mp4", (5, 0), None),
    ):
        target = tmp_path / f"dv{profile[0]}{profile[1]}-{name}"
        add_dolby_vision(Path(shutil.copy(phone / name, target)), *profile)
        if kind is None:
            with pytest.raises(
                MediaError, match="Dolby Vision profile 5 has no HDR10, HLG or SDR base layer"
            ):
                probe(target)
            continue
        info = probe(target)
        assert (info.colour.dolby_vision_profile, info.colour.hdr) == (f"{profile[0]}.{profile[1]}", kind)
    out = _render(tmp_path, [{"src": "dv84-hlg.mov", "out": 1}], "dv.mp4")
    assert np.abs(patch_means(frame_at(out, 0.5))["grey"] - 128).max() < 6
    # A base layer whose tags are missing still gets its transfer from the profile.
    untagged = with_dolby_vision(Colour("bt2020", None, "bt2020nc", "tv", 10), "8.4")
    assert (untagged.hdr, untagged.color_transfer) == ("hlg", "arib-std-b67")
    assert probe(phone / "pq.mp4").colour.dolby_vision_profile is None
