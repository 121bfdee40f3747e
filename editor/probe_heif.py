"""HEIF/HEIC/AVIF stills (iPhone photos): what PyAV cannot see of them.

ffmpeg's mov demuxer reads a HEIF grid as one stream per tile plus a "tile grid" stream group,
which the ffmpeg command composes and rotates (``[N:g:0]`` in a filter graph); PyAV shows only the
tiles. The picture's size and orientation are the primary item's ``ispe`` and ``irot``
properties, read here from the ``meta`` box, which must come within the first ``META_BYTES`` of
the file (it does in every phone's files): a bounded read of hostile bytes, nothing decoded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

HEIF_BRANDS = frozenset({"heic", "heix", "heim", "heis", "mif1", "msf1", "avif", "avis"})
META_BYTES = 1 << 20
MAX_TILES = 256  # a 48 MP photo in 512x512 tiles is 192


class HeifError(ValueError):
    """The file says it is HEIF but its boxes do not hold a picture."""


@dataclass(frozen=True)
class HeifPicture:
    width: int  # as stored (before rotation)
    height: int
    rotation: int  # clockwise degrees a viewer turns it by
    grid: bool  # tiles composed by ffmpeg's tile-grid stream group


def is_heif(metadata: dict[str, str]) -> bool:
    return metadata.get("major_brand", "").strip().lower() in HEIF_BRANDS


def _boxes(data: bytes, start: int, end: int) -> dict[bytes, list[tuple[int, int]]]:
    """Child boxes of ``data[start:end]``: kind -> [(payload start, payload end)]."""
    found: dict[bytes, list[tuple[int, int]]] = {}
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        head = 8
        if size == 1 and at + 16 <= end:
            size, head = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = end - at
        if size < head or at + size > end:
            raise HeifError(f"a '{kind.decode('latin-1')}' box runs past its parent")
        found.setdefault(kind, []).append((at + head, at + size))
        at += size
    return found


def _one(boxes: dict[bytes, list[tuple[int, int]]], kind: bytes) -> tuple[int, int]:
    if kind not in boxes:
        raise HeifError(f"no '{kind.decode()}' box")
    return boxes[kind][0]


def read_picture(path: Path) -> HeifPicture:
    """The primary picture's stored size, its rotation and whether it is a grid of tiles."""
    with path.open("rb") as handle:
        data = handle.read(META_BYTES)
    top = _boxes(data, 0, len(data)) if len(data) >= 8 else {}
    meta_start, meta_end = _one(top, b"meta")
    meta = _boxes(data, meta_start + 4, meta_end)  # meta is a FullBox
    p0, _ = _one(meta, b"pitm")
    version = data[p0]
    primary = struct.unpack_from(">I" if version else ">H", data, p0 + 4)[0]
    kind = _item_type(data, meta, primary)
    iprp = _boxes(data, *_one(meta, b"iprp"))
    c0, c1 = _one(iprp, b"ipco")
    properties = _properties(data, c0, c1)
    width = height = rotation = 0
    for index in _associations(data, *_one(iprp, b"ipma")).get(primary, []):
        if not 1 <= index <= len(properties):
            raise HeifError("a property index points past the property list")
        name, start, end = properties[index - 1]
        if name == b"ispe" and end - start >= 12:
            width, height = struct.unpack_from(">II", data, start + 4)
        elif name == b"irot" and end > start:
            rotation = (360 - (data[start] & 3) * 90) % 360  # irot turns anticlockwise
    if not (width and height):
        raise HeifError("the primary picture has no size ('ispe')")
    return HeifPicture(width, height, rotation, kind == b"grid")


def _item_type(data: bytes, meta: dict[bytes, list[tuple[int, int]]], item: int) -> bytes:
    i0, i1 = _one(meta, b"iinf")
    version = data[i0]
    first = i0 + 4 + (4 if version else 2)
    for start, _ in _boxes(data, first, i1).get(b"infe", []):
        v = data[start]
        if v < 2:
            continue
        item_id = struct.unpack_from(">I" if v >= 3 else ">H", data, start + 4)[0]
        at = start + 4 + (4 if v >= 3 else 2) + 2
        if item_id == item:
            return data[at : at + 4]
    raise HeifError("the primary item is not listed")


def _properties(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    out = []
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        if size < 8 or at + size > end:
            raise HeifError("a property box runs past its parent")
        out.append((kind, at + 8, at + size))
        at += size
    return out


def _associations(data: bytes, start: int, end: int) -> dict[int, list[int]]:
    version, flags = data[start], int.from_bytes(data[start + 1 : start + 4], "big")
    count = struct.unpack_from(">I", data, start + 4)[0]
    at, out = start + 8, {}
    for _ in range(min(count, 65536)):
        if at + 3 > end:
            raise HeifError("the property associations are cut short")
        item = struct.unpack_from(">I" if version else ">H", data, at)[0]
        at += 4 if version else 2
        n = data[at]
        at += 1
        wide = flags & 1
        indices = []
        for _ in range(n):
            raw = struct.unpack_from(">H", data, at)[0] if wide else data[at]
            at += 2 if wide else 1
            indices.append(raw & (0x7FFF if wide else 0x7F))
        out[item] = indices
    return out
