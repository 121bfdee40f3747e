"""Presets as data: the bundled files load and validate, merging is pure and follows its rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from editor.errors import SpecError
from editor.presets import (
    CATEGORIES,
    FacePreset,
    LookPreset,
    TransitionPack,
    apply_presets,
    default_library,
    load_presets,
)
from editor.resolve import parse_spec
from editor.spec import EditSpec

LIB = default_library()


def spec(**fields: Any) -> dict[str, Any]:
    return {"clips": [{"src": "a.mp4"}, {"src": "b.mp4"}, {"src": "c.mp4"}], **fields}


def test_the_bundled_presets_load_and_cover_every_category() -> None:
    assert len(LIB) >= 20
    counts = {c: len(LIB.listing(c)) for c in CATEGORIES}
    assert counts["look"] >= 8 and counts["face"] >= 6 and counts["transition_pack"] >= 3
    assert counts["template"] >= 1
    for preset in LIB.listing():
        assert preset.name and preset.description and preset.version >= 1
        assert LIB.files[preset.id].stem == preset.id


def test_looks_are_parameter_sets_that_differ() -> None:
    looks = [p for p in LIB.listing("look") if isinstance(p, LookPreset)]
    signatures = {json.dumps([e.model_dump() for e in p.effects], sort_keys=True) for p in looks}
    assert len(signatures) == len(looks)


def test_a_look_goes_before_the_spec_effects_and_explicit_types_win() -> None:
    noir = LIB.get("noir")
    assert isinstance(noir, LookPreset)
    merged = parse_spec(
        spec(preset="noir", effects=[{"type": "vignette", "strength": 0.1}, {"type": "blur"}])
    )
    types = [e.type for e in merged.effects]
    assert types == [e.type for e in noir.effects if e.type != "vignette"] + ["vignette", "blur"]
    assert merged.effects[types.index("vignette")].strength == 0.1  # type: ignore[attr-defined]
    assert merged.preset is None and all(c.effects == () for c in merged.clips)


def test_a_clip_preset_only_touches_that_clip() -> None:
    data = spec()
    data["clips"][1] = {
        "src": "b.mp4",
        "preset": ["super8", "party-hat"],
        "face_effects": [{"type": "sticker", "asset": "clown_nose", "scale": 2.0}],
    }
    merged = parse_spec(data)
    clip = merged.clips[1]
    super8 = LIB.get("super8")
    assert isinstance(super8, LookPreset)
    assert clip.effects == super8.effects
    assets = [(e.type, getattr(e, "asset", None), getattr(e, "scale", None)) for e in clip.face_effects]
    assert assets == [("sticker", "party_hat", 1.1), ("sticker", "clown_nose", 2.0)]  # the explicit nose wins
    assert merged.clips[0].effects == () and merged.effects == () and merged.face_effects == ()


def test_a_face_preset_at_the_top_adds_face_effects_for_every_clip() -> None:
    merged = parse_spec(spec(preset="privacy-blur"))
    face = LIB.get("privacy-blur")
    assert isinstance(face, FacePreset)
    assert merged.face_effects == face.face_effects


def test_a_transition_pack_fills_unset_joins_in_rotation_and_keeps_hard_cuts() -> None:
    data = {
        "clips": [
            {"src": "a"},
            {"src": "b", "transition": None},
            {"src": "c", "transition": {"type": "fade", "duration": 1.0}},
            {"src": "d"},
            {"src": "e"},
            {"src": "f"},
        ],
        "preset": "punchy",
    }
    pack = LIB.get("punchy")
    assert isinstance(pack, TransitionPack)
    clips = parse_spec(data).clips
    n = len(pack.transitions)
    assert clips[0].transition == pack.transitions[0]
    assert clips[1].transition is None  # an explicit null is a hard cut
    assert clips[2].transition is not None and clips[2].transition.type == "fade"
    assert clips[3].transition == pack.transitions[3 % n]
    assert clips[4].transition == pack.transitions[4 % n]
    assert clips[5].transition is None  # the last clip has no next one


def test_a_clip_pack_beats_the_top_pack_for_that_clip() -> None:
    data = spec(preset="smooth")
    data["clips"][0]["preset"] = "glitchy"
    clips = parse_spec(data).clips
    assert clips[0].transition == LIB.get("glitchy").transitions[0]  # type: ignore[union-attr]
    assert clips[1].transition == LIB.get("smooth").transitions[1]  # type: ignore[union-attr]


def test_merging_is_pure_and_idempotent() -> None:
    raw = EditSpec.model_validate(spec(preset=["teal-orange", "cool-shades", "smooth"]))
    once = apply_presets(raw)
    assert raw.preset == ("teal-orange", "cool-shades", "smooth") and raw.effects == ()  # untouched
    again = parse_spec(once.model_dump(by_alias=True, exclude_unset=False))
    assert again == once
    assert apply_presets(once) == once


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (spec(preset="nior"), "preset", "did you mean 'noir'"),
        (spec(preset=["noir", "partyhat"]), "preset[1]", "did you mean 'party-hat'"),
        (spec(preset="beat-5"), "preset", "template render"),
        (spec(preset="Not An Id"), "preset[0]", "pattern"),
    ],
)
def test_bad_preset_references_name_the_field(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    assert caught.value.problems[0][0] == field
    assert words in caught.value.problems[0][1]


def test_clip_preset_errors_are_reported_with_the_others() -> None:
    data = spec(preset="vhs1989")
    data["clips"][2]["preset"] = "cool-shade"
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    fields = [f for f, _ in caught.value.problems]
    assert fields == ["preset", "clips[2].preset"]


def write(root: Path, folder: str, data: dict[str, Any], name: str | None = None) -> None:
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / f"{name or data['id']}.json").write_text(json.dumps(data))


LOOK = {"id": "x", "name": "X", "description": "d", "category": "look", "effects": [{"type": "grain"}]}


def test_loading_reports_every_bad_file(tmp_path: Path) -> None:
    write(tmp_path, "looks", LOOK, name="y")  # id and file name differ
    write(
        tmp_path,
        "looks",
        {**LOOK, "id": "face-in-looks", "category": "face", "face_effects": [{"type": "blur_face"}]}
        | {"effects": None},
        name="face-in-looks",
    )
    write(tmp_path, "looks", {**LOOK, "id": "typo", "effects": [{"type": "vignete"}]})
    write(tmp_path, "looks", {**LOOK, "id": "lut", "effects": [{"type": "lut", "name": "teal_orang"}]})
    write(tmp_path, "looks", {**LOOK, "id": "twice", "effects": [{"type": "grain"}, {"type": "grain"}]})
    write(
        tmp_path,
        "face",
        {
            "id": "hat",
            "name": "H",
            "description": "d",
            "category": "face",
            "face_effects": [{"type": "sticker", "asset": "partyhat"}],
        },
    )
    write(
        tmp_path,
        "templates",
        {
            "id": "t",
            "name": "T",
            "description": "d",
            "category": "template",
            "slots": [{"beats": 2}],
            "look": "noir",
        },
    )
    with pytest.raises(SpecError) as caught:
        load_presets(tmp_path)
    problems = dict(caught.value.problems)
    assert "must match the file name" in problems["looks/y.json:id"]
    assert "did you mean 'vignette'" in problems["looks/typo.json:effects[0].type"]
    assert "did you mean 'teal_orange'" in problems["looks/lut.json:effects[0].name"]
    assert "once" in problems["looks/twice.json:"]
    assert "did you mean 'party_hat'" in problems["face/hat.json:face_effects[0].asset"]
    assert "unknown look preset 'noir'" in problems["templates/t.json:look"]
    assert any(f.startswith("looks/face-in-looks.json") for f in problems)


def test_a_good_custom_library_loads(tmp_path: Path) -> None:
    write(tmp_path, "looks", LOOK)
    library = load_presets(tmp_path)
    assert list(library.presets) == ["x"]
    merged = apply_presets(EditSpec.model_validate(spec(preset="x")), library)
    assert [e.type for e in merged.effects] == ["grain"]
