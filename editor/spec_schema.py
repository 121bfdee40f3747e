"""The edit spec as JSON Schema (draft 2020-12), generated from the pydantic models in ``editor.spec``:
a new effect, face effect or field appears here, in the OpenAPI document and in
``reelforge spec schema`` without a line changed.

The spec names files in two forms; the schemas differ only in those fields (``FILE_FIELDS``):

- ``path``: a spec file on disk (the CLI, batch). Clips, the sound, sticker PNGs and ``.cube`` LUTs
  are paths relative to the spec file. ``reelforge spec schema`` prints this one.
- ``api``: ``POST /v1/renders``. Clips are ``media:<id>``, the sound ``sound:<id>`` (or your own
  ``media:<id>``), stickers built-in or ``media:<id>``, LUTs bundled. The OpenAPI document
  publishes this one; ``reelforge spec schema --api`` prints it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from editor.effects.color import Lut
from editor.effects.luts import LUT_DIR
from editor.face.assets import BUILTIN
from editor.face.effects import StickerEffect
from editor.spec import Clip, EditSpec, Sound

SourceForm = Literal["path", "api"]
OBJECT_ID = "[0-9a-f]{32}"
MEDIA_REF = f"^media:{OBJECT_ID}$"
SOUND_REF = f"^(sound|media):{OBJECT_ID}$"
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
DEFS = "#/$defs/{model}"

EXAMPLES: dict[SourceForm, dict[str, Any]] = {
    "path": {
        "output": {"width": 1080, "height": 1920, "fps": 30},
        "clips": [
            {"src": "media/a.mp4", "out": 3.0, "transition": {"type": "fade", "duration": 0.5}},
            {"src": "media/photo.jpg", "duration": 3.0, "effects": [{"type": "ken_burns", "zoom": 1.2}]},
        ],
        "effects": [{"type": "grade", "contrast": 1.1, "saturation": 0.8}, {"type": "vignette"}],
        "overlays": [{"type": "text", "text": "Day 1", "end": 3.0}],
        "audio": {"sound": {"src": "media/music.m4a", "volume": 0.5}, "ducking": True},
    },
    "api": {
        "clips": [{"src": "media:3f2b9c0d4e5f4a1b8c7d6e5f4a3b2c1d", "duration": 3}],
        "face_effects": [{"type": "sticker", "asset": "sunglasses"}],
        "audio": {"sound": {"src": "sound:9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5d"}},
    },
}


BUNDLED_LUTS = sorted(path.stem for path in LUT_DIR.glob("*.cube"))


@dataclass(frozen=True)
class FileField:
    """A field that names a file, and how each form spells it (``None``: as the model says)."""

    model: type[BaseModel]
    name: str
    path: dict[str, Any] | None
    api: dict[str, Any]


FILE_FIELDS = (
    FileField(
        Clip,
        "src",
        path={"description": "a video or image, relative to the spec file"},
        api={
            "pattern": MEDIA_REF,
            "description": "media:<id> of a ready video or image upload (POST /v1/media)",
            "examples": ["media:3f2b9c0d4e5f4a1b8c7d6e5f4a3b2c1d"],
        },
    ),
    FileField(
        Sound,
        "src",
        path={"description": "an audio file, relative to the spec file"},
        api={
            "pattern": SOUND_REF,
            "description": "sound:<id> from the sound library (credited), or media:<id> of your own audio",
            "examples": ["sound:9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5d"],
        },
    ),
    FileField(
        StickerEffect,
        "asset",
        path=None,
        api={
            "anyOf": [{"enum": sorted(BUILTIN)}, {"pattern": MEDIA_REF}],
            "description": "a built-in asset, or media:<id> of an image upload (a PNG with transparency)",
        },
    ),
    FileField(
        Lut,
        "name",
        path={"anyOf": [{"enum": BUNDLED_LUTS}, {"pattern": r"\.cube$"}]},
        api={"enum": BUNDLED_LUTS, "description": "a bundled LUT"},
    ),
)


def spec_json_schema(form: SourceForm = "path", *, ref_template: str = DEFS) -> dict[str, Any]:
    """The edit spec v1 as a standalone JSON Schema with its models in ``$defs`` (referenced with
    ``ref_template``: ``#/components/schemas/{model}`` for an OpenAPI document)."""
    schema = EditSpec.model_json_schema(mode="validation", ref_template=ref_template)
    for field in FILE_FIELDS:
        spelled = field.api if form == "api" else field.path
        if spelled is not None:
            schema["$defs"][field.model.__name__]["properties"][field.name].update(copy.deepcopy(spelled))
    files = "media:<id> and sound:<id> references" if form == "api" else "paths relative to the spec file"
    schema["description"] = f"A ReelForge edit spec (version 1); files are {files}."
    schema["examples"] = [copy.deepcopy(EXAMPLES[form])]
    return {"$schema": JSON_SCHEMA, **schema}
