"""Layers and layouts, planned as data: boxes in pixels, drawing order, timings, the audio mix and
the spec errors. Media facts are made up (see ``test_plan.media``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from editor.errors import SpecError
from editor.plan.build import plan_render
from editor.plan.layout import Rect, placed_layers, rect
from editor.plan.timeline import build_timeline
from editor.resolve import parse_spec
from editor.spec import Box, Output
from tests.editor.test_plan import media

MEDIA = {
    "mine.mp4": media("mine.mp4", duration=6.0),
    "theirs.mp4": media("theirs.mp4", duration=4.0),
    "short.mp4": media("short.mp4", duration=1.0),
    "silent.mp4": media("silent.mp4", duration=6.0, audio=False),
    "sticker.png": media("sticker.png", width=400, height=400, audio=False, demuxer="png_pipe"),
    "song.m4a": media("song.m4a", duration=30.0, width=0, height=0),
}


def plan(spec: dict[str, object]):
    return plan_render(parse_spec(spec), MEDIA, Path("/out/x.mp4"))


def problems(spec: dict[str, object]) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as info:
        build_timeline(parse_spec(spec), MEDIA)
    return info.value.problems


def overlays(graph: str) -> list[str]:
    return re.findall(r"overlay=x=(\d+):y=(\d+)", graph)


def test_a_duet_puts_their_video_right_and_my_clips_left_both_at_the_output_aspect() -> None:
    p = plan({"clips": [{"src": "mine.mp4", "out": 3}], "layout": {"type": "duet", "with": "theirs.mp4"}})
    # my clip is fitted to its half (540x960), placed at (0, 480) on a black canvas; theirs at (540, 480)
    assert "scale=540:960:force_original_aspect_ratio=increase,crop=540:960" in p.graph
    assert "color=c=black:s=1080x1920:r=30:d=3,format=yuv420p" in p.graph
    assert overlays(p.graph) == [("0", "480"), ("540", "480")]
    # both sounds: theirs from 0 for the 3 s of the timeline, mixed at full level with mine
    their_audio = [i for i in p.inputs if i.path.name == "theirs.mp4" and "-vn" in i.options]
    assert their_audio[0].options[2:4] == ("-t", "3")  # from 0: no seek at all
    assert "amix=inputs=2:duration=first:normalize=0" in p.graph
    assert p.duration == 3.0


@pytest.mark.parametrize(
    ("side", "ratio", "theirs", "mine"),
    [
        ("left", 0.5, Rect(0, 480, 540, 960), Rect(540, 480, 540, 960)),
        ("top", 0.4, Rect(0, 0, 1080, 768), Rect(0, 768, 1080, 1152)),
        ("bottom", 0.5, Rect(0, 960, 1080, 960), Rect(0, 0, 1080, 960)),
    ],
)
def test_duet_sides_and_ratios(side: str, ratio: float, theirs: Rect, mine: Rect) -> None:
    spec = parse_spec(
        {
            "clips": [{"src": "mine.mp4"}],
            "layout": {"type": "duet", "with": "theirs.mp4", "side": side, "ratio": ratio},
        }
    )
    from editor.plan.layout import placed_layers, sequence_box

    out = Output()
    assert rect(placed_layers(spec)[0].layer.box, out) == theirs
    box = sequence_box(spec)
    assert box is not None and rect(box, out) == mine


def test_a_shorter_borrowed_video_holds_its_last_frame_and_its_sound_stops() -> None:
    p = plan({"clips": [{"src": "mine.mp4", "out": 3}], "layout": {"type": "duet", "with": "short.mp4"}})
    (layer,) = p.timeline.layers
    assert (layer.source_duration, layer.hold, layer.end) == (1.0, 2.0, 3.0)
    assert "tpad=stop_mode=clone:stop_duration=2,trim=end_frame=90" in p.graph
    assert "atrim=duration=3,apad=whole_dur=3" in p.graph  # read 1 s of sound, then silence


def test_react_is_a_rounded_bordered_corner_over_the_full_frame_clips() -> None:
    p = plan(
        {
            "clips": [{"src": "mine.mp4", "out": 2}],
            "layout": {"type": "react", "with": "theirs.mp4", "corner": "bottom_left", "size": 0.3},
        }
    )
    assert "canvas" not in p.graph  # the clips fill the frame: nothing under them
    box = rect(p.timeline.layers[0].layer.box, Output())
    assert box == Rect(32, 1312, 324, 576)  # 3 % margins (32 px both ways), 0.3 of the frame wide
    # the border first (a held rounded frame), then the video 4 px inside it, rounded by a mask
    assert overlays(p.graph) == [("32", "1312"), ("36", "1316")]
    assert p.graph.count("alphamerge") == 2 and "geq=lum='255*clip(" in p.graph


def test_layers_draw_in_z_order_and_below_zero_goes_under_the_clips() -> None:
    layers = [
        {"src": "sticker.png", "box": {"x": 0.0, "y": 0.0, "w": 0.2, "h": 0.1}, "z": 5},
        {"src": "theirs.mp4", "box": {"x": 0.5, "y": 0.5, "w": 0.2, "h": 0.1}, "z": 2},
        {"src": "silent.mp4", "box": {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.1}, "z": -1},
        {"src": "short.mp4", "box": {"x": 0.2, "y": 0.2, "w": 0.2, "h": 0.1}, "z": 2},
    ]
    p = plan({"clips": [{"src": "mine.mp4", "out": 2}], "layers": layers})
    assert [t.field for t in p.timeline.layers] == ["layers[2]", "layers[1]", "layers[3]", "layers[0]"]
    # canvas, the z -1 layer, the clips (full frame), then z 2, 2 (list order), 5
    assert overlays(p.graph) == [("108", "192"), ("0", "0"), ("540", "960"), ("216", "384"), ("0", "0")]


def test_a_layer_starting_mid_clip_is_shifted_and_its_sound_delayed() -> None:
    p = plan(
        {
            "clips": [{"src": "mine.mp4", "out": 4}],
            "layers": [{"src": "theirs.mp4", "start": 1.5, "end": 3, "in": 0.5, "speed": 2, "volume": 0.5}],
        }
    )
    (t,) = p.timeline.layers
    assert (t.start, t.end, t.source_start, t.source_duration, t.hold) == (1.5, 3.0, 0.5, 3.0, 0.0)
    assert "setpts=PTS+1.5/TB" in p.graph and "setpts=PTS/2" in p.graph
    assert "atempo=2" in p.graph and "volume=0.5" in p.graph and "adelay=1500:all=1" in p.graph


def test_a_layer_longer_than_the_video_is_clipped_and_a_still_is_held() -> None:
    p = plan(
        {
            "clips": [{"src": "mine.mp4", "out": 2}],
            "layers": [{"src": "sticker.png", "start": 0.5, "end": 60, "opacity": 0.5}],
        }
    )
    (t,) = p.timeline.layers
    assert (t.start, t.end, t.still) == (0.5, 2.0, True)
    assert "loop=loop=44:size=1:start=0,setpts=N/(30*TB)" in p.graph  # 1.5 s at 30 fps
    assert "setpts=PTS+0.5/TB" in p.graph  # from 0.5 s on
    assert "geq=lum='127.5'" in p.graph  # opacity without corners: a flat mask
    assert p.duration == 2.0


def test_silent_and_still_layers_add_no_sound() -> None:
    p = plan(
        {
            "clips": [{"src": "mine.mp4", "out": 2}],
            "layers": [{"src": "silent.mp4"}, {"src": "sticker.png"}, {"src": "theirs.mp4", "volume": 0}],
        }
    )
    assert "amix" not in p.graph and "alayer" not in p.graph


def test_layer_spec_errors_name_their_fields() -> None:
    spec = {
        "clips": [{"src": "mine.mp4", "out": 2}],
        "layers": [
            {"src": "theirs.mp4", "start": 5},
            {"src": "theirs.mp4", "in": 9},
            {"src": "song.m4a"},
            {"src": "sticker.png", "in": 1},
        ],
    }
    assert problems(spec) == [
        ("layers[0].start", "starts at 5.0 s, after the video ends (2.00 s)"),
        ("layers[1].in", "9.0 s is past the end of theirs.mp4 (4.00 s)"),
        ("layers[2].src", "song.m4a has no picture; a layer needs one"),
        ("layers[3].in", "sticker.png is a still image; it has no 'in'"),
    ]


def test_a_box_outside_the_frame_is_a_spec_error_naming_the_box() -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(
            {
                "clips": [{"src": "a.mp4"}],
                "layers": [{"src": "b.mp4", "box": {"x": 0.7, "y": 0.1, "w": 0.5, "h": 0.2}}],
            }
        )
    ((field, reason),) = info.value.problems
    assert field == "layers[0].box"
    assert "leaves the frame" in reason and "x + w = 1.2" in reason


def test_layout_mistakes_are_named_with_suggestions() -> None:
    with pytest.raises(SpecError) as info:
        parse_spec({"clips": [{"src": "a.mp4"}], "layout": {"type": "duett", "with": "b.mp4"}})
    assert info.value.problems == [("layout.type", "unknown layout 'duett'; did you mean 'duet'?")]
    with pytest.raises(SpecError) as info:
        parse_spec({"clips": [{"src": "a.mp4"}], "layout": {"type": "duet", "with": "b.mp4", "side": "up"}})
    assert info.value.problems[0][0] == "layout.side"


def test_green_screen_is_a_background_on_every_clip_and_a_silent_layer() -> None:
    from editor.effects.background import BackgroundEffect
    from editor.face.hooks import clip_background

    spec = parse_spec(
        {
            "clips": [{"src": "mine.mp4"}, {"src": "mine.mp4"}],
            "layout": {"type": "green_screen", "with": "theirs.mp4", "volume": 0.5},
        }
    )
    (placed,) = placed_layers(spec)
    assert (placed.layer.src, placed.layer.opacity, placed.layer.volume) == ("theirs.mp4", 0.0, 0.5)
    for i in (0, 1):
        assert clip_background(spec, i) == (BackgroundEffect(mode="replace", src="theirs.mp4"), "layout")


def test_boxes_become_even_pixel_rectangles_inside_the_frame() -> None:
    out = Output(width=270, height=480)
    assert rect(Box(x=0.0, y=0.0, w=1.0, h=1.0), out) == Rect(0, 0, 270, 480)
    assert rect(Box(x=0.999, y=0.5, w=0.001, h=0.5), out) == Rect(268, 240, 2, 240)
    assert rect(Box(x=0.33, y=0.33, w=0.33, h=0.33), out) == Rect(89, 158, 90, 158)
