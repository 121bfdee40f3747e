"""Name look-ups that fail with "did you mean" suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Closest valid names to ``name`` (case-insensitive), best first."""
    options = sorted(set(choices))
    lowered = {c.lower(): c for c in options}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> str:
    """One-line message for an unknown ``kind`` called ``name``."""
    options = sorted(set(choices))
    close = suggest(name, options)
    if close:
        return f"unknown {kind} {name!r}; did you mean {' or '.join(repr(c) for c in close)}?"
    listing = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return f"unknown {kind} {name!r}; valid: {listing}"
