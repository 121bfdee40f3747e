"""Every script and colour emoji, checked on the pixels the rasteriser draws (no ffmpeg needed).

"No empty boxes" is measured against the real thing: a character no bundled font has is drawn
as the primary font's .notdef box, and no cluster of a caption may look like that box.
"""

from __future__ import annotations

import colorsys

import numpy as np
import pytest
import regex

from editor.text.fonts import chain, shaping_available
from editor.text.layout import Line, Measure, layout
from editor.text.raster import Look, draw_line

SIZE = 48
M = Measure(SIZE, chain("sans", "bold"))
LOOK = Look(SIZE, (255, 255, 255, 255), (255, 214, 10, 255), line_height=SIZE * 2)
NO_GLYPH = "\u0378"  # an unassigned code point: no font has it, so the .notdef box is drawn

CAPTIONS = {
    "norwegian": "Blåbærsyltetøy på Ærø, søte Åse!",
    "japanese": "今日はいい天気ですね。カメラ、スタート！",
    "chinese": "你好，世界！今天天气很好。",
    "korean": "안녕하세요, 오늘 날씨가 좋네요",
    "arabic": "مرحبا بالعالم، كيف حالك؟",
    "hebrew": "שלום עולם, מה שלומך?",
    "hindi": "नमस्ते दुनिया, क्षत्रिय स्त्री",
    "thai": "สวัสดีครับ วันนี้อากาศดีมาก",
}


def test_pillow_shapes_with_libraqm() -> None:
    assert shaping_available(), "Pillow has no libraqm here: install FriBiDi (Debian: libfribidi0)"


def alpha(text: str, width: float = 10_000) -> np.ndarray:
    """The ink of ``text`` on one line (or stacked lines), as a float array."""
    lines = layout([text], M, width)
    return np.vstack([np.asarray(draw_line(ln, LOOK, M).images[0].getchannel("A"), float) for ln in lines])


def rgb(text: str) -> np.ndarray:
    (line,) = layout([text], M, 10_000)
    return np.asarray(draw_line(line, LOOK, M).images[0], float)


