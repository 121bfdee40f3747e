"""Caption files: SubRip (.srt, parsed by ``srt``) and WebVTT (.vtt, parsed by ``webvtt-py``).

A caption file is untrusted text: it is size-capped, must be UTF-8 without control characters, and
every cue is checked (times in order, text length). Problems are ``SpecError``s at the spec field
that named the file, with the line: ``captions.src: line 7: ...``. Markup is removed (``<i>``,
``<c.yellow>``, ``{\\an8}``), entities are decoded, and WebVTT inline timestamps
(``<00:00:01.500>``) split a cue into timed pieces that drive karaoke highlighting.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from editor.errors import MediaError, SpecError
from editor.text.models import MAX_TEXT

MAX_CAPTION_BYTES = 1 << 20
MAX_CUES = 2000
_TIMESTAMP = re.compile(r"<((?:\d+:)?\d{2}:\d{2}\.\d{3})>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|\{\\[^}]*\}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    pieces: tuple[tuple[float, str], ...]  # (start time, text); timed pieces come from VTT word timings
    line: int  # where the cue starts in the file, for messages

    @property
    def text(self) -> str:
        return "".join(text for _, text in self.pieces)

    @property
    def timed(self) -> bool:
        return len(self.pieces) > 1


def decode(data: bytes, field: str) -> str:
    if len(data) > MAX_CAPTION_BYTES:
        raise SpecError.at(field, f"the caption file is over {MAX_CAPTION_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError.at(field, f"line {line}: not UTF-8 text; save the captions as UTF-8") from None
    bad = _CONTROL.search(text)
    if bad:
        line = text[: bad.start()].count("\n") + 1
        raise SpecError.at(field, f"line {line}: a control character; a caption file is plain text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_captions(path: Path, *, field: str = "captions.src") -> tuple[Cue, ...]:
    """Read and parse a caption file (``.vtt`` is WebVTT; anything else is sniffed)."""
    try:
        size = path.stat().st_size
        if size > MAX_CAPTION_BYTES:
            raise SpecError.at(field, f"the caption file is over {MAX_CAPTION_BYTES // 1024} KiB")
        with path.open("rb") as f:
            data = f.read(MAX_CAPTION_BYTES + 1)
    except OSError:
        raise MediaError(f"{field}: caption file {path.name!r} not found or unreadable") from None
    return parse_captions(data, field=field, vtt=True if path.suffix.lower() == ".vtt" else None)


def parse_captions(data: bytes, *, field: str = "captions.src", vtt: bool | None = None) -> tuple[Cue, ...]:
    """Cues of an SRT or VTT file (``vtt=None``: VTT when the file starts with ``WEBVTT``)."""
    text = decode(data, field)
    is_vtt = text.startswith("WEBVTT") if vtt is None else vtt
    cues = _vtt(text, field) if is_vtt else _srt(text, field)
    if len(cues) > MAX_CUES:
        raise SpecError.at(field, f"{len(cues)} cues; at most {MAX_CUES} are allowed")
    for cue in cues:
        if cue.end <= cue.start:
            raise SpecError.at(field, f"line {cue.line}: the cue ends before it starts")
        if len(cue.text) > MAX_TEXT:
            raise SpecError.at(field, f"line {cue.line}: the cue has over {MAX_TEXT} characters")
    return tuple(c for c in cues if c.text.strip())


def _timing_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.split("\n"), 1) if "-->" in line]


def _clean(text: str) -> str:
    return html.unescape(_TAG.sub("", text)).strip()


def _srt(text: str, field: str) -> list[Cue]:
    import srt

    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        where = (
            exc.expected_start + len(text[exc.expected_start :]) - len(text[exc.expected_start :].lstrip())
        )
        line = text[:where].count("\n") + 1
        raise SpecError.at(
            field, f"line {line}: not a subtitle; expected a number, then 'hh:mm:ss,mmm --> hh:mm:ss,mmm'"
        ) from None
    lines = _timing_lines(text)
    for i, s in enumerate(subtitles):
        gap = s.content.find("\n\n")  # srt reads on past a blank line; a cue ends there
        if gap >= 0:
            after = gap + len(s.content[gap:]) - len(s.content[gap:].lstrip("\n"))
            line = lines[i] + 1 + s.content[:after].count("\n")
            raise SpecError.at(field, f"line {line}: not a subtitle; expected a number, then the times")
    return [
        Cue(_seconds(s.start), _seconds(s.end), ((_seconds(s.start), _clean(s.content)),), lines[i])
        for i, s in enumerate(subtitles)
    ]


def _seconds(value: timedelta) -> float:
    return value.total_seconds()


def _vtt(text: str, field: str) -> list[Cue]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError
    from webvtt.vtt import WebVTTCueBlock

    # webvtt-py skips blocks it cannot read unless strict, and then does not say where: find the line.
    n = 0
    for number, block in _blocks(text):
        n += 1
        if n == 1 or block[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        if not WebVTTCueBlock.is_valid(block, strict=True):
            raise SpecError.at(field, f"line {number}: not a cue; expected 'hh:mm:ss.ttt --> hh:mm:ss.ttt'")
    try:
        captions = webvtt.from_buffer(io.StringIO(text), strict=True).captions
    except MalformedFileError:
        raise SpecError.at(field, "line 1: a WebVTT file starts with 'WEBVTT'") from None
    except MalformedCaptionError as exc:
        raise SpecError.at(field, f"not valid WebVTT: {str(exc)[:200]}") from None
    lines = _timing_lines(text)
    cues = []
    for i, c in enumerate(captions):
        start, end = _vtt_seconds(c.start), _vtt_seconds(c.end)
        cues.append(Cue(start, end, _pieces(c.raw_text, start, end, field, lines[i]), lines[i]))
    return cues


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            if not current:
                blocks.append((number, current))
            current.append(line)
        else:
            current = []
    return blocks


def _vtt_seconds(stamp: str) -> float:
    parts = [float(p) for p in stamp.split(":")]
    return sum(p * 60**k for k, p in enumerate(reversed(parts)))


def _pieces(raw: str, start: float, end: float, field: str, line: int) -> tuple[tuple[float, str], ...]:
    """Split a cue's text at its inline timestamps; text before the first one starts with the cue."""
    chunks = _TIMESTAMP.split(raw)
    pieces = [(start, chunks[0])]
    for stamp, chunk in zip(chunks[1::2], chunks[2::2], strict=True):
        at = _vtt_seconds(stamp)
        if not pieces[-1][0] <= at <= end:
            raise SpecError.at(field, f"line {line}: word time <{stamp}> is outside its cue or out of order")
        pieces.append((at, chunk))
    cleaned = [(at, html.unescape(_TAG.sub("", chunk))) for at, chunk in pieces]
    cleaned = [(at, chunk) for at, chunk in cleaned if chunk]
    if not cleaned:
        return ((start, ""),)
    cleaned[0] = (cleaned[0][0], cleaned[0][1].lstrip())
    cleaned[-1] = (cleaned[-1][0], cleaned[-1][1].rstrip())
    return tuple(cleaned)
