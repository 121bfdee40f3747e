"""Every number of an edit spec is finite and bounded on both sides, in the models themselves, so
the CLI (YAML and Python accept NaN and Infinity) and the API refuse the same values."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from editor.errors import SpecError
from editor.spec import validate_spec
from editor.spec_schema import spec_json_schema
from editor.text.models import MAX_SECONDS


def numbers(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every ``number``/``integer`` schema in ``node``, with where it is."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") in ("number", "integer") and "const" not in node and "enum" not in node:
            found.append((path, node))
        for key, value in node.items():
            found += numbers(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += numbers(item, f"{path}/{i}")
    return found


def test_every_number_in_the_spec_schema_has_both_bounds() -> None:
    found = numbers(spec_json_schema())
    assert len(found) > 90  # the walk reaches the effects' parameters too
    unbounded = [
        path
        for path, schema in found
        if not (
            {"minimum", "exclusiveMinimum"} & set(schema) and {"maximum", "exclusiveMaximum"} & set(schema)
        )
    ]
    assert unbounded == []


SPEC: dict[str, Any] = {
    "clips": [{"src": "a.mp4"}],
    "audio": {"sound": {"src": "s.m4a"}},
    "overlays": [{"text": "hi"}],
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("clips.0.in", math.inf),
        ("clips.0.out", math.nan),
        ("clips.0.out", 1e308),
        ("audio.sound.start", math.inf),
        ("audio.sound.start", 1e308),
        ("audio.sound.volume", math.nan),
        ("overlays.0.start", math.inf),
        ("overlays.0.end", MAX_SECONDS + 1),
    ],
)
def test_extreme_numbers_are_spec_errors(field: str, value: float) -> None:
    data = copy.deepcopy(SPEC)
    *parents, last = field.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value
    with pytest.raises(SpecError) as caught:
        validate_spec(data)
    dotted = field.replace(".0.", "[0].")
    assert [f for f, _ in caught.value.problems] == [dotted]


def test_the_largest_accepted_time_is_a_day() -> None:
    data: Any = {"clips": [{"src": "a.mp4", "in": MAX_SECONDS - 1, "out": MAX_SECONDS}]}
    assert validate_spec(data).clips[0].out == MAX_SECONDS
