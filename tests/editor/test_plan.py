"""Planning is pure: plans are compared as data, with media facts made up in the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor.errors import SpecError
from editor.ffmpeg import FORMAT_WHITELIST
from editor.plan.build import WorkFiles, plan_render
from editor.plan.timeline import build_timeline
from editor.probe import MediaInfo
from editor.resolve import parse_spec
from editor.text.layers import prepare_text

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"


def media(
    name: str,
    *,
    duration: float = 4.0,
    width: int = 1080,
    height: int = 1920,
    audio: bool = True,
    demuxer: str = MP4,
) -> MediaInfo:
    still = demuxer in ("image2", "png_pipe")
    return MediaInfo(
        path=Path("/m") / name,
        demuxer=demuxer,
        duration=0.0 if still else duration,
        width=width,
        height=height,
        rotation=0,
        fps=30.0,
        has_video=width > 0,
        has_audio=audio,
        video_codec="h264",
        audio_codec="aac" if audio else None,
        sample_rate=48000 if audio else None,
        channels=2 if audio else None,
        size_bytes=1,
    )


MEDIA = {
    "a.mp4": media("a.mp4"),
    "b.mov": media("b.mov", width=1920, height=1080, audio=False),
    "p.jpg": media("p.jpg", width=1600, height=1200, audio=False, demuxer="image2"),
    "m.m4a": media("m.m4a", duration=30.0, width=0, height=0),
}


def plan(spec: dict[str, object], **kwargs: object):
    return plan_render(parse_spec(spec), MEDIA, Path("/out/x.mp4"), **kwargs)  # type: ignore[arg-type]


def test_a_single_clip_plan_is_exactly_this_graph() -> None:
    p = plan({"clips": [{"src": "a.mp4", "in": 1, "out": 3}], "audio": {"loudness": None}})
    tags = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"
    assert p.graph == (
        f"[0:v]format=yuv420p,{tags}[col1];[col1]fps=30:start_time=0[timed2];"
        "[timed2]scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920[fit3];"
        "[fit3]setsar=1,format=yuv420p[clip4];"
        "[1:a]aresample=first_pts=0,aresample=48000,"
        "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,apad=whole_dur=2,atrim=duration=2[aclip5];"
        f"[clip4]{tags}[out6]"
    )
    assert [i.options for i in p.inputs] == [
        ("-max_pixels", "16777216", "-ss", "1", "-t", "2", "-an", "-sn", "-dn"),
        ("-max_pixels", "16777216", "-ss", "1", "-t", "2", "-vn", "-sn", "-dn"),
    ]
    assert p.duration == 2.0


def test_every_input_is_a_local_file_behind_both_allow_lists() -> None:
    p = plan(
        {
            "clips": [{"src": "a.mp4", "transition": {"type": "fade"}}, {"src": "p.jpg", "duration": 2}],
            "audio": {"sound": {"src": "m.m4a"}},
        }
    )
    args = list(p.args)
    inputs = [i for i, a in enumerate(args) if a == "-i"]
    assert len(inputs) == 4
    for prev, i in zip([-2, *inputs], inputs, strict=False):
        assert args[i + 1].startswith("file:/")
        head = args[prev + 2 : i]
        assert head[head.index("-protocol_whitelist") + 1] == "file"
        assert head[head.index("-format_whitelist") + 1] == FORMAT_WHITELIST
    assert "hls" not in FORMAT_WHITELIST and "concat" not in FORMAT_WHITELIST
    assert args[-1] == "file:/out/x.mp4"


def test_transitions_overlap_clips_like_xfade() -> None:
    p = plan(
        {
            "clips": [
                {"src": "a.mp4", "out": 3, "transition": {"type": "fade", "duration": 0.5}},
                {"src": "b.mov", "speed": 2, "transition": {"type": "slideleft", "duration": 0.4}},
                {"src": "p.jpg", "duration": 2.5},
            ]
        }
    )
    # 3 + 4/2 + 2.5 - 0.5 - 0.4
    assert p.duration == pytest.approx(6.6)
    assert "xfade=transition=fade:duration=0.5:offset=2.5" in p.graph
    assert "xfade=transition=slideleft:duration=0.4:offset=4.1" in p.graph
    assert p.timeline.cuts == pytest.approx((2.75, 4.3))
    assert "setpts=PTS/2" in p.graph and "acrossfade=d=0.5" in p.graph


def test_a_clip_without_sound_and_a_still_contribute_timed_silence() -> None:
    p = plan({"clips": [{"src": "b.mov", "out": 1.5}, {"src": "p.jpg", "duration": 2}]})
    assert p.graph.count("anullsrc=r=48000:cl=stereo") == 2
    assert "atrim=duration=1.5" in p.graph and "atrim=duration=2" in p.graph
    assert "loop=loop=59:size=1:start=0" in p.graph
    assert "concat=n=2:v=1:a=0" in p.graph


def test_fit_modes_plan_crop_pad_and_blurred_fill() -> None:
    cover = plan({"clips": [{"src": "b.mov"}]}).graph
    contain = plan({"clips": [{"src": "b.mov", "fit": "contain"}]}).graph
    blur = plan({"clips": [{"src": "b.mov", "fit": "blur_fill"}]}).graph
    assert "force_original_aspect_ratio=increase,crop=1080:1920" in cover
    assert "pad=1080:1920:(ow-iw)/2:(oh-ih)/2:color=black" in contain
    assert "split=2" in blur and "gblur" in blur and "overlay=(W-w)/2:(H-h)/2" in blur


def test_draft_renders_720_wide_with_a_faster_preset() -> None:
    p = plan({"clips": [{"src": "a.mp4"}]}, draft=True)
    assert "crop=720:1280" in p.graph
    args = list(p.args)
    assert args[args.index("-preset") + 1] == "superfast"


def test_sound_is_trimmed_at_its_input_and_mixed_then_normalised() -> None:
    p = plan(
        {
            "clips": [{"src": "a.mp4", "out": 2}],
            "audio": {"sound": {"src": "m.m4a", "start": 12, "volume": 0.5}, "loudness": -16},
        }
    )
    assert p.inputs[-1].options == ("-ss", "12", "-vn", "-sn", "-dn")
    assert "volume=0.5" in p.graph and "amix=inputs=2:duration=first:normalize=0" in p.graph
    assert "loudnorm=I=-16" in p.graph and "alimiter" in p.graph


def test_user_text_never_reaches_the_filter_graph(tmp_path: Path) -> None:
    text = "it's: \\ %{pts} textfile=/etc/passwd movie=x [a];[b] 🎉"
    data = {"clips": [{"src": "a.mp4"}], "overlays": [{"type": "text", "text": text}]}
    layers = prepare_text(parse_spec(data), (), tmp_path, (360, 640), 4.0)
    p = plan(data, work=WorkFiles(texts=layers))
    assert "%{pts}" not in p.graph and "passwd" not in p.graph and "🎉" not in p.graph
    assert "textfile" not in p.graph and "drawtext" not in p.graph
    assert not any("passwd" in a or "pts}" in a for a in p.args)
    assert f"file:{layers[0].png}" in p.args  # the text arrives as a PNG the server drew


@pytest.mark.parametrize(
    ("clip", "field", "reason"),
    [
        ({"src": "a.mp4", "out": 9}, "clips[0].out", "past the end of a.mp4"),
        ({"src": "a.mp4", "in": 5}, "clips[0].in", "past the end"),
        ({"src": "a.mp4", "in": 1, "duration": 3.5}, "clips[0].duration", "past the end"),
        ({"src": "p.jpg"}, "clips[0].duration", "still image"),
        ({"src": "m.m4a"}, "clips[0].src", "no picture"),
    ],
)
def test_times_impossible_for_the_probed_media_are_spec_errors(
    clip: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(SpecError) as caught:
        build_timeline(parse_spec({"clips": [clip]}), MEDIA)
    assert caught.value.problems[0][0] == field and reason in caught.value.problems[0][1]


def test_a_transition_longer_than_its_clip_is_refused_naming_it() -> None:
    spec = parse_spec(
        {
            "clips": [
                {"src": "a.mp4", "out": 1.0, "transition": {"type": "fade", "duration": 1.5}},
                {"src": "b.mov"},
            ]
        }
    )
    with pytest.raises(SpecError) as caught:
        build_timeline(spec, MEDIA)
    field, reason = caught.value.problems[0]
    assert field == "clips[0].transition.duration" and "do not fit in clip 0" in reason


def test_sound_remix_and_ducking_are_planned_in_the_same_pass() -> None:
    p = plan(
        {
            "clips": [{"src": "a.mp4", "out": 3}],
            "audio": {
                "sound": {
                    "src": "m.m4a",
                    "start": 2,
                    "tempo": 1.25,
                    "pitch": -2,
                    "fade_in": 0.5,
                    "fade_out": 1,
                    "loop": True,
                },
                "ducking": {"amount_db": 9},
            },
        }
    )
    assert p.inputs[-1].options[:2] == ("-stream_loop", "-1")
    assert "atrim=start=2" in p.graph and "rubberband=tempo=1.25:pitch=0.890899" in p.graph
    assert "afade=t=in:st=0:d=0.5" in p.graph and "afade=t=out:st=2:d=1" in p.graph
    assert "sidechaincompress" in p.graph and "amix=inputs=2:duration=first" in p.graph


def test_the_plan_holds_the_memory_levers() -> None:
    """One frame thread per decoder and x264 lookahead 5: what keeps a 1080x1920 render lean
    (``benchmarks/reference_edit.py --levers`` measures each); ``threads`` still caps the encoder."""
    args = list(plan({"clips": [{"src": "a.mp4"}, {"src": "b.mov"}]}).args)
    inputs = [i for i, arg in enumerate(args) if arg == "-i"]
    assert len(inputs) >= 2
    for previous, i in zip([-1, *inputs], inputs, strict=False):
        head = args[previous + 1 : i]  # this input's options
        assert "-threads" in head and head[head.index("-threads") + 1] == "1"
    encoder = args[args.index("-c:v") :]
    assert encoder[encoder.index("-rc-lookahead") + 1] == "5"
    assert "-threads" not in args[inputs[-1] + 2 :]  # x264 picks its own frame threads
    capped = list(plan({"clips": [{"src": "a.mp4"}]}, threads=1).args)
    assert capped[capped.index("-c:v") - 2 : capped.index("-c:v")] == ["-threads", "1"]
