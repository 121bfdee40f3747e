"""Bidirectional text: embedding levels (Unicode Bidirectional Algorithm, UAX #9) and visual order.

Pillow (libraqm, FriBiDi, HarfBuzz) shapes and orders the glyphs *inside* one run of one font and
one direction; a line that mixes fonts is drawn run by run, so the order of the runs is ours to
find. This is UAX #9 without explicit embeddings: rules P2-P3, W1-W7, N1-N2, I1-I2, L1-L2.
Explicit formatting characters (LRE, RLO, isolates...) are treated as boundary neutrals, which
captions never need. python-bidi's maintained API returns only the reordered string, not the
levels, so the few rules live here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

_STRONG = {"L": "L", "R": "R", "AL": "R"}
_NEUTRAL = {"B", "S", "WS", "ON", "BN"}


def base_level(text: str) -> int:
    """P2-P3: 1 when the first strong character is right-to-left, else 0."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in _STRONG:
            return 0 if kind == "L" else 1
    return 0


def levels(text: str, base: int | None = None) -> list[int]:
    """The resolved embedding level of every character of one paragraph."""
    base = base_level(text) if base is None else base
    sos = "R" if base % 2 else "L"
    types = [unicodedata.bidirectional(ch) or "L" for ch in text]
    types = [
        "BN" if t in ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI") else t for t in types
    ]
    # W1: non-spacing marks take the type of what they follow.
    for i, t in enumerate(types):
        if t == "NSM":
            types[i] = types[i - 1] if i else sos
    # W2, W3: European numbers after Arabic letters are Arabic numbers; AL becomes R.
    last = sos
    for i, t in enumerate(types):
        if t in ("L", "R", "AL"):
            last = t
        elif t == "EN" and last == "AL":
            types[i] = "AN"
    types = ["R" if t == "AL" else t for t in types]
    # W4: one separator between two numbers of the same kind joins them.
    for i in range(1, len(types) - 1):
        a, t, b = types[i - 1], types[i], types[i + 1]
        if (t == "ES" and a == b == "EN") or (t == "CS" and a == b and a in ("EN", "AN")):
            types[i] = a
    # W5: terminators (%, currency) next to European numbers become numbers.
    i = 0
    while i < len(types):
        if types[i] != "ET":
            i += 1
            continue
        j = i
        while j < len(types) and types[j] == "ET":
            j += 1
        if (i and types[i - 1] == "EN") or (j < len(types) and types[j] == "EN"):
            types[i:j] = ["EN"] * (j - i)
        i = j
    # W6: what is left of separators and terminators is neutral.
    types = ["ON" if t in ("ES", "ET", "CS") else t for t in types]
    # W7: European numbers in a left-to-right context count as L.
    last = sos
    for i, t in enumerate(types):
        if t in ("L", "R"):
            last = t
        elif t == "EN" and last == "L":
            types[i] = "L"
    # N1, N2: neutrals between two of the same direction take it; others take the paragraph's.
    i = 0
    while i < len(types):
        if types[i] not in _NEUTRAL:
            i += 1
            continue
        j = i
        while j < len(types) and types[j] in _NEUTRAL:
            j += 1
        before = _direction(types[i - 1]) if i else sos
        after = _direction(types[j]) if j < len(types) else sos
        types[i:j] = [before if before == after else sos] * (j - i)
        i = j
    # I1, I2
    out = []
    for t in types:
        if base % 2 == 0:
            out.append(base + (1 if t == "R" else 2 if t in ("AN", "EN") else 0))
        else:
            out.append(base + (1 if t in ("L", "EN", "AN") else 0))
    return out


def _direction(t: str) -> str:
    return "L" if t == "L" else "R"  # numbers count as R for neutrals (N1)


def line_levels(text: str, para_levels: Sequence[int], base: int) -> list[int]:
    """L1: whitespace at the end of a line goes back to the paragraph level."""
    out = list(para_levels)
    i = len(text)
    while i > 0 and unicodedata.bidirectional(text[i - 1]) in ("WS", "S", "B", "BN"):
        i -= 1
        out[i] = base
    return out


def visual_order(run_levels: Sequence[int]) -> list[int]:
    """L2: indices of runs (each of one level) in left-to-right display order."""
    order = list(range(len(run_levels)))
    if not order:
        return order
    top = max(run_levels)
    lowest_odd = min((lv for lv in run_levels if lv % 2), default=top + 1)
    for level in range(top, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if run_levels[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and run_levels[order[j]] >= level:
                j += 1
            order[i:j] = reversed(order[i:j])
            i = j
    return order
