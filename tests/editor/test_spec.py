"""The edit spec contract: valid specs parse into typed models; every mistake is named precisely."""

from __future__ import annotations

import json

import pytest

from editor.effects import EFFECTS
from editor.effects.color import Grade
from editor.errors import SpecError
from editor.resolve import parse_spec
from editor.transitions import TRANSITIONS
from editor.walk import sources
from tests.conftest import EXAMPLES

CONTRACT = {
    "version": 1,
    "output": {"width": 1080, "height": 1920, "fps": 30},
    "clips": [
        {
            "src": "a.mp4",
            "in": 0.0,
            "out": 5.0,
            "fit": "cover",
            "effects": [{"type": "grade", "contrast": 1.1, "saturation": 0.8}],
            "transition": {"type": "fade", "duration": 0.5},
        },
        {"src": "b.mov", "speed": 1.5, "transition": {"type": "slideleft", "duration": 0.5}},
        {"src": "photo.jpg", "duration": 3.0, "effects": [{"type": "ken_burns", "zoom": 1.2}]},
    ],
    "effects": [{"type": "vignette", "strength": 0.5}, {"type": "grain", "strength": 0.3}],
    "overlays": [{"type": "text", "text": "Day 1", "start": 0.0, "end": 3.0, "position": "bottom"}],
    "audio": {
        "original_volume": 1.0,
        "sound": {"src": "music.m4a", "start": 0.0, "volume": 0.5},
        "loudness": -14,
    },
}


def problems(data: object) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        parse_spec(data)  # type: ignore[arg-type]
    return caught.value.problems


def test_the_documented_contract_parses_into_typed_models() -> None:
    spec = parse_spec(CONTRACT)
    assert spec.clips[0].in_ == 0.0 and spec.clips[0].out == 5.0
    assert isinstance(spec.clips[0].effects[0], Grade) and spec.clips[0].effects[0].saturation == 0.8
    assert spec.clips[1].transition is not None and spec.clips[1].transition.type == "slideleft"
    assert spec.audio.sound is not None and spec.audio.sound.volume == 0.5
    assert [s.value for s in sources(spec)] == ["a.mp4", "b.mov", "photo.jpg", "music.m4a"]


def test_defaults_are_a_vertical_1080p_30fps_video_at_minus_14_lufs() -> None:
    spec = parse_spec({"clips": [{"src": "a.mp4"}]})
    assert (spec.output.width, spec.output.height, spec.output.fps) == (1080, 1920, 30)
    assert spec.audio.loudness == -14 and spec.clips[0].fit == "cover"
    draft = spec.output.draft()
    assert (draft.width, draft.height) == (720, 1280) and draft.preset == "superfast"


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_every_example_is_a_valid_spec(example: str) -> None:
    parse_spec(json.loads((EXAMPLES / example).read_text()))


def test_unknown_effect_and_transition_names_suggest_the_closest() -> None:
    found = dict(
        problems(
            {
                "clips": [
                    {"src": "a.mp4", "effects": [{"type": "vignete"}], "transition": {"type": "slidelft"}},
                    {"src": "b.mp4"},
                ]
            }
        )
    )
    assert "did you mean 'vignette'" in found["clips[0].effects[0].type"]
    assert "did you mean 'slideleft'" in found["clips[0].transition.type"]


def test_unknown_keys_are_refused_where_they_are() -> None:
    found = dict(problems({"clips": [{"src": "a.mp4", "colour": "red"}], "outptu": {}}))
    assert set(found) == {"clips[0].colour", "outptu"}


def test_all_problems_are_reported_at_once_with_their_fields() -> None:
    found = dict(
        problems(
            {
                "clips": [
                    {"src": "a.mp4", "in": 4, "out": 2},
                    {"src": "b.mp4", "speed": 9, "effects": [{"type": "grade", "contrast": -1}]},
                ],
                "overlays": [{"type": "text", "text": "x", "color": "red"}],
            }
        )
    )
    assert "must be after 'in'" in found["clips[0]"]
    assert "less than or equal to 4" in found["clips[1].speed"]
    assert "clips[1].effects[0].contrast" in found
    assert "colour like" in found["overlays[0].color"]


def test_negative_times_and_a_transition_after_the_last_clip_are_refused() -> None:
    found = dict(problems({"clips": [{"src": "a.mp4", "in": -1, "transition": {"type": "fade"}}]}))
    assert "clips[0].in" in found
    found = dict(problems({"clips": [{"src": "a.mp4", "transition": {"type": "fade"}}]}))
    assert any("last clip" in reason for reason in found.values())


def test_the_engine_offers_enough_transitions_and_effects() -> None:
    assert len(TRANSITIONS) >= 24 and {"whip_pan", "zoom_punch", "glitch"} <= set(TRANSITIONS)
    assert len(EFFECTS) >= 12
    assert {
        "grade",
        "black_and_white",
        "sepia",
        "vignette",
        "grain",
        "lut",
        "vhs",
        "light_leak",
        "chromatic_aberration",
        "blur",
        "sharpen",
        "letterbox",
        "fade_in",
        "fade_out",
        "ken_burns",
    } <= set(EFFECTS)


def test_a_spec_that_is_not_an_object_is_a_spec_error() -> None:
    assert problems([1, 2])[0][1] == "the spec must be a JSON object"


def test_examples_use_every_transition_effect_and_face_effect() -> None:
    from editor.face.effects import FACE_EFFECTS

    used: set[str] = set()
    for path in EXAMPLES.glob("*.json"):
        spec = parse_spec(json.loads(path.read_text()))
        used |= {e.type for e in spec.effects} | {e.type for e in spec.face_effects}
        for clip in spec.clips:
            used |= {e.type for e in clip.effects} | {e.type for e in clip.face_effects}
            used |= {clip.transition.type} if clip.transition else set()
    assert set(TRANSITIONS) - used == set()
    assert set(EFFECTS) - used == set()
    assert set(FACE_EFFECTS) - used == set()
