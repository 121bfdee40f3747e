"""What an edit spec may contain, as data: every transition, effect and face effect with its
parameters (type, default, range, choices), the sticker assets and face anchors, and the spec's JSON
Schema. Clients build their editors from it (``GET /v1/catalog``) instead of copying lists."""

from __future__ import annotations

from functools import cache
from typing import Any

from editor.effects import EFFECTS
from editor.effects import describe as describe_effect
from editor.face.assets import BUILTIN
from editor.face.effects import FACE_EFFECTS
from editor.face.landmarks import ANCHORS
from editor.params import parameters
from editor.spec_schema import spec_json_schema
from editor.transitions import TRANSITIONS
from editor.transitions import describe as describe_transition


@cache
def catalog() -> dict[str, Any]:
    face = [
        {
            "name": name,
            "description": cls.summary,
            "parameters": parameters(cls),
        }
        for name, cls in FACE_EFFECTS.items()
    ]
    return {
        "transitions": [describe_transition(t) for t in TRANSITIONS.values()],
        "effects": [describe_effect(cls) for cls in EFFECTS.values()],
        "face_effects": face,
        "stickers": list(BUILTIN),
        "anchors": list(ANCHORS),
        "spec_schema": spec_json_schema("api"),  # what POST /v1/renders takes: media:/sound: ids
    }
