"""The shape every extensible family shares (film effects, face effects, transitions): a table of
classes by name, filled by a decorator, and a package whose modules are all imported so that
writing the class is the only step."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import Any


def add(table: dict[str, Any], name: object, item: object, what: str) -> None:
    """Put ``item`` in ``table`` under ``name``; a missing or repeated name is a programming error."""
    if not isinstance(name, str) or not name or name in table:
        raise ValueError(f"{what} {name!r} is empty or already registered")
    table[name] = item


def import_modules(package: str, path: Iterable[str]) -> None:
    """Import every module of ``package`` (its ``__path__``), so their ``@register`` classes run."""
    for module in pkgutil.iter_modules(path):
        importlib.import_module(f"{package}.{module.name}")
