"""A tiny filter-graph builder: inputs, labelled chains, and safe escaping of option values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

_LEVEL1 = str.maketrans({"\\": "\\\\", "'": "\\'", ":": "\\:"})
_LEVEL2 = str.maketrans({"\\": "\\\\", "'": "\\'", "[": "\\[", "]": "\\]", ",": "\\,", ";": "\\;"})


def escape_value(value: str) -> str:
    """Escape a filter option value (a server-side path) for both filter-graph parsing levels."""
    if any(c in value for c in "\n\r\0"):
        raise ValueError("filter option values cannot contain control characters")
    return value.translate(_LEVEL1).translate(_LEVEL2)


def num(value: float, digits: int = 4) -> str:
    """A number as a filter argument: fixed point, no exponent, trailing zeros trimmed."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Input:
    """One ffmpeg input: a local file plus the options placed before its ``-i``."""

    path: Path
    options: tuple[str, ...] = ()
    demuxer: str | None = None


@dataclass
class Graph:
    """Collects inputs and filter chains; labels are generated so they never collide."""

    inputs: list[Input] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    _count: int = 0

    def add_input(self, inp: Input) -> int:
        self.inputs.append(inp)
        return len(self.inputs) - 1

    def label(self, hint: str) -> str:
        self._count += 1
        return f"{hint}{self._count}"

    def chain(self, sources: Sequence[str], filters: Sequence[str], hint: str = "s") -> str:
        """Append ``[src...]f1,f2[out]`` and return ``out``; with no filters, returns the source."""
        if not filters:
            if len(sources) != 1:
                raise ValueError("an empty chain needs exactly one source")
            return sources[0]
        out = self.label(hint)
        ins = "".join(f"[{s}]" for s in sources)
        self.chains.append(f"{ins}{','.join(filters)}[{out}]")
        return out

    def source(self, filters: Sequence[str], hint: str = "src") -> str:
        """A chain that starts from a source filter (color, anullsrc, gradients)."""
        out = self.label(hint)
        self.chains.append(f"{','.join(filters)}[{out}]")
        return out

    def render(self) -> str:
        return ";".join(self.chains)
