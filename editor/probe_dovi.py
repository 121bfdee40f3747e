"""Dolby Vision configuration of an MP4/MOV file (``dvcC``/``dvvC``/``dvwC`` in the sample entry).

PyAV shows no stream side data, so the ``moov`` box is found by walking the top-level box
headers (a seek per box, nothing else read) and, if it is small enough, searched for the
configuration record. Profile 8.1 (HDR10 base), 8.4 (HLG base) and 8.2/9 (SDR base) play through
their base layer; profile 5 has no such layer and is refused by the probe.
"""

from __future__ import annotations

import struct
from pathlib import Path

MAX_MOOV = 64 << 20  # a 15-minute phone clip's index is a few MB
_CONFIGS = (b"dvcC", b"dvvC", b"dvwC")


def dolby_vision_profile(path: Path) -> str | None:
    """``"8.4"``-style profile and base-layer compatibility id, ``"5"`` when there is none; None
    when the file carries no Dolby Vision configuration."""
    moov = _moov(path)
    if moov is None:
        return None
    for kind in _CONFIGS:
        at = moov.find(kind)
        if at >= 4 and at + 4 + 5 <= len(moov):
            bits = struct.unpack_from(">H", moov, at + 6)[0]
            profile = bits >> 9
            compatibility = moov[at + 8] >> 4
            return f"{profile}.{compatibility}" if compatibility else str(profile)
    return None


def _moov(path: Path) -> bytes | None:
    with path.open("rb") as handle:
        size_left = path.stat().st_size
        at = 0
        while at + 8 <= size_left:
            handle.seek(at)
            head = handle.read(16)
            if len(head) < 8:
                return None
            size, kind = struct.unpack_from(">I4s", head)
            header = 8
            if size == 1 and len(head) == 16:
                size, header = struct.unpack_from(">Q", head, 8)[0], 16
            elif size == 0:
                size = size_left - at
            if size < header:
                return None
            if kind == b"moov":
                if size > MAX_MOOV:
                    return None
                handle.seek(at + header)
                return handle.read(size - header)
            at += size
    return None
