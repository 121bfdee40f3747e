"""Uploads -> the canonical mezzanine every later step reads, plus a thumbnail.

Video: H.264 yuv420p at a constant frame rate, rotation applied (ffmpeg autorotates while
decoding; the output has no rotation flag), AAC 48 kHz stereo. Audio: AAC in M4A. Images: a
re-encoded PNG (when the source may have alpha) or JPEG. All through ``editor.ffmpeg.run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from editor import ffmpeg
from editor.errors import MediaError
from editor.probe import Limits, MediaInfo, probe

_COMMON_FPS = (24.0, 25.0, 30.0, 48.0, 50.0, 60.0)
_ALPHA_DEMUXERS = frozenset({"png_pipe", "webp_pipe"})


@dataclass(frozen=True)
class Normalized:
    info: MediaInfo
    path: Path
    ext: str
    content_type: str
    thumbnail: Path | None


def check_kind(kind: str, info: MediaInfo) -> None:
    """The declared kind must match what the bytes are."""
    actual = "image" if info.is_still else "video" if info.has_video else "audio"
    if kind != actual:
        raise MediaError(f"the upload was declared as {kind} but it is {actual}")


def cfr_rate(fps: float) -> float:
    """The constant frame rate for a source: the nearest common rate, 30 when unknown."""
    if fps <= 0:
        return 30.0
    return min(_COMMON_FPS, key=lambda r: abs(r - min(fps, 60.0)))


def normalize(source: Path, kind: str, work: Path, limits: Limits, timeout: float) -> Normalized:
    """Probe ``source`` (raises ``MediaError`` with a reason) and write the mezzanine into ``work``."""
    info = probe(source, limits)
    check_kind(kind, info)
    if kind == "video":
        out, ext, ctype = work / "media.mp4", "mp4", "video/mp4"
        _video(info, source, out, timeout, limits)
    elif kind == "audio":
        out, ext, ctype = work / "media.m4a", "m4a", "audio/mp4"
        _audio(source, out, timeout, limits)
    else:
        alpha = info.demuxer in _ALPHA_DEMUXERS
        ext, ctype = ("png", "image/png") if alpha else ("jpg", "image/jpeg")
        out = work / f"media.{ext}"
        ffmpeg.run(
            [
                *ffmpeg.input_args(source),
                "-map",
                "0:v:0",
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
    return Normalized(info=result, path=out, ext=ext, content_type=ctype, thumbnail=thumb)


def _video(info: MediaInfo, source: Path, out: Path, timeout: float, limits: Limits) -> None:
    rate = cfr_rate(info.fps)
    audio = (
        ["-map", "0:a:0", "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2"] if info.has_audio else []
    )
    ffmpeg.run(
        [
            *ffmpeg.input_args(source),
            "-map", "0:v:0", *audio,
            "-vf", f"fps={rate:g},scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1,format=yuv420p",
            "-fps_mode", "cfr",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-g", str(int(rate * 2)),
            "-t", f"{limits.max_duration:g}",
            "-map_metadata", "-1", "-movflags", "+faststart", str(out),
        ],
        duration=info.duration,
        timeout=timeout,
    )  # fmt: skip


def _audio(source: Path, out: Path, timeout: float, limits: Limits) -> None:
    ffmpeg.run(
        [*ffmpeg.input_args(source), "-map", "0:a:0", "-vn", "-c:a", "aac", "-b:a", "192k", "-ar", "48000",
         "-ac", "2", "-t", f"{limits.max_duration:g}", "-map_metadata", "-1", "-movflags", "+faststart",
         str(out)],
        timeout=timeout,
    )  # fmt: skip


def _thumbnail(source: Path, out: Path, info: MediaInfo, timeout: float) -> Path:
    seek = ["-ss", f"{min(1.0, info.duration / 2):.3f}"] if info.duration and not info.is_still else []
    ffmpeg.run(
        [*ffmpeg.input_args(source, before=seek), "-map", "0:v:0", "-frames:v", "1",
         "-vf", "scale=320:-2", "-q:v", "4", "-update", "1", str(out)],
        timeout=timeout,
    )  # fmt: skip
    if not out.is_file():
        raise MediaError("no frame could be decoded for a thumbnail")
    return out
