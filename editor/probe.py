"""Media facts and input limits: the first code that hostile bytes meet.

``probe`` opens a local file with PyAV under the same protocol and demuxer allow-lists as the
renderer, checks every limit from the headers, then decodes the first frame and scans packets
(headers lie) before anything else may touch the file.
"""

from __future__ import annotations

import math
import struct
import warnings
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from editor.errors import MediaError, MediaLimitError
from editor.ffmpeg import FORMAT_WHITELIST, PROTOCOL_WHITELIST
from editor.probe_colour import Colour, read_colour, with_dolby_vision
from editor.probe_dovi import dolby_vision_profile
from editor.probe_heif import MAX_TILES, HeifError, is_heif, read_picture

STILL_DEMUXERS = frozenset({"image2", "png_pipe", "jpeg_pipe", "webp_pipe"})
_CONTAINER_OPTIONS = {"protocol_whitelist": PROTOCOL_WHITELIST, "format_whitelist": FORMAT_WHITELIST}


@dataclass(frozen=True)
class Limits:
    """What an input may be. Defaults suit phone clips; the API and CLI can tighten them."""

    max_bytes: int = 4 << 30
    max_duration: float = 15 * 60.0
    max_width: int = 8192
    max_height: int = 8192
    max_pixels: int = 4096 * 4096
    max_streams: int = 16
    max_sample_rate: int = 192_000
    max_channels: int = 8
    max_fps: float = 240.0


@dataclass(frozen=True)
class MediaInfo:
    """What the planner needs to know about one input. Sizes are as displayed (rotation applied)."""

    path: Path
    demuxer: str
    duration: float
    width: int
    height: int
    rotation: int
    fps: float
    has_video: bool
    has_audio: bool
    video_codec: str | None
    audio_codec: str | None
    sample_rate: int | None
    channels: int | None
    size_bytes: int
    colour: Colour = field(default_factory=Colour)
    image: bool = False  # a still inside a video container: HEIF/HEIC/AVIF
    grid: bool = False  # ... whose picture is a grid of tiles, composed by ffmpeg
    audio_index: int = 0  # which audio track plays: the default one

    @property
    def audio_stream(self) -> str:
        """The sound's specifier in a filter graph (``[N:<this>]``)."""
        return f"a:{self.audio_index}" if self.audio_index else "a"

    @property
    def is_still(self) -> bool:
        return self.demuxer in STILL_DEMUXERS or self.image

    @property
    def video_stream(self) -> str:
        """The picture's specifier in a filter graph (``[N:<this>]``): a tile grid is a stream
        group, which ffmpeg composes and rotates, not one of its tile streams."""
        return "g:0" if self.grid else "v"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["is_still"] = self.is_still
        data.update(data.pop("colour"))  # flat: color_primaries, ..., hdr, dolby_vision_profile
        return data


def probe(path: Path, limits: Limits = Limits()) -> MediaInfo:
    """Facts about ``path``; raises ``MediaError`` naming the file and the reason."""
    name = path.name
    if not path.is_file():
        raise MediaError(f"{name}: file not found")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"{name}: the file is empty")
    if size > limits.max_bytes:
        raise MediaLimitError(f"{name}: {size} bytes is over the {limits.max_bytes} byte limit")
    try:
        with av.open(f"file:{path.resolve()}", container_options=_CONTAINER_OPTIONS) as container:
            return _inspect(container, path, size, limits)
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError, IndexError, ZeroDivisionError) as exc:
        raise MediaError(f"{name}: not a video, audio or image file ReelForge accepts ({_why(exc)})") from exc


def _why(exc: Exception) -> str:
    """The library's reason without the file name it quotes: errors go to users, and the path
    is the server's storage layout (PyAV's ``str()`` ends with ``: 'file:/srv/...'``)."""
    reason = getattr(exc, "strerror", None)
    if not isinstance(reason, str) or not reason:
        reason = type(exc).__name__ if isinstance(exc, OSError) else str(exc)
    return reason.split("'file:")[0].rstrip(": ")[:200]


