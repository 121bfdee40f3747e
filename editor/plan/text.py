"""Text overlays: drawtext reading a server-written file, so user text is never filter syntax."""

from __future__ import annotations

import textwrap
from pathlib import Path

from editor.plan.graph import escape_value, num
from editor.spec import TextOverlay

_Y = {"top": "h*0.12", "center": "(h-text_h)/2", "bottom": "h*0.80-text_h"}


def font_size(overlay: TextOverlay, height: int) -> int:
    return max(8, round(height / 22 * overlay.size))


def wrap(text: str, width: int, size: int) -> str:
    """Wrap to lines that fit 86% of the frame width (DejaVu Sans Bold averages ~0.55 em a glyph)."""
    columns = max(4, int(width * 0.86 / (size * 0.55)))
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, columns, break_long_words=True) or [""])
    return "\n".join(lines)


def drawtext(overlay: TextOverlay, textfile: Path, font: Path, *, height: int, end: float) -> str:
    size = font_size(overlay, height)
    until = overlay.end if overlay.end is not None else end
    box = f":box=1:boxcolor=black@0.45:boxborderw={size // 3}" if overlay.box else ""
    return (
        f"drawtext=fontfile={escape_value(str(font))}:textfile={escape_value(str(textfile))}"
        f":expansion=none:fontsize={size}:fontcolor=0x{overlay.color[1:]}:line_spacing={size // 4}"
        f":borderw={max(1, size // 14)}:bordercolor=black@0.7:text_align=C{box}"
        f":x=(w-text_w)/2:y={_Y[overlay.position]}"
        f":enable='between(t,{num(overlay.start)},{num(until)})'"
    )
