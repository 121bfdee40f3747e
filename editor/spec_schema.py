"""The edit spec as JSON Schema (draft 2020-12), generated from the pydantic models in ``editor.spec``:
a new effect, face effect or field appears here, in the OpenAPI document and in
``reelforge spec schema`` without a line changed.

The spec names files in two forms; the schemas differ only in the fields declared with
``editor.walk.source`` (marked ``x-reelforge-source`` in the schema), spelled per kind here:

- ``path``: a spec file on disk (the CLI, batch). Clips, the sound, voice-over, captions, sticker
  PNGs and ``.cube`` LUTs are paths relative to the spec file. ``reelforge spec schema`` prints it.
- ``api``: ``POST /v1/renders``. Clips, voice-over and captions are ``media:<id>``, the sound
  ``sound:<id>`` (or your own ``media:<id>``), stickers built-in or ``media:<id>``, LUTs bundled.
  The OpenAPI document publishes it; ``reelforge spec schema --api`` prints it.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from editor.effects.luts import bundled_luts
from editor.face.assets import BUILTIN
from editor.spec import EditSpec
from editor.walk import SOURCE_KEY, SourceKind

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


def spellings(form: SourceForm) -> dict[SourceKind, dict[str, Any]]:
    """How ``form`` spells each kind of file-like field (added to the model's own schema). A new kind
    without a spelling here fails ``spec_json_schema`` (and its test): the API must say what it takes."""
    luts = bundled_luts()
    if form == "path":
        return {
            "media": {"description": "a media file, relative to the spec file"},
            "sound": {"description": "an audio file, relative to the spec file"},
            "captions": {"description": "an .srt or .vtt file, relative to the spec file"},
            "sticker": {"examples": ["sunglasses", "art/hat.png"]},
            "lut": {"anyOf": [{"enum": luts}, {"pattern": r"\.cube$"}]},
        }
    return {
        "media": {
            "pattern": MEDIA_REF,
            "description": "media:<id> of a ready upload (POST /v1/media)",
            "examples": ["media:3f2b9c0d4e5f4a1b8c7d6e5f4a3b2c1d"],
        },
        "captions": {
            "pattern": MEDIA_REF,
            "description": "media:<id> of a caption upload (POST /v1/media with kind 'captions')",
        },
        "sound": {
            "pattern": SOUND_REF,
            "description": "sound:<id> from the sound library (credited), or media:<id> of your own audio",
            "examples": ["sound:9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5d"],
        },
        "sticker": {
            "anyOf": [{"enum": sorted(BUILTIN)}, {"pattern": MEDIA_REF}],
            "description": "a built-in asset, or media:<id> of an image upload (a PNG with transparency)",
        },
        "lut": {"enum": luts, "description": "a bundled LUT"},
    }


def spec_json_schema(form: SourceForm = "path", *, ref_template: str = DEFS) -> dict[str, Any]:
    """The edit spec v1 as a standalone JSON Schema with its models in ``$defs`` (referenced with
    ``ref_template``: ``#/components/schemas/{model}`` for an OpenAPI document)."""
    schema = EditSpec.model_json_schema(mode="validation", ref_template=ref_template)
    spelled = spellings(form)
    for (model, name), prop in file_fields(schema).items():
        if prop[SOURCE_KEY] not in spelled:
            raise KeyError(f"{model}.{name}: say how the {form} form spells a {prop[SOURCE_KEY]!r} file")
        prop.update(copy.deepcopy(spelled[prop[SOURCE_KEY]]))
    files = "media:<id> and sound:<id> references" if form == "api" else "paths relative to the spec file"
    schema["description"] = f"A ReelForge edit spec (version 1); files are {files}."
    schema["examples"] = [copy.deepcopy(EXAMPLES[form])]
    return {"$schema": JSON_SCHEMA, **schema}


def file_fields(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The property schemas of the file-like fields, by (model, field)."""
    return {
        (model, name): prop
        for model, definition in schema["$defs"].items()
        for name, prop in definition.get("properties", {}).items()
        if SOURCE_KEY in prop
    }
