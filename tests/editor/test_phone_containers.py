"""Phone containers as they are: a timecode track and two sound tracks (the default one plays),
Android's 3GP with AMR-NB and WebM with VP9/Opus, tall odd frame sizes with 44.1 kHz mono sound,
and an iPhone HLG .mov with a rotation flag: each renders to the contract (yuv420p, BT.709,
48 kHz stereo AAC)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from editor import ffmpeg
from editor.probe import probe
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from editor.samples import make_clip
from testkit.phone_media import hdr_clip, patch_image, patch_means, sdr_clip
from tests.media import frame_at

OUT = {"width": 180, "height": 320, "fps": 30, "preset": "ultrafast"}


def _render(folder: Path, src: str, **clip: object) -> Path:
    spec = parse_spec({"output": OUT, "clips": [{"src": src, **clip}], "audio": {"loudness": None}})
    return render(spec, folder / f"out-{src}.mp4", resolve=local_resolver(folder)).output


def _pitch(path: Path) -> float:
    """The loudest frequency of the first audio track, in Hz."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        samples = np.concatenate([f.to_ndarray()[0] for f in container.decode(stream)])
    spectrum = np.abs(np.fft.rfft(samples[: rate // 2 * 2]))
    return float(np.argmax(spectrum) * rate / (rate // 2 * 2))


def _contract(path: Path, channels: int = 2) -> None:
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0].codec_context, container.streams.audio[0].codec_context
        assert (video.pix_fmt, video.color_primaries, video.color_range) == ("yuv420p", 1, 1)
        assert (audio.sample_rate, audio.channels) == (48000, channels)


def _make(path: Path, video: str, audio: str, *args: str) -> Path:
    ffmpeg.run(["-filter_complex", f"{video}[v];{audio}[a]", "-map", "[v]", "-map", "[a]", *args, str(path)])
    return path


def test_the_default_sound_track_plays_and_a_timecode_track_is_ignored(tmp_path: Path) -> None:
    ffmpeg.run(
        ["-filter_complex",
         "testsrc2=s=180x320:r=30:d=2,format=yuv420p[v];sine=f=300:d=2[a0];sine=f=1000:d=2[a1]",
         "-map", "[v]", "-map", "[a0]", "-map", "[a1]", "-c:v", "libx264", "-preset", "ultrafast",
         "-c:a", "aac", "-disposition:a:0", "0", "-disposition:a:1", "default",
         "-timecode", "01:00:00:00", str(tmp_path / "tracks.mov")]
    )  # fmt: skip
    info = probe(tmp_path / "tracks.mov")
    assert info.audio_index == 1 and info.audio_stream == "a:1"
    out = _render(tmp_path, "tracks.mov")
    assert _pitch(out) == pytest.approx(1000, abs=10)
    _contract(out)


def test_android_3gp_with_amr_and_webm_with_opus_render(tmp_path: Path) -> None:
    video = "testsrc2=s=176x144:r=15:d=2,format=yuv420p"
    _make(tmp_path / "old.3gp", video, "sine=f=440:d=2:r=8000",
          "-c:v", "h263", "-c:a", "libopencore_amrnb", "-ar", "8000", "-ac", "1",
          "-b:a", "12.2k")  # fmt: skip
    _make(tmp_path / "clip.webm", "testsrc2=s=360x640:r=30:d=2,format=yuv420p", "sine=f=440:d=2:r=48000",
          "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus")  # fmt: skip
    assert (probe(tmp_path / "old.3gp").audio_codec, probe(tmp_path / "clip.webm").audio_codec) == (
        "amrnb",
        "opus",
    )
    for name in ("old.3gp", "clip.webm"):
        out = _render(tmp_path, name)
        _contract(out)
        assert probe(out).duration == pytest.approx(2.0, abs=0.1)
        assert _pitch(out) == pytest.approx(440, abs=10)


def test_tall_odd_frames_and_mono_44k_sound(tmp_path: Path) -> None:
    make_clip(tmp_path / "tall.mp4", seconds=1, width=1080, height=2340, sample_rate=44100, channels=1)
    info = probe(tmp_path / "tall.mp4")
    assert (info.width, info.height, info.sample_rate, info.channels) == (1080, 2340, 44100, 1)
    out = _render(tmp_path, "tall.mp4")
    _contract(out)
    assert (probe(out).width, probe(out).height) == (180, 320)


def test_an_iphone_hlg_mov_with_rotation_is_turned_and_tone_mapped(tmp_path: Path) -> None:
    image = patch_image(tmp_path / "patches.png", width=640, height=360)  # shot in landscape
    sdr = sdr_clip(tmp_path / "sdr.mp4", image, seconds=1)
    hdr_clip(tmp_path / "flat.mov", sdr, "hlg")
    ffmpeg.run(
        [*ffmpeg.input_args(tmp_path / "flat.mov", before=("-display_rotation:v:0", "-90")),
         "-c", "copy", str(tmp_path / "iphone.mov")]
    )  # fmt: skip
    info = probe(tmp_path / "iphone.mov")
    assert (info.width, info.height, info.rotation % 180, info.colour.hdr) == (360, 640, 90, "hlg")
    out = _render(tmp_path, "iphone.mov", fit="contain")
    frame = frame_at(out, 0.5)
    turned = np.rot90(frame, 1)  # undo a quarter turn clockwise: back to the landscape patches
    means = patch_means(turned)
    source = patch_means(frame_at(sdr, 0.5, width=320, height=180))
    assert np.abs(means["grey"] - source["grey"]).mean() < 6
    assert np.abs(means["red"] - source["red"]).mean() < 10
    _contract(out, channels=2)
