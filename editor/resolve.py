"""From user JSON to the spec the engine renders: validated (``editor.spec``), presets merged
(``editor.presets``). Every interface (CLI, batch, API, templates, previews) calls ``parse_spec``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from editor.presets import PresetLibrary, apply_presets
from editor.spec import EditSpec, validate_spec


def parse_spec(data: Mapping[str, Any], library: PresetLibrary | None = None) -> EditSpec:
    """Validate ``data`` as an edit spec and merge the presets it names; the result carries no
    ``preset`` any more, so it renders the same whatever the preset library holds later."""
    spec = validate_spec(data)
    if spec.preset is None and all(c.preset is None for c in spec.clips):
        return spec
    return apply_presets(spec, library)
