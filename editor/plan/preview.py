"""Pure planning of the progressive preview: HLS with fMP4 segments written by the render's own encode.

ffmpeg's tee muxer hands the one encoded stream to two muxers: the MP4 and an HLS playlist of
fMP4 (CMAF) segments. Each segment starts on a keyframe forced at a planned time, so the cuts are
closed GOPs where we want them: a short first segment (the app can start playing early), then
steady ones. No IO here; ``editor.preview`` publishes the files while ffmpeg writes them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from editor.errors import RenderError
from editor.plan.graph import num

PLAYLIST = "index.m3u8"
INIT = "init.mp4"
SEGMENTS = "seg%05d.m4s"
# What the tee muxer's option and slave syntax would read as separators: refused, not escaped.
_TEE_SPECIAL = re.compile(r"[|\[\]:\\'\"\n\r\0]")
# The only names a published playlist may refer to: the ones planned here.
SEGMENT_NAME = re.compile(r"^(init\.mp4|seg\d{5}\.m4s)$")


@dataclass(frozen=True)
class HlsPlan:
    """HLS files written into ``folder``: a first segment of ``first`` seconds, then ``every``."""

    folder: Path
    first: float = 0.5  # short, so that a player starts early: it waits for one whole segment
    every: float = 2.0

    def keyframes(self) -> str:
        """The ``-force_key_frames`` expression: IDR frames at 0, first, first + every, ..."""
        first, every = num(self.first), num(self.every)
        return f"expr:gte(t,if(eq(n_forced,0),0,{first}+(n_forced-1)*{every}))"

    def muxer(self) -> str:
        """The tee slave of the playlist. ``hls_time`` below every planned gap makes each forced
        keyframe cut; ``temp_file`` renames each segment, then the playlist, only when complete."""
        folder = tee_path(self.folder)
        options = [
            "f=hls",
            "hls_segment_type=fmp4",
            f"hls_time={num(min(self.first, self.every) / 2)}",
            "hls_list_size=0",
            "hls_playlist_type=event",
            "hls_flags=temp_file+independent_segments",
            f"hls_fmp4_init_filename={INIT}",
            f"hls_segment_filename={folder}/{SEGMENTS}",
        ]
        return f"[{':'.join(options)}]file:{folder}/{PLAYLIST}"


def tee_safe(path: Path) -> bool:
    return not _TEE_SPECIAL.search(os.path.abspath(path))


def tee_path(path: Path) -> str:
    """``path`` for a tee slave; paths holding its separators are refused, not escaped (the render
    writes through a link of its own instead). Not resolved, so that such a link stays in place."""
    text = os.path.abspath(path)
    if not tee_safe(path):
        raise RenderError(
            f"the work path {text!r} holds a character ffmpeg's tee muxer reads as syntax "
            "(| [ ] : \\ or quotes); set TMPDIR (or the output folder) to a plain path"
        )
    return text


def tee_output(mp4: Path, mp4_flags: str, hls: HlsPlan) -> list[str]:
    """The argv tail that writes the MP4 and the playlist from one encode."""
    return ["-f", "tee", f"[f=mp4:movflags={mp4_flags}]file:{tee_path(mp4)}|{hls.muxer()}"]


@dataclass(frozen=True)
class Playlist:
    """What a media playlist says: its init segment, its segments with durations, and whether it ended."""

    init: str | None
    segments: tuple[tuple[str, float], ...]
    ended: bool

    @property
    def names(self) -> tuple[str, ...]:
        return (*([self.init] if self.init else []), *(name for name, _ in self.segments))

    @property
    def duration(self) -> float:
        return sum(d for _, d in self.segments)


_MAP = re.compile(r'#EXT-X-MAP:URI="([^"]+)"')


def parse_playlist(text: str) -> Playlist:
    """Read an HLS media playlist (the subset ffmpeg's hls muxer writes)."""
    init, segments, duration, ended = None, [], None, False
    for line in (raw.strip() for raw in text.splitlines()):
        if found := _MAP.match(line):
            init = found.group(1)
        elif line.startswith("#EXTINF:"):
            duration = float(line.removeprefix("#EXTINF:").split(",")[0])
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line and not line.startswith("#"):
            if duration is None:
                raise ValueError(f"playlist segment {line!r} has no #EXTINF")
            segments.append((line, duration))
            duration = None
    return Playlist(init, tuple(segments), ended)
