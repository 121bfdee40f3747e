"""Form-ready descriptions of a model's parameters, from its JSON Schema: what listings print
(``reelforge effects list``) and what editors build their controls from (``GET /v1/catalog``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

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