def _inspect(container: Any, path: Path, size: int, limits: Limits) -> MediaInfo:
    name = path.name
    demuxer = container.format.name
    streams = container.streams
    if is_heif(dict(container.metadata)) and not container.duration:
        return _inspect_heif(container, path, size, limits)
    if len(streams) > limits.max_streams:
        raise MediaLimitError(f"{name}: {len(streams)} streams is over the limit of {limits.max_streams}")
    video = streams.video[0] if streams.video else None
    # Phones add commentary or spatial tracks: the track marked default is the one to play.
    default = [i for i, s in enumerate(streams.audio) if s.disposition & av.stream.Disposition.default]
    audio_index = default[0] if default else 0
    audio = streams.audio[audio_index] if streams.audio else None
    if video is None and audio is None:
        raise MediaError(f"{name}: has no video or audio stream")
    still = demuxer in STILL_DEMUXERS
    duration = 0.0 if still else _duration(container, video or audio)
    if duration > limits.max_duration:
        raise MediaLimitError(
            f"{name}: {duration:.0f} s is longer than the {limits.max_duration:.0f} s limit; trim it first"
        )
    width = height = rotation = 0
    fps = 0.0
    colour = Colour()
    if video is not None:
        width, height = video.codec_context.width, video.codec_context.height
        if still and not (width and height):
            width, height = _image_size(path, limits)  # ffmpeg gave up on it: read the header
        _check_frame_size(name, width, height, limits)
        fps = float(video.average_rate or video.guessed_rate or 0)
        if fps > limits.max_fps:
            raise MediaLimitError(f"{name}: {fps:.0f} fps is over the {limits.max_fps:.0f} fps limit")
        frame = next(container.decode(video=0), None)
        if frame is None:
            raise MediaError(f"{name}: the video stream has no decodable frame")
        rotation = int(getattr(frame, "rotation", 0) or 0) % 360
        colour = read_colour(frame)
        profile = dolby_vision_profile(path) if demuxer.startswith("mov") else None
        if profile is not None:
            try:
                colour = with_dolby_vision(colour, profile)
            except ValueError as exc:
                raise MediaError(f"{name}: {exc}") from None
        if rotation in (90, 270):
            width, height = height, width
    if audio is not None:
        rate, channels = audio.codec_context.sample_rate, audio.codec_context.channels
        if rate > limits.max_sample_rate or channels > limits.max_channels:
            raise MediaLimitError(
                f"{name}: audio of {rate} Hz x {channels} channels is over the limit "
                f"({limits.max_sample_rate} Hz, {limits.max_channels} channels)"
            )
    if not still:
        _check_complete(container, path, video)
    return MediaInfo(
        path=path,
        demuxer=demuxer,
        duration=duration,
        width=width,
        height=height,
        rotation=rotation,
        fps=round(fps, 3),
        has_video=video is not None,
        has_audio=audio is not None,
        video_codec=video.codec_context.name if video is not None else None,
        audio_codec=audio.codec_context.name if audio is not None else None,
        sample_rate=audio.codec_context.sample_rate if audio is not None else None,
        channels=audio.codec_context.channels if audio is not None else None,
        size_bytes=size,
        colour=colour,
        audio_index=audio_index if audio is not None else 0,
    )


def _inspect_heif(container: Any, path: Path, size: int, limits: Limits) -> MediaInfo:
    """A HEIF/HEIC/AVIF photo: its tiles are streams to PyAV, each checked against the frame
    limits (a grid of huge tiles is a bomb too), and so is the composed picture."""
    name = path.name
    tiles = container.streams.video
    if not tiles:
        raise MediaError(f"{name}: the HEIF file has no picture")
    if len(tiles) > MAX_TILES:
        raise MediaLimitError(f"{name}: {len(tiles)} tiles is over the limit of {MAX_TILES}")
    for tile in tiles:
        _check_frame_size(name, tile.codec_context.width, tile.codec_context.height, limits)
    try:
        picture = read_picture(path)
    except (HeifError, struct.error, IndexError) as exc:
        raise MediaError(f"{name}: not a HEIF picture ReelForge can read ({exc})") from None
    _check_frame_size(name, picture.width, picture.height, limits)
    frame = next(container.decode(video=0), None)
    if frame is None:
        raise MediaError(f"{name}: the picture has no decodable tile")
    width, height = picture.width, picture.height
    if picture.rotation in (90, 270):
        width, height = height, width
    return MediaInfo(
        path=path,
        demuxer=container.format.name,
        duration=0.0,
        width=width,
        height=height,
        rotation=picture.rotation,
        fps=0.0,
        has_video=True,
        has_audio=False,
        video_codec=tiles[0].codec_context.name,
        audio_codec=None,
        sample_rate=None,
        channels=None,
        size_bytes=size,
        colour=read_colour(frame),
        image=True,
        grid=picture.grid,
    )


def credit_tags(path: Path) -> dict[str, str]:
    """The ``comment`` and ``reelforge_credits`` tags of a file ReelForge wrote (else empty)."""
    try:
        with av.open(f"file:{path.resolve()}", container_options=_CONTAINER_OPTIONS) as container:
            tags = {k.lower(): v for k, v in container.metadata.items()}
    except (av.FFmpegError, OSError):
        return {}
    if "reelforge_credits" not in tags:
        return {}
    return {"comment": tags.get("comment", ""), "reelforge_credits": tags["reelforge_credits"]}


def _duration(container: Any, stream: Any) -> float:
    if container.duration:
        return float(container.duration) / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * Fraction(stream.time_base))
    raise MediaError("the media has no known duration")


def _image_size(path: Path, limits: Limits) -> tuple[int, int]:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return image.size
    except Image.DecompressionBombError:
        raise MediaLimitError(
            f"{path.name}: the image is over the frame size limit "
            f"({limits.max_width}x{limits.max_height}, {limits.max_pixels} pixels)"
        ) from None
    except OSError:
        return 0, 0


def _check_frame_size(name: str, width: int, height: int, limits: Limits) -> None:
    if width <= 0 or height <= 0:
        raise MediaError(f"{name}: the video has no frame size")
    if width > limits.max_width or height > limits.max_height or width * height > limits.max_pixels:
        raise MediaLimitError(
            f"{name}: {width}x{height} is over the frame size limit "
            f"({limits.max_width}x{limits.max_height}, {limits.max_pixels} pixels)"
        )


def _check_complete(container: Any, path: Path, video: Any) -> None:
    """A truncated file still has headers: its packets must reach the sample count they promise."""
    if video is None or not video.frames:
        return
    container.seek(0)
    packets = sum(1 for p in container.demux(video) if p.size)
    if packets < math.floor(video.frames * 0.98):
        raise MediaError(
            f"{path.name}: the file is truncated ({packets} of {video.frames} video frames present)"
        )
