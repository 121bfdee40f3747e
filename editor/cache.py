"""Where derived data (face and sound analyses) is cached: ``$REELFORGE_HOME/cache/<kind>``."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(kind: str) -> Path:
    home = os.environ.get("REELFORGE_HOME") or str(Path.home() / ".reelforge")
    return Path(home) / "cache" / kind
