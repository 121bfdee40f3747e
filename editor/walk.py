"""The one walk over a spec (or a preset): every model in it, and every file-like field, by path.

A field that names a file is declared where it is defined, with ``source(kind)`` (a clip's ``src``
is ``source("media")``, a LUT's ``name`` is ``source("lut")``...), so a new kind of layer, caption
or background is resolved by the CLI and checked by the API the day it is added. The walk is
generic over pydantic models: tuples of models are indexed (``clips[1].effects[0]``).

    for path, node in nodes(spec): ...               # every model, depth first
    for found in sources(spec): found.field, .value, .kind
    local = with_sources(spec, lambda found: ...)      # a copy with some sources replaced
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

SourceKind = Literal["media", "sound", "sticker", "lut", "captions"]
M = TypeVar("M", bound=BaseModel)
SOURCE_KEY = "x-reelforge-source"  # also marks the field in the JSON Schema (editor.spec_schema)


def source(kind: SourceKind, *args: Any, **kwargs: Any) -> Any:
    """``Field(...)`` for a field that names a file (a path to the CLI, an id to the API)."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    return Field(*args, json_schema_extra={**extra, SOURCE_KEY: kind}, **kwargs)


@dataclass(frozen=True)
class Source:
    field: str  # e.g. "clips[1].src", "face_effects[0].asset"
    value: str
    kind: SourceKind


def nodes(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, BaseModel]]:
    """``model`` and every model inside it, each with its path (``""`` for the root)."""
    yield prefix, model
    for _, name, value in _fields(model):
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(value, BaseModel):
            yield from nodes(value, path)
        elif isinstance(value, tuple | list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from nodes(item, f"{path}[{i}]")


def sources(model: BaseModel) -> Iterator[Source]:
    """Every file-like field that is set, in document order."""
    for path, node in nodes(model):
        for attr, (name, kind) in _source_fields(type(node)).items():
            value = getattr(node, attr)
            if isinstance(value, str):
                yield Source(f"{path}.{name}" if path else name, value, kind)


def with_sources(model: M, replace: Callable[[Source], str]) -> M:
    """A copy of ``model`` whose file-like fields are ``replace(found)`` (return ``found.value`` to keep)."""
    update: dict[str, Any] = {}
    for attr, (name, kind) in _source_fields(type(model)).items():
        value = getattr(model, attr)
        if isinstance(value, str):
            new = replace(Source(name, value, kind))
            if new != value:
                update[attr] = new
    for attr, name, value in _fields(model):
        if isinstance(value, BaseModel):
            copied = with_sources(value, _prefixed(replace, name))
            if copied is not value:
                update[attr] = copied
        elif isinstance(value, tuple) and any(isinstance(item, BaseModel) for item in value):
            items = tuple(
                with_sources(item, _prefixed(replace, f"{name}[{i}]"))
                if isinstance(item, BaseModel)
                else item
                for i, item in enumerate(value)
            )
            if any(a is not b for a, b in zip(items, value, strict=True)):
                update[attr] = items
    return model.model_copy(update=update) if update else model


def _copied(item: Any, replace: Callable[[Source], str], path: str) -> Any:
    return with_sources(item, _prefixed(replace, path)) if isinstance(item, BaseModel) else item


def _prefixed(replace: Callable[[Source], str], prefix: str) -> Callable[[Source], str]:
    return lambda found: replace(Source(f"{prefix}.{found.field}", found.value, found.kind))


def _fields(model: BaseModel) -> Iterator[tuple[str, str, Any]]:
    """(attribute, name in JSON, value) of each field that may hold models."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel | tuple | list):
            yield name, info.alias or name, value


@cache
def _source_fields(cls: type[BaseModel]) -> dict[str, tuple[str, SourceKind]]:
    """attribute -> (name in JSON, kind) of each file-like field (``layout.with`` is ``with_``)."""
    found: dict[str, tuple[str, SourceKind]] = {}
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and SOURCE_KEY in extra:
            found[name] = (info.alias or name, extra[SOURCE_KEY])  # type: ignore[assignment]
    return found
