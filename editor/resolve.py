"""From user JSON to the spec the engine renders: validated (``editor.spec``), presets merged
(``editor.presets``). Every interface (CLI, batch, API, templates, previews) calls ``parse_spec``.

A resolved spec is reproducible: ``resolved_data`` is its canonical JSON (every field explicit,
no preset names left), which the API stores at submit with ``ENGINE_VERSION`` and renders later.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from editor.presets import PresetLibrary, apply_presets
from editor.spec import EditSpec, validate_spec


def parse_spec(data: Mapping[str, Any], library: PresetLibrary | None = None) -> EditSpec:
    """Validate ``data`` as an edit spec and merge the presets it names; the result carries no
    ``preset`` any more, so it renders the same whatever the preset library holds later."""
    spec = validate_spec(data)
    if not spec.named_presets():
        return spec
    return apply_presets(spec, library)


def resolved_data(spec: EditSpec) -> dict[str, Any]:
    """The canonical JSON of a parsed spec: what a later ``parse_spec`` turns back into ``spec``."""
    return spec.model_dump(mode="json", by_alias=True)


def _engine_version() -> str:
    try:
        return version("reelforge")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "source"


ENGINE_VERSION = _engine_version()
