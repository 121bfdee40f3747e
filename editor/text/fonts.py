"""The bundled fonts (never system fonts): creator families, per-script fallbacks, colour emoji.

Every file lives in ``presets/fonts`` and ships with the package (``presets/fonts/README.md`` lists
each one, where it came from and its licence). A text run is drawn with the first face of its
family's *chain* that has every character of a grapheme cluster: the family's own face, then
Noto Sans (Latin, Greek, Cyrillic), one Noto face per script, the CJK subset and DejaVu Sans as
the last resort. Emoji clusters use Noto Color Emoji, a CBDT bitmap font that FreeType draws only
at its one strike size (``EMOJI_STRIKE``), so emoji are drawn at that size and scaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageFont, features

FONT_DIR = Path(__file__).resolve().parents[2] / "presets" / "fonts"
Weight = Literal["regular", "bold"]

# id -> (regular file, bold file); a family with one weight names the same file twice.
FAMILIES: dict[str, tuple[str, str]] = {
    "sans": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "serif": ("NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf"),
    "display": ("BebasNeue-Bold.otf", "BebasNeue-Bold.otf"),
    "handwritten": ("DancingScript-Regular.otf", "DancingScript-Bold.otf"),
    "script": ("Lobster-Regular.otf", "Lobster-Regular.otf"),
    "rounded": ("Comfortaa-Regular.ttf", "Comfortaa-Bold.ttf"),
    "typewriter": ("CourierPrime-Regular.otf", "CourierPrime-Bold.otf"),
}
FAMILY_NOTES = {
    "sans": "Noto Sans: the default, clean and neutral",
    "serif": "Noto Serif: editorial, quotes",
    "display": "Bebas Neue: bold condensed capitals for titles",
    "handwritten": "Dancing Script: casual handwriting",
    "script": "Lobster: bold retro script",
    "rounded": "Comfortaa: rounded geometric, soft and friendly",
    "typewriter": "Courier Prime: typewriter notes",
}
# Scripts with their own Noto face, in fallback order (each in Regular and Bold).
SCRIPTS = (
    "Arabic", "Hebrew", "Devanagari", "Bengali", "Tamil", "Telugu", "Gujarati", "Gurmukhi", "Kannada",
    "Malayalam", "Thai", "Lao", "Khmer", "Myanmar", "Sinhala", "Georgian", "Armenian", "Ethiopic",
)  # fmt: skip
EMOJI_FILE = "fallback/NotoColorEmoji.ttf"
EMOJI_STRIKE = 109  # the only pixel size of Noto Color Emoji's bitmaps
LAST_RESORT = "DejaVuSans-Bold.ttf"
# Characters a face need not have: joiners, variation selectors, marks of direction.
IGNORABLE = frozenset([0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, *range(0xFE00, 0xFE10)])


@dataclass(frozen=True)
class Face:
    """One font file; ``emoji`` faces are colour bitmaps drawn at ``EMOJI_STRIKE`` and scaled."""

    file: str
    emoji: bool = False

    @property
    def path(self) -> Path:
        return FONT_DIR / self.file

    def covers(self, cluster: str) -> bool:
        cmap = coverage(self.file)
        return all(ord(c) in cmap or ord(c) in IGNORABLE for c in cluster)

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        """The Pillow font at ``size`` pixels (emoji faces: always the strike size)."""
        return _font(self.file, EMOJI_STRIKE if self.emoji else size)

    def scale(self, size: int) -> float:
        """How much a run drawn by ``font(size)`` must be scaled to be ``size`` pixels tall."""
        return size / EMOJI_STRIKE if self.emoji else 1.0


EMOJI = Face(EMOJI_FILE, emoji=True)


@cache
def coverage(file: str) -> frozenset[int]:
    """The code points a font file maps to glyphs (read once per process)."""
    from fontTools.ttLib import TTFont

    with TTFont(FONT_DIR / file, lazy=True) as font:
        # Only the code points matter: placeholder glyph names skip parsing the real ones (slow for CJK).
        font.setGlyphOrder([f"g{i}" for i in range(font["maxp"].numGlyphs)])
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=256)
def _font(file: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / file), size, layout_engine=ImageFont.Layout.RAQM)


@cache
def chain(family: str, weight: Weight) -> tuple[Face, ...]:
    """The faces tried in order for a character of ``family``/``weight`` (emoji excluded)."""
    w = 0 if weight == "regular" else 1
    title = "Regular" if weight == "regular" else "Bold"
    faces = [FAMILIES[family][w], FAMILIES["sans"][w]]
    faces += [f"fallback/NotoSans{script}-{title}.ttf" for script in SCRIPTS]
    faces += [f"fallback/NotoSansCJK-{title}.subset.otf", LAST_RESORT]
    return tuple(Face(f) for f in dict.fromkeys(faces))


def shaping_available() -> bool:
    """Pillow shapes complex scripts (joining, conjuncts, bidi) only with libraqm and FriBiDi."""
    return bool(features.check("raqm"))
