"""Measurements cached by content: ``sha256(bytes)`` + a version + the parameters (and source range).

One ``.npz`` of named arrays per entry, written atomically; an unreadable entry counts as absent,
so a crash mid-write or a corrupt file only costs a new measurement.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np


class MeasureCache:
    """The on-disk cache of one kind of measurement (``motion``, ``colour``) under ``directory``."""

    def __init__(self, directory: Path, version: int) -> None:
        self.directory = directory
        self.version = version

    def path_for(self, digest: str, key: str) -> Path:
        short = hashlib.sha256(key.encode()).hexdigest()[:16]  # parameters and range, any length
        return self.directory / f"{digest}-v{self.version}-{short}.npz"

    def load(self, digest: str, key: str) -> dict[str, np.ndarray] | None:
        path = self.path_for(digest, key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["key"]) != key:
                    return None
                return {name: data[name] for name in data.files if name != "key"}
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return None

    def save(self, digest: str, key: str, arrays: dict[str, np.ndarray]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(fh, key=np.array(key), **arrays)
            os.replace(tmp, self.path_for(digest, key))
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
