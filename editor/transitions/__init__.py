"""Transition registry: one ``Transition`` per name (``base``), found in this package's modules.

Add one by writing a class with ``name``, ``summary`` and ``join`` decorated with ``@register``
in any module of this package (``custom.py`` holds the hand-made ones); nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil

from editor.transitions.base import (
    TRANSITIONS,
    Join,
    Transition,
    check_name,
    describe,
    join_audio,
    join_video,
)

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["TRANSITIONS", "Join", "Transition", "check_name", "describe", "join_audio", "join_video"]
