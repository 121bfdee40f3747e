"""Text layout: grapheme clusters -> fonts -> break opportunities -> wrapped lines of shaped runs.

A paragraph is cut into extended grapheme clusters (``regex``'s ``\\X``, which keeps emoji ZWJ
sequences, skin tones, flags and combining marks whole). Each cluster gets the first face of the
chain that has all of its characters (colour emoji get the emoji face), and neutral clusters
(spaces, digits, punctuation) stay with the face before them so runs are not cut needlessly.

Lines break where each script allows: at spaces; between CJK characters, except before closing
punctuation and small kana (kinsoku); between Thai words found by BudouX (Apache-2.0, Google's
phrase model), since Thai writes no spaces; anywhere inside a word only when the word alone is
wider than the line. Each line is then cut into runs of one face, one embedding level and one
karaoke piece, and the runs are put in visual order (``editor.text.bidi``). Pillow, built with
libraqm (HarfBuzz + FriBiDi), shapes each run: Arabic joining, Indic conjuncts, mirroring.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex

from editor.text import bidi
from editor.text.fonts import EMOJI, Face

_CLUSTER = regex.compile(r"\X")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303F\uFF00-\uFFEF]")
_THAI = regex.compile(r"\p{Thai}")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
_HANGUL = regex.compile(r"\p{Hangul}")
_PRESENTATION = regex.compile(r"[\p{Emoji_Presentation}\p{Regional_Indicator}]")
_PICTOGRAPH = regex.compile(r"\p{Extended_Pictographic}")
_MODIFIER = regex.compile(r"\p{Emoji_Modifier}")
# Kinsoku: never at the start of a line / never at its end.
_NO_START = set(
    "、。，．,.！？!?）)」』】〕〉》〙〗｝}ーゝゞヽヾ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ・：；:;…"
)
_NO_END = set("（(「『【〔〈《〘〖｛{")


def is_emoji(cluster: str) -> bool:
    """Whether a grapheme cluster is shown as a colour emoji (emoji presentation)."""
    if "\ufe0e" in cluster:
        return False
    first = cluster[0]
    if _PRESENTATION.match(first):
        return True
    if "\u20e3" in cluster:  # keycap: 1, #, * + U+FE0F + U+20E3
        return True
    return bool(_PICTOGRAPH.match(first)) and (
        "\ufe0f" in cluster or "\u200d" in cluster or bool(_MODIFIER.search(cluster))
    )


def _neutral(cluster: str) -> bool:
    return unicodedata.category(cluster[0])[0] in "ZPNS" and not is_emoji(cluster)


def pick_face(cluster: str, chain: Sequence[Face], previous: Face | None) -> Face:
    if is_emoji(cluster) and EMOJI.covers(cluster):
        return EMOJI
    if previous is not None and not previous.emoji and _neutral(cluster) and previous.covers(cluster):
        return previous
    for face in chain:
        if face.covers(cluster):
            return face
    return next((face for face in chain if face.covers(cluster[0])), chain[0])


@dataclass(frozen=True)
class Cluster:
    text: str
    face: Face
    level: int
    piece: int  # which karaoke piece (word) it belongs to
    space: bool  # whitespace: a line may break after it and it hangs at a line's end


@dataclass(frozen=True)
class Run:
    """Text of one face, direction and piece, placed ``x`` pixels from the line's left edge."""

    text: str
    face: Face
    rtl: bool
    piece: int
    x: float
    width: float
    language: str | None = None


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]  # visual order, left to right
    width: float
    ascent: float
    descent: float
    rtl: bool  # the paragraph's direction

    @property
    def pieces(self) -> tuple[int, ...]:
        """Karaoke pieces with ink on this line, in logical order."""
        return tuple(sorted({r.piece for r in self.runs if r.text.strip()}))


@dataclass(frozen=True)
class Measure:
    """Font size and face chain of one text item; widths are cached per (text, face, direction)."""

    size: int
    chain: tuple[Face, ...]

    def width(self, text: str, face: Face, rtl: bool, language: str | None = None) -> float:
        return _length(text, face, self.size, rtl, language) * face.scale(self.size)

    def metrics(self, face: Face) -> tuple[float, float]:
        ascent, descent = face.font(self.size).getmetrics()
        k = face.scale(self.size)
        return ascent * k, descent * k


@cache
def _length(text: str, face: Face, size: int, rtl: bool, language: str | None) -> float:
    return float(face.font(size).getlength(text, direction="rtl" if rtl else "ltr", language=language))


def clusters(paragraph: str, pieces: Sequence[int], chain: Sequence[Face], base: int) -> list[Cluster]:
    """``pieces[i]`` is the karaoke piece of character ``i``."""
    levels = bidi.levels(paragraph, base)
    out: list[Cluster] = []
    previous: Face | None = None
    for m in _CLUSTER.finditer(paragraph):
        text = m.group()
        face = pick_face(text, chain, previous)
        previous = face
        space = text.isspace()
        out.append(Cluster(text, face, levels[m.start()], pieces[m.start()], space))
    return out


def break_after(items: Sequence[str]) -> list[bool]:
    """Break opportunities between grapheme clusters: ``result[i]``: a line may end after ``items[i]``."""
    n = len(items)
    out = [False] * n
    for i in range(n - 1):
        a, b = items[i], items[i + 1]
        if a.isspace() and not b.isspace():
            out[i] = True
        elif (_CJK.match(a) or _CJK.match(b)) and not b.isspace():
            out[i] = b[0] not in _NO_START and a[-1] not in _NO_END
    i = 0
    while i < n:  # Thai: between the words BudouX finds
        if not _THAI.match(items[i]):
            i += 1
            continue
        j = i
        while j < n and _THAI.match(items[j]):
            j += 1
        ends, offset = _thai_word_ends("".join(items[i:j])), 0
        for k in range(i, j):
            offset += len(items[k])
            if offset in ends and k < n - 1:
                out[k] = True
        i = j
    return out


