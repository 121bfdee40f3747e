"""The one data home: ``$REELFORGE_HOME``, else ``.reelforge`` in the working folder.

Everything ReelForge keeps between runs lives under it: the API's database, storage and secrets,
and the engine's caches (``cache/<kind>``: face and sound analyses, the demo beat). The CLI and
the server agree on it, so a render and ``reelforge users create`` from one folder share it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

DEFAULT = Path(".reelforge")


def data_home() -> Path:
    return Path(os.environ.get("REELFORGE_HOME") or DEFAULT)


def cache_dir(kind: str, home: Path | None = None) -> Path:
    """Where analyses of one ``kind`` are cached (``faces``, ``sounds``...) under ``home`` (a server
    passes its configured one), else under ``data_home()``."""
    return (home or data_home()) / "cache" / kind


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """The content key of a cached analysis: the same bytes anywhere share one entry."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
