"""Publishing the progressive preview while ffmpeg writes it (the plan is ``editor.plan.preview``).

ffmpeg renames each segment into place when it is complete, then rewrites the playlist. The
publisher reads the playlist, hands the sink every file it names that was not published yet, and
only then the playlist itself: whatever a player fetches never names a file that is not there.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from editor.errors import MediaLimitError, ReelForgeError
from editor.plan.preview import PLAYLIST, SEGMENT_NAME, parse_playlist

log = logging.getLogger("reelforge.preview")


class PreviewSink(Protocol):
    """Where the preview goes: a folder (the CLI) or the object store (the API)."""

    def put(self, name: str, path: Path) -> None:
        """Publish the file at ``path`` as ``name`` (``index.m3u8``, ``init.mp4``, ``seg00001.m4s``)."""


class FolderSink:
    """A local folder a player (or a static web server) reads; each file appears whole (rename)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.folder.mkdir(parents=True, exist_ok=True)

    def put(self, name: str, path: Path) -> None:
        dest = self.folder / name
        part = dest.with_name(f".{name}.{time.monotonic_ns()}.part")
        shutil.copyfile(path, part)
        part.replace(dest)


class HlsPublisher:
    """Publishes what ffmpeg wrote into ``folder`` so far (``poll``) and at the end (``finish``).

    It also stands in for ffmpeg's ``-fs``, which the tee muxer ignores: ``poll`` raises
    ``MediaLimitError`` once the MP4 at ``output`` passes ``max_bytes``. A sink that fails (the
    store is down, the folder is full) ends the preview, not the render: ``stopped`` says why.
    """

    def __init__(
        self,
        folder: Path,
        sink: PreviewSink,
        *,
        output: Path,
        max_bytes: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder, self.sink, self.output, self.max_bytes = folder, sink, output, max_bytes
        self.published: set[str] = set()
        self.first_segment_at: float | None = None  # clock() when a playlist first named a segment
        self.stopped: str | None = None
        self._clock = clock
        self._playlist = b""

    def poll(self) -> None:
        try:
            size = self.output.stat().st_size
        except FileNotFoundError:
            size = 0
        if size > self.max_bytes:
            raise MediaLimitError(f"the render passed the {self.max_bytes}-byte output limit")
        self._publish()

    def finish(self) -> None:
        """ffmpeg exited cleanly: publish the last segments and the ended playlist."""
        self._publish()

    def _publish(self) -> None:
        if self.stopped is not None:
            return
        try:
            self._publish_new()
        except (ReelForgeError, OSError) as exc:
            self.stopped = getattr(exc, "message", None) or str(exc)
            log.warning("preview stopped: %s", self.stopped)

    def _publish_new(self) -> None:
        try:
            data = (self.folder / PLAYLIST).read_bytes()
        except FileNotFoundError:
            return  # no segment is complete yet
        if data == self._playlist:
            return
        playlist = parse_playlist(data.decode("utf-8"))
        for name in playlist.names:
            if name in self.published:
                continue
            if not SEGMENT_NAME.match(name):
                raise ReelForgeError(f"ffmpeg's playlist names an unexpected file {name!r}")
            self.sink.put(name, self.folder / name)
            self.published.add(name)
        snapshot = self.folder / f".published.{PLAYLIST}"  # the bytes read, not a newer rewrite
        snapshot.write_bytes(data)
        self.sink.put(PLAYLIST, snapshot)
        self._playlist = data
        if self.first_segment_at is None and playlist.segments:
            self.first_segment_at = self._clock()
