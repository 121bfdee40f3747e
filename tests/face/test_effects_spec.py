"""Spec models, validation errors, built-in assets and landmark tables (no video)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from pydantic import TypeAdapter, ValidationError

from editor.errors import MediaError, SpecError
from editor.face import FACE_EFFECTS, FaceEffect, StickerEffect, assets, validate_face_effects
from editor.face import landmarks as lm

EFFECTS = TypeAdapter(list[FaceEffect])


def test_spec_examples_parse_into_frozen_models() -> None:
    parsed = EFFECTS.validate_python(
        [
            {"type": "sticker", "asset": "sunglasses", "anchor": "eyes", "scale": 1.0, "offset": [0, 0]},
            {"type": "blur_face"},
            {"type": "pixelate_face", "block": 16},
            {"type": "beauty", "strength": 0.5},
            {"type": "lip_tint", "color": "#c2185b", "opacity": 0.4, "faces": [0, 2]},
            {"type": "blur_face", "faces": "largest"},
        ]
    )
    assert [type(e) for e in parsed] == [
        FACE_EFFECTS[t] for t in ("sticker", "blur_face", "pixelate_face", "beauty", "lip_tint", "blur_face")
    ]
    assert parsed[0].faces == "all" and parsed[4].faces == [0, 2]
    with pytest.raises(ValidationError):
        parsed[0].scale = 2.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "sticker", "asset": "sunglasses", "colour": "red"},
        {"type": "pixelate_face", "block": 0},
        {"type": "lip_tint", "color": "red"},
        {"type": "blur_face", "faces": "biggest"},
        {"type": "sparkles"},
    ],
)
def test_bad_effect_fields_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EFFECTS.validate_python([bad])


def test_unknown_anchor_suggests_a_name() -> None:
    with pytest.raises(ValidationError, match="did you mean 'eyes'"):
        EFFECTS.validate_python([{"type": "sticker", "asset": "crown", "anchor": "eyez"}])
    sneaky = StickerEffect.model_construct(
        type="sticker", asset="crown", anchor="chinn", scale=1.0, offset=(0.0, 0.0), faces="all"
    )
    with pytest.raises(SpecError) as err:
        validate_face_effects([sneaky], field="clips[1].face_effects", asset_root=None)
    assert err.value.problems[0][0] == "clips[1].face_effects[0].anchor"
    assert "did you mean 'chin'" in str(err.value)


def test_unknown_asset_names_the_field_and_suggests() -> None:
    effects = EFFECTS.validate_python([{"type": "blur_face"}, {"type": "sticker", "asset": "sunglases"}])
    with pytest.raises(SpecError) as err:
        validate_face_effects(effects, field="face_effects", asset_root=None)
    assert err.value.problems == [
        ("face_effects[1].asset", "unknown asset 'sunglases'; did you mean 'sunglasses'?")
    ]


def test_user_png_must_be_inside_the_root_and_rgba(tmp_path: Path) -> None:
    root = tmp_path / "media"
    root.mkdir()
    Image.new("RGBA", (20, 10), (255, 0, 0, 128)).save(root / "ok.png")
    Image.new("RGB", (20, 10), (255, 0, 0)).save(root / "rgb.png")
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    Image.new("RGBA", (20, 10)).save(root / "fake.png", format="GIF")

    def check(asset: str, root_dir: Path | None = root) -> None:
        effect = StickerEffect(asset=asset)
        validate_face_effects([effect], field="face_effects", asset_root=root_dir)

    check("ok.png")
    with pytest.raises(MediaError, match="must be an RGBA PNG"):
        check("rgb.png")
    with pytest.raises(MediaError, match="not a valid PNG"):
        check("corrupt.png")
    with pytest.raises(MediaError, match="not a PNG"):
        check("fake.png")
    with pytest.raises(MediaError, match="not found"):
        check("missing.png")
    with pytest.raises(SpecError, match="outside the allowed folder"):
        check("../escape.png")
    with pytest.raises(SpecError, match="not accepted here"):
        check("ok.png", None)


def test_builtin_assets_are_rgba_pngs_with_metadata(tmp_path: Path) -> None:
    names = {"sunglasses", "party_hat", "bunny_ears", "mustache", "clown_nose", "crown"}
    assert names <= set(assets.BUILTIN) == set(assets.DRAWERS)
    assets.main([str(tmp_path)])
    for name, meta in assets.BUILTIN.items():
        with Image.open(tmp_path / f"{name}.png") as img:
            assert img.format == "PNG" and img.mode == "RGBA"
            alpha = img.getchannel("A")
            assert alpha.getextrema() == (0, 255)  # transparent background, opaque drawing
        assert meta.anchor in lm.ANCHORS and 0 <= meta.point[0] <= 1 and 0 <= meta.point[1] <= 1
        committed = assets.ASSET_DIR / f"{name}.png"
        assert committed.is_file(), "run python -m editor.face.assets"


def test_landmark_polygons_follow_mediapipe_connections() -> None:
    from mediapipe.python.solutions import face_mesh_connections as conn

    edges = {frozenset(e) for e in conn.FACEMESH_TESSELATION | conn.FACEMESH_CONTOURS}
    for poly in (lm.FACE_OVAL, lm.LIPS_OUTER, lm.LIPS_INNER, lm.RIGHT_EYE, lm.LEFT_EYE):
        pairs = list(zip(poly, poly[1:] + poly[:1], strict=True))
        assert all(frozenset(p) in edges for p in pairs), poly
    assert set(lm.FACE_OVAL) == {i for e in conn.FACEMESH_FACE_OVAL for i in e}
