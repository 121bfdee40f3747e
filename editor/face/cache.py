"""Analysis results cached per input content: ``sha256(bytes)`` + ``ANALYSIS_VERSION`` + parameters.

One ``.npz`` per file holds the raw detections of every grid sample analysed so far and the
index ranges covered, so later renders of any part of the same clip, with any face effect, only
analyse what is missing. Files are written atomically; an unreadable entry is treated as absent.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editor.face.tracking import AnalysisParams, RawFrames
from editor.home import cache_dir

ANALYSIS_VERSION = 1


def default_cache_dir() -> Path:
    return cache_dir("faces")


@dataclass(frozen=True)
class Coverage:
    """Sorted, disjoint inclusive index ranges that have been analysed."""

    ranges: tuple[tuple[int, int], ...] = ()

    def missing(self, first: int, last: int) -> list[tuple[int, int]]:
        gaps: list[tuple[int, int]] = []
        cursor = first
        for a, b in self.ranges:
            if b < cursor:
                continue
            if a > last:
                break
            if a > cursor:
                gaps.append((cursor, a - 1))
            cursor = max(cursor, b + 1)
        if cursor <= last:
            gaps.append((cursor, last))
        return gaps

    def add(self, first: int, last: int) -> Coverage:
        merged: list[tuple[int, int]] = []
        for a, b in sorted([*self.ranges, (first, last)]):
            if merged and a <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return Coverage(tuple(merged))


@dataclass(frozen=True)
class CacheEntry:
    frames: RawFrames
    coverage: Coverage


class FaceCache:
    """The on-disk cache of raw analyses; ``directory`` is created on first write."""

    def __init__(self, directory: Path, params: AnalysisParams) -> None:
        self.directory = directory
        self.params = params

    def path_for(self, digest: str) -> Path:
        return self.directory / f"{digest}-v{ANALYSIS_VERSION}-{self.params.key()}.npz"

    def load(self, digest: str) -> CacheEntry | None:
        path = self.path_for(digest)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                frames = RawFrames(
                    data["indices"].astype(np.int64),
                    data["counts"].astype(np.int64),
                    data["points"].astype(np.float32),
                )
                ranges = tuple((int(a), int(b)) for a, b in data["coverage"].reshape(-1, 2))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return None
        if int(frames.counts.sum()) != len(frames.points) or len(frames.indices) != len(frames.counts):
            return None
        return CacheEntry(frames, Coverage(ranges))

    def save(self, digest: str, entry: CacheEntry) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path_for(digest)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(
                    fh,
                    indices=entry.frames.indices,
                    counts=entry.frames.counts,
                    points=entry.frames.points,
                    coverage=np.array(entry.coverage.ranges, np.int64).reshape(-1, 2),
                )
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
