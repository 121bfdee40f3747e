"""The edit spec's JSON Schema agrees with the models that validate specs: what one accepts, the
other accepts, and the two source forms differ only in the fields that name files."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from editor.errors import SpecError
from editor.resolve import parse_spec
from editor.spec_schema import EXAMPLES, file_fields, spec_json_schema
from editor.walk import nodes, sources
from tests.conftest import EXAMPLES as EXAMPLE_DIR

MEDIA_ID = "media:" + "ab" * 16


def problems(schema: dict[str, Any], spec: dict[str, Any]) -> set[str]:
    """Every place the schema finds fault with ``spec``, into the branches of anyOf and oneOf."""

    def walk(errors: Iterable[jsonschema.ValidationError]) -> Iterator[str]:
        for error in errors:
            yield "/".join(map(str, error.absolute_path))
            yield from walk(error.context or ())

    return set(walk(jsonschema.Draft202012Validator(schema).iter_errors(spec)))


@pytest.mark.parametrize("form", ["path", "api"])
def test_the_schema_is_valid_and_its_example_is_a_spec(form: str) -> None:
    schema = spec_json_schema(form)  # type: ignore[arg-type]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert problems(schema, EXAMPLES[form]) == set()  # type: ignore[index]
    parse_spec(EXAMPLES[form])  # type: ignore[index]


@pytest.mark.parametrize("path", sorted(EXAMPLE_DIR.glob("*.json")), ids=lambda p: p.name)
def test_every_example_spec_validates_against_the_path_form(path: Path) -> None:
    assert problems(spec_json_schema("path"), json.loads(path.read_text())) == set()


A, B = {"src": "a.mp4"}, {"src": "b.mp4"}
FADE = {"type": "fade"}


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ({"clips": [{**A, "effects": [{"type": "vignete"}]}]}, "clips/0/effects/0"),
        ({"clips": [{**A, "transition": FADE}, {**B, "speed": 9}]}, "clips/1/speed"),
        ({"clips": [{**A, "transition": {"type": "fadee"}}, B]}, "clips/0/transition"),
        ({"clips": [A], "face_effects": [{"type": "sticker", "asset": "x", "scale": 0}]}, "face_effects/0"),
        ({"clips": [{**A, "colour": "red"}]}, "clips/0"),
        ({"clips": [A], "audio": {"ducking": "yes"}}, "audio/ducking"),
    ],
)
def test_what_the_models_refuse_the_schema_refuses(spec: dict[str, Any], where: str) -> None:
    with pytest.raises(SpecError):
        parse_spec(spec)
    assert where in problems(spec_json_schema("path"), spec)


def test_the_api_form_takes_ids_where_the_path_form_takes_files() -> None:
    spec = {
        "clips": [
            {
                "src": MEDIA_ID,
                "effects": [
                    {"type": "lut", "name": "teal_orange"},
                    {"type": "background", "mode": "replace", "src": MEDIA_ID},
                ],
            }
        ],
        "face_effects": [{"type": "sticker", "asset": MEDIA_ID}, {"type": "sticker", "asset": "crown"}],
        "captions": {"src": MEDIA_ID},
        "audio": {"sound": {"src": "sound:" + "cd" * 16}, "voiceover": {"src": MEDIA_ID}},
    }
    api, path = spec_json_schema("api"), spec_json_schema("path")
    assert problems(api, spec) == set()
    local = {
        "clips": [
            {
                "src": "clips/a.mp4",
                "effects": [
                    {"type": "lut", "name": "looks/mine.cube"},
                    {"type": "background", "mode": "replace", "src": "backs/beach.jpg"},
                ],
            }
        ],
        "face_effects": [{"type": "sticker", "asset": "art/hat.png"}],
        "captions": {"src": "talk.vtt"},
        "audio": {"sound": {"src": "music.m4a"}, "voiceover": {"src": "me.m4a"}},
    }
    assert problems(path, local) == set()
    refused = {
        "clips/0/src",
        "clips/0/effects/0/name",
        "clips/0/effects/1/src",
        "face_effects/0/asset",
        "captions/src",
        "audio/sound/src",
    }
    assert refused | {"audio/voiceover/src"} <= problems(api, local)
    # The file-like fields are the ones the walker finds; otherwise the two forms are the same schema.
    found = set()
    for layout in ("duet", "react", "green_screen"):
        parsed = parse_spec(
            {**spec, "layers": [{"src": MEDIA_ID}], "layout": {"type": layout, "with": MEDIA_ID}}
        )
        owners = dict(nodes(parsed))
        found |= {
            (type(owners[where]).__name__, name)
            for where, _, name in (s.field.rpartition(".") for s in sources(parsed))
        }
    assert set(file_fields(api)) == set(file_fields(path)) == found
    for schema in (api, path):
        for model, name in found:
            schema["$defs"][model]["properties"].pop(name)
        schema.pop("description"), schema.pop("examples")
    assert api == path
