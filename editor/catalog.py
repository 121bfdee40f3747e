"""What an edit spec may contain, as data: every transition, effect and face effect with its
parameters (type, default, range, choices), the sticker assets and face anchors, and the spec's JSON
Schema. Clients build their editors from it (``GET /v1/catalog``) instead of copying lists."""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from pydantic import BaseModel

from editor.effects import EFFECTS
from editor.face.assets import BUILTIN
from editor.face.effects import FACE_EFFECTS
from editor.face.landmarks import ANCHORS
from editor.spec import EditSpec, Transition
from editor.transitions import TRANSITIONS

_KEPT = ("type", "default", "minimum", "maximum", "exclusiveMinimum", "enum", "pattern", "description")


def parameters(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """Each field but ``type``: its JSON Schema reduced to what a form needs. A nullable field
    (``anyOf`` with null) is described by its non-null branch and marked ``nullable``; a field
    without a default is marked ``required``."""
    params = {}
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        if name == "type":
            continue
        branches = [b for b in prop.get("anyOf", []) if b.get("type") != "null"]
        merged = {**(branches[0] if len(branches) == 1 else {}), **prop}
        described = {k: v for k, v in merged.items() if k in _KEPT}
        if len(branches) > 1:  # e.g. faces: "all" | "largest" | [ids]: offer the named choices
            described["enum"] = [
                v for b in branches for v in b.get("enum", [b.get("const")]) if v is not None
            ]
        if len(branches) != len(prop.get("anyOf", [])):
            described["nullable"] = True
        if name in required:
            described["required"] = True
        if "prefixItems" in merged:  # a fixed-length tuple, e.g. a sticker's (x, y) offset
            described |= {"type": "array", "length": len(merged["prefixItems"])}
        params[name] = described
    return params


def _item(name: str, description: str, model: type[BaseModel]) -> dict[str, Any]:
    return {"name": name, "description": description, "parameters": parameters(model)}


def _doc(model: type[BaseModel]) -> str:
    summary = getattr(model, "summary", "")
    return str(summary or (inspect.getdoc(model) or "").split("\n")[0])


@cache
def catalog() -> dict[str, Any]:
    return {
        "transitions": [_item(name, text, Transition) for name, text in TRANSITIONS.items()],
        "effects": [_item(name, _doc(cls), cls) for name, cls in EFFECTS.items()],
        "face_effects": [_item(name, _doc(cls), cls) for name, cls in FACE_EFFECTS.items()],
        "stickers": list(BUILTIN),
        "anchors": list(ANCHORS),
        "spec_schema": EditSpec.model_json_schema(by_alias=True),
    }