def words(text: str) -> list[str]:
    """``text`` cut at its break opportunities (spaces stay with the word before them)."""
    items = _CLUSTER.findall(text)
    out = [""]
    for cluster, brk in zip(items, break_after(items), strict=True):
        out[-1] += cluster
        if brk:
            out.append("")
    return [w for w in out if w]


@cache
def _thai_parser() -> Any:
    import budoux

    return budoux.load_default_thai_parser()


def _thai_word_ends(text: str) -> set[int]:
    ends, offset = set(), 0
    for phrase in _thai_parser().parse(text):
        offset += len(phrase)
        ends.add(offset)
    return ends


def _runs(items: Sequence[Cluster]) -> list[tuple[str, Face, int, int]]:
    """Consecutive clusters of one face, level and piece, in logical order: (text, face, level, piece)."""
    runs: list[tuple[str, Face, int, int]] = []
    for c in items:
        if runs and runs[-1][1:] == (c.face, c.level, c.piece):
            text, face, level, piece = runs[-1]
            runs[-1] = (text + c.text, face, level, piece)
        else:
            runs.append((c.text, c.face, c.level, c.piece))
    return runs


def _width(items: Sequence[Cluster], m: Measure) -> float:
    return sum(m.width(text, face, level % 2 == 1) for text, face, level, _ in _runs(items))


def wrap(items: Sequence[Cluster], max_width: float, m: Measure) -> list[list[Cluster]]:
    """Greedy line filling at break opportunities; trailing spaces hang outside the width."""
    if not items:
        return [[]]
    breaks = break_after([c.text for c in items])
    units: list[list[Cluster]] = [[]]
    for i, c in enumerate(items):
        units[-1].append(c)
        if breaks[i]:
            units.append([])
    lines: list[list[Cluster]] = []
    current: list[Cluster] = []
    for unit in (u for u in units if u):
        if current and _width(_trim(current + unit), m) > max_width:
            lines.append(current)
            current = []
        if not current and _width(_trim(unit), m) > max_width:
            for c in unit:  # a word wider than the line: break inside it
                if current and _width(_trim([*current, c]), m) > max_width:
                    lines.append(current)
                    current = []
                current.append(c)
            continue
        current.extend(unit)
    lines.append(current)
    return lines


def _trim(items: Sequence[Cluster]) -> list[Cluster]:
    end = len(items)
    while end and items[end - 1].space:
        end -= 1
    return list(items[:end])


def _language(paragraph: str) -> str | None:
    """A hint that picks Japanese or Korean glyph forms from the CJK font (its default is Chinese)."""
    if _KANA.search(paragraph):
        return "ja"
    if _HANGUL.search(paragraph):
        return "ko"
    return None


def build_line(items: Sequence[Cluster], base: int, m: Measure, language: str | None) -> Line:
    items = _trim(items)
    logical = _runs(items)
    order = bidi.visual_order([level for _, _, level, _ in logical])
    runs, x = [], 0.0
    ascent, descent = m.metrics(m.chain[0])
    for index in order:
        text, face, level, piece = logical[index]
        rtl = level % 2 == 1
        lang = language if _CJK.search(text) or _HANGUL.search(text) else None
        width = m.width(text, face, rtl, lang)
        runs.append(Run(text, face, rtl, piece, x, width, lang))
        x += width
        a, d = m.metrics(face)
        ascent, descent = max(ascent, a), max(descent, d)
    return Line(tuple(runs), x, ascent, descent, base == 1)


def layout(pieces: Sequence[str], m: Measure, max_width: float, direction: str = "auto") -> tuple[Line, ...]:
    """Lay out text given as karaoke pieces (one piece = the whole text when not karaoke)."""
    text = "".join(pieces)
    owner = [k for k, piece in enumerate(pieces) for _ in piece]
    lines: list[Line] = []
    offset = 0
    for paragraph in text.split("\n"):
        base = {"ltr": 0, "rtl": 1}.get(direction, bidi.base_level(paragraph))
        items = clusters(paragraph, owner[offset : offset + len(paragraph)], m.chain, base)
        offset += len(paragraph) + 1
        language = _language(paragraph)
        for row in wrap(items, max_width, m):
            row_levels = bidi.line_levels("".join(c.text for c in row), [c.level for c in row], base)
            row = [
                Cluster(c.text, c.face, lv, c.piece, c.space) for c, lv in zip(row, row_levels, strict=True)
            ]
            lines.append(build_line(row, base, m, language))
    return tuple(lines)


def reveal_stops(line: Line, m: Measure) -> list[float]:
    """Typewriter steps: the revealed width after each grapheme, from the line's starting edge."""
    stops: set[float] = set()
    for run in line.runs:
        offset = 0
        for g in _CLUSTER.findall(run.text):
            offset += len(g)
            w = m.width(run.text[:offset], run.face, run.rtl, run.language)
            stops.add(round(run.x + (run.width - w if run.rtl else w), 1))
    # Revealed width, growing from the left edge, or from the right one for right-to-left text.
    return sorted({round(line.width - s if line.rtl else s, 1) for s in stops} - {0.0})