def ink_box(a: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(a > 40)
    return a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def looks_like(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    return float(np.abs(a - b).mean()) < 8


def ink_columns(a: np.ndarray) -> tuple[int, int]:
    xs = np.nonzero((a > 40).any(axis=0))[0]
    return int(xs.min()), int(xs.max())


def test_the_empty_box_detector_detects_empty_boxes() -> None:
    tofu = ink_box(alpha(NO_GLYPH))
    assert tofu.size > 100 and looks_like(ink_box(alpha("\u0379")), tofu)  # another missing one
    assert not looks_like(ink_box(alpha("A")), tofu)


@pytest.mark.parametrize("language", list(CAPTIONS))
def test_every_script_draws_real_glyphs_not_empty_boxes(language: str) -> None:
    text = CAPTIONS[language]
    tofu = ink_box(alpha(NO_GLYPH))
    whole = alpha(text)
    assert (whole > 40).sum() > 40 * len(text), f"{language}: little or no ink"
    for cluster in set(regex.findall(r"\X", text)) - {" "}:
        a = alpha(cluster)
        if (a > 40).sum() < 5:  # spaces and marks alone
            continue
        assert not looks_like(ink_box(a), tofu), f"{language}: {cluster!r} is drawn as an empty box"


def test_arabic_letters_join_and_read_right_to_left() -> None:
    joined = ink_box(alpha("سلام"))
    apart = ink_box(alpha("س\u200cل\u200cا\u200cم"))  # ZWNJ forbids joining: isolated forms
    assert joined.shape[1] < apart.shape[1] * 0.9, "the letters were not joined"
    line = alpha("سلام عليكم")
    first, second = alpha("سلام"), alpha("عليكم")
    assert _position(first, line) > _position(second, line), "the first word is not on the right"


def test_hebrew_reads_right_to_left_with_mirrored_brackets() -> None:
    line = alpha("שלום עולם")
    assert _position(alpha("שלום"), line) > _position(alpha("עולם"), line)
    (laid,) = layout(["(שלום)"], M, 10_000)
    assert laid.rtl and all(r.rtl for r in laid.runs)


def test_hindi_conjuncts_are_formed() -> None:
    conjunct = ink_box(alpha("क्ष"))
    spelled = ink_box(alpha("क्\u200cष"))  # ZWNJ keeps the virama visible: no conjunct
    assert conjunct.shape[1] < spelled.shape[1] * 0.85
    assert not looks_like(conjunct, ink_box(alpha("कष")))


def test_thai_wraps_between_words_not_inside_them() -> None:
    text = "สวัสดีครับวันนี้อากาศดีมากเราไปเที่ยวทะเลกันเถอะ"
    lines = layout([text], M, 260)
    texts = ["".join(r.text for r in sorted(ln.runs, key=lambda r: r.x)) for ln in lines]
    assert len(lines) >= 3 and "".join(texts) == text
    words = ["สวัสดี", "ครับ", "วัน", "นี้", "อากาศ", "ดี", "มาก", "เรา", "ไป", "เที่ยว", "ทะเล", "กัน", "เถอะ"]
    ends = {sum(len(w) for w in words[: k + 1]) for k in range(len(words))}
    offset = 0
    for piece in texts[:-1]:
        offset += len(piece)
        assert offset in ends, f"a line breaks inside a word: {piece!r}"


def test_cjk_wraps_between_characters_but_not_before_closing_punctuation() -> None:
    text = "你好，世界！今天天气很好，我们一起去公园散步吧。"
    lines = layout([text], M, 300)
    assert len(lines) >= 3
    assert all(ln.width <= 300 for ln in lines)
    starts = ["".join(r.text for r in ln.runs)[0] for ln in lines]
    assert not set(starts) & set("，。！")


@pytest.mark.parametrize(
    ("emoji", "hues"),
    [
        ("😀", 1),
        ("👨\u200d👩\u200d👧\u200d👦", 0),
        ("👩🏽\u200d💻", 2),
        ("🏳️\u200d🌈", 4),
        ("👍🏽", 1),
        ("🇳🇴", 2),
    ],
    ids=["single", "zwj-family", "zwj-skin-tone", "zwj-rainbow-flag", "skin-tone", "flag"],
)
def test_emoji_are_one_colour_glyph_each(emoji: str, hues: int) -> None:
    """Noto draws families as grey silhouettes by design (``hues`` 0): one glyph, not four faces."""
    (line,) = layout([emoji], M, 10_000)
    assert len(line.runs) == 1 and line.runs[0].face.emoji
    single = ink_columns(alpha("😀"))
    width = ink_columns(alpha(emoji))
    assert width[1] - width[0] <= (single[1] - single[0]) * 1.3, "drawn as several glyphs"
    unjoined = ink_columns(alpha(emoji.replace("\u200d", "")))
    assert "\u200d" not in emoji or unjoined[1] - unjoined[0] > (width[1] - width[0]) * 1.6
    pixels = rgb(emoji)
    solid = pixels[pixels[..., 3] > 200][:, :3] / 255
    sampled = [colorsys.rgb_to_hsv(*p) for p in solid[:: max(1, len(solid) // 400)]]
    coloured = [h for h, s, v in sampled if s > 0.35 and v > 0.2]
    if hues:
        assert len(coloured) > 0.15 * len(sampled), "the emoji has no colour"
    assert len({round(h * 6) % 6 for h in coloured}) >= hues


def test_skin_tone_changes_the_colour_and_a_mixed_line_keeps_every_run() -> None:
    assert np.abs(rgb("👍🏽")[..., :3] - rgb("👍")[..., :3]).mean() > 3
    text = "Hi שלום مرحبا 你好 👋 नमस्ते"
    (line,) = layout([text], M, 10_000)
    faces = {r.face.file for r in line.runs if r.text.strip()}
    assert len(faces) >= 6  # Latin, Hebrew, Arabic, CJK, emoji, Devanagari
    ink = np.asarray(draw_line(line, LOOK, M).images[0], float)
    margin = LOOK.margin
    for run in (r for r in line.runs if r.text.strip()):
        left, right = round(margin + run.x), round(margin + run.x + run.width)
        region = ink[:, left:right]
        assert (region[..., 3] > 40).sum() > 30, f"{run.text!r} vanished"
        if run.face.emoji:
            assert np.std(region[region[..., 3] > 200][:, :3], axis=1).mean() > 20


def _position(word: np.ndarray, line: np.ndarray) -> int:
    """Where ``word``'s ink columns match best inside ``line`` (a 1-D template search)."""
    w = (word > 40).sum(axis=0).astype(float)
    w = w[np.nonzero(w)[0].min() : np.nonzero(w)[0].max() + 1]
    ln = (line > 40).sum(axis=0).astype(float)
    costs = [np.abs(ln[x : x + len(w)] - w).sum() for x in range(len(ln) - len(w) + 1)]
    return int(np.argmin(costs))


def test_line_heights_fit_the_tallest_script() -> None:
    thai = layout(["กิ่งไม้"], M, 10_000)[0]
    latin = layout(["Hello"], M, 10_000)[0]
    assert isinstance(thai, Line) and thai.ascent + thai.descent >= latin.ascent + latin.descent
