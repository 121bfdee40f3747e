"""Uploads -> the canonical mezzanine every later step reads, plus a thumbnail.

Video: H.264 yuv420p at a constant frame rate, rotation applied (ffmpeg autorotates while
decoding; the output has no rotation flag), in the renders' colour contract (SDR BT.709, tv
range: HDR is tone-mapped here, once), AAC 48 kHz stereo. Audio: AAC in M4A. Images: a
re-encoded PNG (when the source may have alpha) or JPEG. All through ``editor.ffmpeg.run``.
Captions never meet ffmpeg: they are parsed as SubRip or WebVTT text (size-capped, UTF-8, every
cue checked) and stored again as clean UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from editor import ffmpeg
from editor.errors import MediaError, SpecError
from editor.plan.colour import ENCODER_TAGS, to_contract
from editor.probe import Limits, MediaInfo, probe
from editor.text.captions import MAX_CAPTION_BYTES, decode, parse_captions

# High rates stay: slow motion (speed < 1) needs a phone's 120/240 fps frames, not copies of 60.
_COMMON_FPS = (24.0, 25.0, 30.0, 48.0, 50.0, 60.0, 90.0, 100.0, 120.0, 240.0)
_ALPHA_DEMUXERS = frozenset({"png_pipe", "webp_pipe"})


@dataclass(frozen=True)
class Normalized:
    info: MediaInfo | None  # None for captions, which are text
    path: Path
    ext: str
    content_type: str
    thumbnail: Path | None
    duration: float | None = None


def check_kind(kind: str, info: MediaInfo) -> None:
    """The declared kind must match what the bytes are."""
    actual = "image" if info.is_still else "video" if info.has_video else "audio"
    if kind != actual:
        raise MediaError(f"the upload was declared as {kind} but it is {actual}")


def cfr_rate(fps: float) -> float:
    """The constant frame rate for a source: the nearest common rate, 30 when unknown."""
    if fps <= 0:
        return 30.0
    return min(_COMMON_FPS, key=lambda r: abs(r - fps))


def normalize(source: Path, kind: str, work: Path, limits: Limits, timeout: float) -> Normalized:
    """Probe ``source`` (raises ``MediaError`` with a reason) and write the mezzanine into ``work``."""
    if kind == "captions":
        return _captions(source, work)
    info = probe(source, limits)
    check_kind(kind, info)
    if kind == "video":
        out, ext, ctype = work / "media.mp4", "mp4", "video/mp4"
        _video(info, source, out, timeout, limits)
    elif kind == "audio":
        out, ext, ctype = work / "media.m4a", "m4a", "audio/mp4"
        _audio(source, out, timeout, limits, info.audio_index)
    else:
        alpha = info.demuxer in _ALPHA_DEMUXERS
        ext, ctype = ("png", "image/png") if alpha else ("jpg", "image/jpeg")
        out = work / f"media.{ext}"
        # HEIC and wide-gamut photos are converted (and rotated) here; JPEG wants BT.601 full range
        colour = [*to_contract(info.colour, still=True)[:-1], "scale=out_color_matrix=bt601:out_range=full"]
        picture = ",".join(["null"] if alpha else colour)
        ffmpeg.run(
            [
                *ffmpeg.input_args(source),
                "-filter_complex",
                f"[0:{info.video_stream}]{picture}[v]",  # a tile grid is a group: only a graph takes it
                "-map",
                "[v]",
                "-frames:v",
                "1",
                "-update",
                "1",
                *(["-q:v", "2"] if not alpha else []),
                str(out),
            ],
            timeout=timeout,
        )
    result = probe(out, limits)
    thumb = _thumbnail(out, work / "thumb.jpg", result, timeout) if result.has_video else None
    duration = result.duration if kind != "image" else None
    return Normalized(info=result, path=out, ext=ext, content_type=ctype, thumbnail=thumb, duration=duration)


def _captions(source: Path, work: Path) -> Normalized:
    """A caption upload is text: parse it like a render would; a problem rejects it with its line."""
    try:
        data = source.read_bytes()[: MAX_CAPTION_BYTES + 1]
        cues = parse_captions(data, field="captions")
    except SpecError as exc:
        reason = f"not a usable caption file: {exc.problems[0][1]}"
        raise MediaError(reason, code="invalid_captions") from None
    if not cues:
        raise MediaError("the caption file has no cues", code="invalid_captions")
    vtt = decode(data, "captions").startswith("WEBVTT")
    ext, ctype = ("vtt", "text/vtt") if vtt else ("srt", "application/x-subrip")
    out = work / f"captions.{ext}"
    out.write_text(decode(data, "captions"), encoding="utf-8")
    return Normalized(None, out, ext, f"{ctype}; charset=utf-8", None, max(c.end for c in cues))


def _video(info: MediaInfo, source: Path, out: Path, timeout: float, limits: Limits) -> None:
    rate = cfr_rate(info.fps)
    audio = (
        ["-map", f"0:a:{info.audio_index}", "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2"]
        if info.has_audio
        else []
    )
    colour = ",".join(to_contract(info.colour))  # SDR BT.709 like every render: the app never sees grey
    ffmpeg.run(
        [
            *ffmpeg.input_args(source),
            "-map", "0:v:0", *audio,
            "-vf", f"{colour},fps={rate:g},scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1,format=yuv420p",
            "-fps_mode", "cfr",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-g", str(int(rate * 2)), *ENCODER_TAGS,
            "-t", f"{limits.max_duration:g}",
            "-map_metadata", "-1", "-movflags", "+faststart", str(out),
        ],
        duration=info.duration,
        timeout=timeout,
    )  # fmt: skip


def _audio(source: Path, out: Path, timeout: float, limits: Limits, track: int = 0) -> None:
    ffmpeg.run(
        [*ffmpeg.input_args(source), "-map", f"0:a:{track}", "-vn", "-c:a", "aac", "-b:a", "192k",
         "-ar", "48000", "-ac", "2", "-t", f"{limits.max_duration:g}", "-map_metadata", "-1",
         "-movflags", "+faststart", str(out)],
        timeout=timeout,
    )  # fmt: skip


def _thumbnail(source: Path, out: Path, info: MediaInfo, timeout: float) -> Path:
    seek = ["-ss", f"{min(1.0, info.duration / 2):.3f}"] if info.duration and not info.is_still else []
    ffmpeg.run(
        [*ffmpeg.input_args(source, before=seek), "-map", "0:v:0", "-frames:v", "1",
         "-vf", "scale=320:-2:out_color_matrix=bt601:out_range=full", "-q:v", "4", "-update", "1", str(out)],
        timeout=timeout,
    )  # fmt: skip
    if not out.is_file():
        raise MediaError("no frame could be decoded for a thumbnail")
    return out
