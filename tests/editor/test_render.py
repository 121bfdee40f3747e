"""True end-to-end renders: every example, then pixels, sound and files checked on the output."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from editor import ffmpeg
from editor.errors import RenderCancelled, SpecError
from editor.probe import probe
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from tests.conftest import EXAMPLES, TINY, copy_example
from tests.media import frame_at, loudness


def run(folder: Path, spec: dict[str, object], name: str = "out.mp4", **kwargs: object):
    return render(parse_spec(spec), folder / name, resolve=local_resolver(folder), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_every_example_renders_at_draft_size(workdir: Path, example: str) -> None:
    spec_path = copy_example(example, workdir)
    spec = parse_spec(json.loads(spec_path.read_text()))
    result = render(spec, workdir / "out.mp4", resolve=local_resolver(workdir), draft=True)
    info = probe(result.output)
    assert (info.width, info.height) == (720, 1280) and info.has_audio and info.video_codec == "h264"
    assert info.duration == pytest.approx(result.duration, abs=0.1)
    assert info.fps == pytest.approx(30)
    if spec.audio.loudness is not None:
        lufs, _ = loudness(result.output)
        assert lufs == pytest.approx(spec.audio.loudness, abs=1.5)
    assert [p.name for p in workdir.iterdir() if "partial" in p.name] == []


def test_black_and_white_and_vignette_change_the_pixels_they_should(workdir: Path) -> None:
    clip = {"src": "a.mp4", "out": 1}
    run(workdir, {"output": TINY, "clips": [clip]}, "plain.mp4")
    run(
        workdir,
        {
            "output": TINY,
            "clips": [{**clip, "effects": [{"type": "black_and_white"}]}],
            "effects": [{"type": "vignette", "strength": 1.0}],
        },
        "styled.mp4",
    )
    plain = frame_at(workdir / "plain.mp4", 0.5).astype(float)
    styled = frame_at(workdir / "styled.mp4", 0.5).astype(float)
    assert np.abs(styled - styled.mean(axis=2, keepdims=True)).mean() < 4  # grey: R = G = B
    assert np.abs(plain - plain.mean(axis=2, keepdims=True)).mean() > 20  # the source is colourful
    corner, centre = styled[:40, :40].mean(), styled[220:260, 115:155].mean()
    plain_corner, plain_centre = plain[:40, :40].mean(), plain[220:260, 115:155].mean()
    assert corner / centre < 0.8 * plain_corner / plain_centre


def test_text_with_filter_syntax_renders_literally(workdir: Path) -> None:
    text = 'it\'s: "quoted" \\ %{pts} textfile=/etc/passwd movie=x.mp4 [a];[b] 🎉'
    clip = {"src": "d.mp4", "out": 1}
    run(workdir, {"output": TINY, "clips": [clip]}, "plain.mp4")
    run(
        workdir,
        {
            "output": TINY,
            "clips": [clip],
            "overlays": [{"type": "text", "text": text, "position": "center", "box": True}],
        },
        "text.mp4",
    )
    plain, texted = frame_at(workdir / "plain.mp4", 0.5), frame_at(workdir / "text.mp4", 0.5)
    changed = np.abs(plain.astype(int) - texted.astype(int)).sum(axis=2) > 60
    rows = np.nonzero(changed.any(axis=1))[0]
    assert changed.sum() > 2000, "the text was not drawn"
    assert 120 < rows.mean() < 360, "the text is not centred"


def test_phone_inputs_rotation_vfr_mono_and_no_audio_render_to_cfr(workdir: Path) -> None:
    vfr = workdir / "vfr.mp4"
    ffmpeg.run(
        [
            "-filter_complex",
            "testsrc2=s=240x426:r=30,setpts='(N/30+0.012*sin(N*1.7))/TB'[v]",
            "-map",
            "[v]",
            "-t",
            "1.5",
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(vfr),
        ]
    )
    odd = workdir / "odd.mkv"  # odd frame size (4:4:4 allows it), 50 fps, mono 22.05 kHz
    graph = "testsrc2=s=479x853:r=50[v];sine=f=500:r=22050[a]"
    ffmpeg.run(
        [
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-map",
            "[a]",
            "-t",
            "1.2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv444p",
            "-preset",
            "ultrafast",
            "-c:a",
            "flac",
            str(odd),
        ]
    )
    result = run(
        workdir,
        {
            "output": TINY,
            "clips": [
                {"src": "c.mp4", "out": 1, "transition": {"type": "fade", "duration": 0.3}},
                {"src": "vfr.mp4", "out": 1.2},
                {"src": "b.mov", "out": 1},
                {"src": "d.mp4", "out": 1},
                {"src": "odd.mkv", "out": 1},
            ],
        },
    )
    info = probe(result.output)
    assert info.fps == pytest.approx(30) and info.duration == pytest.approx(4.9, abs=0.07)
    assert (info.width, info.height) == (270, 480) and info.channels == 2 and info.sample_rate == 48000
    # c.mp4 is stored landscape with a 90 degree display rotation: the portrait picture must fill
    # the frame without black bars.
    first = frame_at(result.output, 0.2)
    assert first[:, :20].mean() > 15 and first[:, -20:].mean() > 15


def test_loudness_target_is_met_on_the_rendered_file(workdir: Path) -> None:
    result = run(
        workdir,
        {
            "output": TINY,
            "clips": [{"src": "a.mp4", "out": 3}],
            "audio": {"sound": {"src": "music.m4a", "volume": 0.8}, "loudness": -16},
        },
    )
    lufs, peak = loudness(result.output)
    assert lufs == pytest.approx(-16, abs=1.0) and peak <= -1.0


def test_a_cancelled_render_leaves_no_file(workdir: Path) -> None:
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(RenderCancelled):
        run(workdir, {"clips": [{"src": "a.mp4"}, {"src": "b.mov"}, {"src": "a.mp4"}]}, cancel=cancel)
    assert sorted(p.name for p in workdir.iterdir() if not p.is_symlink()) == []


def test_a_sound_without_audio_is_a_spec_error(workdir: Path) -> None:
    with pytest.raises(SpecError, match=r"audio\.sound\.src: d\.mp4 has no audio"):
        run(workdir, {"clips": [{"src": "a.mp4"}], "audio": {"sound": {"src": "d.mp4"}}})


def test_sync_beats_puts_every_cut_on_a_beat_and_credits_travel(workdir: Path) -> None:
    credited = workdir / "credited.m4a"  # a sound ReelForge exported earlier carries its credits
    credits = '[{"sound_id":"s1","owner":"mia","title":"Night drive","role":"original"}]'
    ffmpeg.run(
        [
            *ffmpeg.input_args(workdir / "music.m4a"),
            "-c",
            "copy",
            "-movflags",
            "+use_metadata_tags",
            "-metadata",
            "comment=Original sound - @mia",
            "-metadata",
            f"reelforge_credits={credits}",
            str(credited),
        ]
    )
    start, tempo = 0.3, 1.1
    result = run(
        workdir,
        {
            "output": TINY,
            "sync": "beats",
            "clips": [
                {"src": "a.mp4", "out": 1.3, "transition": {"type": "fade", "duration": 0.3}},
                {"src": "b.mov", "in": 0.5, "out": 2.2},
                {"src": "photo.jpg", "duration": 1.4, "transition": {"type": "slideleft", "duration": 0.2}},
                {"src": "c.mp4", "out": 1.0},
            ],
            "audio": {"sound": {"src": "credited.m4a", "start": start, "tempo": tempo}, "loudness": None},
        },
    )
    beats = [(k * 0.5 - start) / tempo for k in range(1, 60)]  # make_music puts a kick on every 0.5 s
    assert len(result.cuts) == 3
    for cut in result.cuts:
        assert min(abs(cut - b) for b in beats) <= 1 / 30, f"cut at {cut:.3f} s is off the beat"
    assert result.credits == ({"sound_id": "s1", "owner": "mia", "title": "Night drive", "role": "original"},)
    from editor.probe import credit_tags

    assert credit_tags(result.output)["comment"] == "Original sound - @mia"
    assert probe(result.output).duration == pytest.approx(result.duration, abs=0.05)
