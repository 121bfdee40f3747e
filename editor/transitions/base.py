"""The transition interface and its registry.

A transition joins the running timeline ``a`` to the next clip ``b``; both last at least
``duration`` and the result overlaps them by it (xfade semantics). Each transition is one
``Transition`` registered once under its name; ``join`` adds its filters to the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from editor import registry
from editor.names import unknown_name
from editor.plan.graph import Graph, num


@dataclass(frozen=True)
class Join:
    """Where and how two streams meet: ``offset`` is in the running timeline's seconds."""

    offset: float
    duration: float
    width: int
    height: int


class Transition:
    """One transition. Subclasses set ``name`` and ``summary`` and implement ``join``."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def join(self, g: Graph, a: str, b: str, j: Join) -> str:
        raise NotImplementedError

    @staticmethod
    def xfade(g: Graph, a: str, b: str, j: Join, mode: str) -> str:
        """ffmpeg's ``xfade`` in ``mode`` over the join: what every transition ends with."""
        xfade = f"xfade=transition={mode}:duration={num(j.duration)}:offset={num(j.offset)}"
        return g.chain([a, b], [xfade], "xf")


TRANSITIONS: dict[str, Transition] = {}
T = TypeVar("T", bound=type[Transition])


def register(cls: T) -> T:
    """Class decorator: make ``cls`` available in specs under ``cls.name``."""
    add(cls())
    return cls


def add(transition: Transition) -> None:
    registry.add(TRANSITIONS, transition.name, transition, "transition name")


def check_name(name: str) -> str:
    if name not in TRANSITIONS:
        raise ValueError(unknown_name("transition", name, TRANSITIONS))
    return name


DURATION = {"type": "number", "default": 0.5, "exclusiveMinimum": 0.0, "maximum": 3.0}


def describe(transition: Transition) -> dict[str, Any]:
    """Name, one-line summary and parameters of one transition, for listings."""
    return {"name": transition.name, "description": transition.summary, "parameters": {"duration": DURATION}}


def join_video(g: Graph, a: str, b: str, name: str, j: Join) -> str:
    """Add transition ``name`` between ``a`` and ``b`` and return the joined label."""
    return TRANSITIONS[name].join(g, a, b, j)


def join_audio(g: Graph, a: str, b: str, duration: float) -> str:
    """Equal-power cross-fade of the two sounds over the transition."""
    return g.chain([a, b], [f"acrossfade=d={num(duration)}:c1=qsin:c2=qsin"], "axf")
