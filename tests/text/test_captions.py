"""Caption files: parsed by srt / webvtt-py, checked, and every mistake names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor.errors import MediaError, SpecError
from editor.text.captions import MAX_CAPTION_BYTES, parse_captions, read_captions

VTT = """WEBVTT
Kind: captions

NOTE word timings drive karaoke

1
00:00:01.000 --> 00:00:03.000 align:start
<v Kari><00:00:01.000>Hei <00:00:01.500><c.yellow>på</c> <00:00:02.000>deg &amp; deg

00:00:03.500 --> 00:00:05.000
Second <b>line</b>
third
"""

SRT = """1
00:00:00,500 --> 00:00:02,000
<i>Hei</i> {\\an8}verden

2
00:00:02,500 --> 00:00:04,000
两行
文字
"""


def test_vtt_cues_keep_their_word_timings_and_lose_their_markup() -> None:
    first, second = parse_captions(VTT.encode())
    assert (first.start, first.end, first.line) == (1.0, 3.0, 7)
    assert first.pieces == ((1.0, "Hei "), (1.5, "på "), (2.0, "deg & deg"))
    assert first.timed and first.text == "Hei på deg & deg"
    assert second.pieces == ((3.5, "Second line\nthird"),) and not second.timed


def test_srt_cues_are_read_with_the_srt_parser() -> None:
    a, b = parse_captions(SRT.encode("utf-8-sig"))  # a BOM is fine
    assert (a.start, a.end, a.text) == (0.5, 2.0, "Hei verden")
    assert (b.text, b.line) == ("两行\n文字", 6)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n00:00:0x,000 --> 00:00:03,000\nbad\n",
            "line 5: not a subtitle",
        ),
        (b"1\n00:00:01,000 --> 00:00:02,000\nhi\n\n\nstray text\n", "line 6: not a subtitle"),
        (
            b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nok\n\n00:00:0x.000 --> 00:00:05.000\nbad\n",
            "line 6: not a cue",
        ),
        (b"WEBVTT\n\n00:00:05.000 --> 00:00:03.000\nbackwards\n", "line 3: the cue ends before it starts"),
        (
            b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<00:00:04.000>late\n",
            "line 3: word time <00:00:04.000>",
        ),
        (b"hello\xff\xfe", "line 1: not UTF-8 text"),
        (b"1\n00:00:01,000 --> 00:00:02,000\nnul\x00\n", "line 3: a control character"),
        (
            b"1\n00:00:01,000 --> 00:00:02,000\n" + b"x" * 600 + b"\n",
            "line 2: the cue has over 500 characters",
        ),
    ],
)
def test_a_malformed_file_is_a_spec_error_naming_the_line(data: bytes, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_captions(data, field="captions.src")
    field, reason = caught.value.problems[0]
    assert field == "captions.src" and reason.startswith(message), reason


def test_caption_files_are_size_capped_and_must_exist(tmp_path: Path) -> None:
    big = tmp_path / "big.srt"
    big.write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nhi\n\n" * (MAX_CAPTION_BYTES // 30))
    with pytest.raises(SpecError, match="over 1024 KiB"):
        read_captions(big)
    with pytest.raises(MediaError, match="not found"):
        read_captions(tmp_path / "missing.vtt")
    vtt = tmp_path / "ok.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    assert len(read_captions(vtt)) == 2
