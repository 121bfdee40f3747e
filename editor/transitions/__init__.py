"""Transition registry: one ``Transition`` per name (``base``), found in this package's modules.

Add one by writing a class with ``name``, ``summary`` and ``join`` decorated with ``@register``
in any module of this package (``custom.py`` holds the hand-made ones); nothing else changes.
"""

from __future__ import annotations

from editor import registry
from editor.transitions.base import (
    TRANSITIONS,
    Join,
    Transition,
    check_name,
    describe,
    join_audio,
    join_video,
)

registry.import_modules(__name__, __path__)

__all__ = ["TRANSITIONS", "Join", "Transition", "check_name", "describe", "join_audio", "join_video"]
