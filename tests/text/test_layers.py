"""Text planning as data: styles, presets, timing, placement and the filters each layer becomes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from editor.errors import SpecError
from editor.plan.text import Motion, TextLayer, layer_filters, overlay_position
from editor.resolve import parse_spec
from editor.spec import EditSpec
from editor.text.captions import parse_captions
from editor.text.layers import draw_item, motions, reveal_schedule, text_items, timed_words
from editor.text.models import Animation
from editor.text.style import SAFE, resolve

FRAME = (360, 640)


def spec(**fields: Any) -> EditSpec:
    return parse_spec({"clips": [{"src": "a.mp4"}], **fields})


def overlay(**fields: Any) -> EditSpec:
    return spec(overlays=[{"type": "text", "text": "Hello there", **fields}])


def test_old_overlay_fields_still_work() -> None:
    s = overlay(position="top", size=1.4, color="#FFCC00", box=True)
    r = resolve(s.overlays[0])
    assert (r.y, r.size, r.color) == (0.16, 1.4, "#ffcc00")
    assert r.background is not None and r.stroke is not None  # the old look: outline and a box
    assert resolve(overlay().overlays[0]).y == 0.74  # "bottom" was the default


def test_a_text_preset_fills_what_the_overlay_leaves_unset() -> None:
    s = overlay(style="caption-pill", color="#00ff00", background=None)
    o = s.overlays[0]
    assert o.style is None and o.color == "#00ff00" and o.font == "sans"
    r = resolve(o)
    assert r.background is None  # an explicit null switches the preset's pill off
    assert r.animation.in_ == "pop" and r.stroke is None


def test_unknown_text_styles_and_fonts_are_named_with_suggestions() -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(
            {
                "clips": [{"src": "a.mp4"}],
                "overlays": [{"type": "text", "text": "x", "style": "neon-titel", "font": "seriff"}],
            }
        )
    found = dict(caught.value.problems)
    assert "did you mean 'serif'" in found["overlays[0].font"]
    with pytest.raises(SpecError) as caught:
        overlay(style="neon-titel")
    assert caught.value.problems[0] == (
        "overlays[0].style",
        "unknown text preset 'neon-titel'; did you mean 'neon-title'?",
    )
    with pytest.raises(SpecError, match="is a text style"):
        spec(preset="neon-title")


def test_text_is_length_capped() -> None:
    with pytest.raises(SpecError, match="at most 500 characters"):
        overlay(text="x" * 501)


def test_karaoke_words_are_timed_by_length() -> None:
    assert timed_words("Hi there you", 1.0, 2.0) == ((1.0, "Hi "), (1.2, "there "), (1.7, "you"))
    s = overlay(text="Hi there you", start=1.0, end=2.0, karaoke=True)
    (item,) = text_items(s, (), 10.0)
    assert [at for at, _ in item.pieces] == [1.0, 1.2, 1.7]


def test_file_word_timings_turn_karaoke_on_and_cues_are_clipped_to_the_video() -> None:
    cues = parse_captions(
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<00:00:01.000>one <00:00:01.500>two\n\n"
        b"00:00:03.000 --> 00:00:09.000\nlong\n\n00:00:12.000 --> 00:00:13.000\nafter the end\n"
    )
    s = spec(captions={"src": "c.vtt", "offset": 0.5})
    items = text_items(s, cues, 5.0)
    assert [(i.start, i.end) for i in items] == [(1.5, 2.5), (3.5, 5.0)]
    assert items[0].style.karaoke and items[0].pieces == ((1.5, "one "), (2.0, "two"))
    assert len(items[1].pieces) == 1  # no timings in the file for this cue: shown whole
    off = spec(captions={"src": "c.vtt", "karaoke": False})
    assert not text_items(off, cues, 5.0)[0].style.karaoke


def test_motions_fit_inside_the_time_on_screen() -> None:
    enter, leave = motions(Animation(in_="pop", out="fade"), 3.0, 10)
    assert enter == Motion("pop", 0.35) and leave == Motion("fade", 0.3)
    enter, leave = motions(Animation(in_="bounce", out="wiggle"), 0.6, 10)
    assert enter and leave and enter.duration + leave.duration == pytest.approx(0.54)
    enter, _ = motions(Animation(in_="typewriter"), 10.0, 20)
    assert enter == Motion("typewriter", 1.0)  # 0.05 s a character


def test_the_typewriter_types_line_after_line_and_untypes_backwards() -> None:
    enter, leave = Motion("typewriter", 1.0), Motion("typewriter", 0.5)
    first = reveal_schedule([10, 20, 30], 0, 5, 2.0, 6.0, enter, None)
    assert first == ((2.0, 0), (2.0, 10), (2.2, 20), (2.4, 30))
    second = reveal_schedule([15, 40], 3, 5, 2.0, 6.0, enter, leave)
    assert second[:3] == ((2.0, 0), (2.6, 15), (2.8, 40))
    assert second[3:] == ((5.5, 15), (5.6, 0))  # its last character goes first
    assert reveal_schedule([10], 0, 1, 0.0, 1.0, Motion("fade", 0.3), None) == ()


def _draw(tmp_path: Path, **fields: Any) -> list[TextLayer]:
    s = overlay(**fields)
    (item,) = text_items(s, (), 10.0)
    return draw_item(item, 0, tmp_path, FRAME)


def test_right_to_left_text_starts_at_the_right_inside_the_safe_area(tmp_path: Path) -> None:
    margin = resolve(overlay().overlays[0]).look(FRAME[1], 0).margin  # room for the outline
    (layer,) = _draw(tmp_path, text="שלום עולם", align="start", y=0.5)
    assert layer.at[0] + layer.size[0] - margin == pytest.approx(SAFE[2] * FRAME[0], abs=1)
    (latin,) = _draw(tmp_path, text="Hello world", align="start", y=0.5)
    assert latin.at[0] + margin == pytest.approx(SAFE[0] * FRAME[0], abs=1)


def test_the_safe_area_keeps_text_off_the_app_ui_unless_told_otherwise(tmp_path: Path) -> None:
    (low,) = _draw(tmp_path, y=0.97)
    assert low.at[1] + low.size[1] <= SAFE[3] * FRAME[1] + 4
    (free,) = _draw(tmp_path, y=0.97, safe_area=False)
    assert free.at[1] + free.size[1] > 0.95 * FRAME[1]


def test_wrapped_lines_stack_their_pills_and_rotate_about_the_block(tmp_path: Path) -> None:
    text = "A caption long enough to wrap onto a second line"
    layers = _draw(tmp_path, text=text, background={}, max_width=0.6)
    assert len(layers) >= 2
    margin = resolve(overlay(background={}).overlays[0]).look(FRAME[1], 0).margin
    line_height = layers[0].size[1] - 2 * margin
    assert layers[1].at[1] - layers[0].at[1] == pytest.approx(line_height, abs=1)  # pills touch
    tilted = _draw(tmp_path, text=text, background={}, max_width=0.6, rotation=20)
    assert tilted[1].at[0] > layers[1].at[0] - 40 and tilted[0].size[1] > layers[0].size[1]
    # counter-clockwise: the lower line moves right of the upper one
    assert tilted[1].at[0] + tilted[1].size[0] / 2 > tilted[0].at[0] + tilted[0].size[0] / 2


def test_a_karaoke_line_stacks_one_png_row_per_word(tmp_path: Path) -> None:
    from PIL import Image

    (layer,) = _draw(tmp_path, text="one two three", start=1.0, end=2.0, karaoke=True)
    assert layer.rows == ((1.0, 1.2727), (1.2727, 1.5455), (1.5455, 2.0))
    with Image.open(layer.png) as png:
        assert png.size == (layer.size[0], layer.size[1] * 4)


LAYER = TextLayer(png=Path("/w/t.png"), size=(200, 60), at=(80, 300), start=1.0, end=3.0)


def test_a_still_layer_is_looped_for_its_frames_and_overlaid_in_place() -> None:
    filters, canvas = layer_filters(LAYER, 30)
    assert filters == ["format=yuva420p", "loop=loop=59:size=1:start=0", "setpts=N/30/TB+1/TB"]
    assert canvas == (200, 60) and overlay_position(LAYER, canvas) == ("80", "300")


def test_animations_become_expressions_of_time() -> None:
    layer = replace(LAYER, enter=Motion("pop", 0.3), leave=Motion("slide_up", 0.4), travel=20)
    filters, canvas = layer_filters(layer, 30)
    assert canvas == (224, 68)
    assert "fade=t=in:st=1:d=0.1:alpha=1" in filters and "fade=t=out:st=2.6:d=0.4:alpha=1" in filters
    scale = next(f for f in filters if f.startswith("scale="))
    assert "clip((t-1)/0.3,0,1)" in scale and "eval=frame" in scale
    assert any(f.startswith("pad=w=224:h=68") for f in filters)
    x, y = overlay_position(layer, canvas)
    assert x == "68" and y == "296+-20*pow(1-clip((3-t)/0.4,0,1),2)"


def test_karaoke_and_typewriter_pick_their_state_with_crop() -> None:
    layer = replace(LAYER, rows=((1.0, 1.5), (1.5, 3.0)), reveal=((1.0, 0), (1.0, 50), (1.5, 200)))
    filters, _ = layer_filters(layer, 30)
    crop = next(f for f in filters if f.startswith("crop="))
    assert crop == (
        "crop=w=200:h=60:x='0+50*gte(t,1)+150*gte(t,1.5)':y='60*(1*gte(t,1)*lt(t,1.5)+2*gte(t,1.5)*lt(t,3))'"
    )
    x, _ = overlay_position(layer, (200, 60))
    assert x == "80-200+(0+50*gte(t,1)+150*gte(t,1.5))"
