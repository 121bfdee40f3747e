"""HEIC photos as iPhones write them, made in code: HEVC tiles of 512x512 in a grid item, with
the orientation as an ``irot`` property and the colours as an ``nclx`` one (Display P3, sRGB
transfer, BT.601 full range). ffmpeg has no HEIF muxer, so libx265 encodes the tiles (``untile``
turns the picture into one frame per tile) into an MP4, and this module moves its parameter sets
(``hvcC``) and samples into the boxes of ISO/IEC 23008-12."""

from __future__ import annotations

import struct
from pathlib import Path

from editor import ffmpeg

TILE = 512


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _find(data: bytes, kind: bytes) -> bytes:
    """The payload of the first box of ``kind`` (searched by name: the encoder's MP4 is simple)."""
    at = data.index(kind) - 4
    size = struct.unpack_from(">I", data, at)[0]
    return data[at + 8 : at + size]


def _samples(mp4: bytes) -> list[bytes]:
    stsz = _find(mp4, b"stsz")
    size, count = struct.unpack_from(">II", stsz, 4)
    sizes = [size] * count if size else list(struct.unpack_from(f">{count}I", stsz, 12))
    stco = _find(mp4, b"stco")
    chunks = struct.unpack_from(f">{struct.unpack_from('>I', stco, 4)[0]}I", stco, 8)
    if len(chunks) != 1:  # ffmpeg writes a short all-intra clip as one chunk
        raise ValueError(f"unexpected MP4 layout: {len(chunks)} chunks")
    out, at = [], chunks[0]
    for n in sizes:
        out.append(mp4[at : at + n])
        at += n
    return out


def write_heic(path: Path, image: Path, *, rotation: int = 0, work: Path | None = None) -> Path:
    """``image`` (any size) as a grid HEIC; ``rotation`` (0/90/180/270, clockwise) is stored as
    ``irot`` (which counts anticlockwise), so a viewer turns the stored picture by it."""
    from PIL import Image

    with Image.open(image) as im:
        width, height = im.size
    cols, rows = -(-width // TILE), -(-height // TILE)
    work = work or path.parent
    tiles = work / f"{path.stem}.tiles.mp4"
    ffmpeg.run(
        [*ffmpeg.input_args(image), "-vf",
         f"pad={cols * TILE}:{rows * TILE}:0:0,scale=out_color_matrix=bt601:out_range=full,"
         f"format=yuvj420p,untile={cols}x{rows}",
         "-c:v", "libx265", "-preset", "ultrafast",
         "-x265-params", "log-level=error:keyint=1:info=0:range=full:colorprim=smpte432:"
                         "transfer=iec61966-2-1:colormatrix=smpte170m",
         "-an", str(tiles)]
    )  # fmt: skip
    mp4 = tiles.read_bytes()
    tiles.unlink()
    hvcc = _find(mp4, b"hvcC")
    samples = _samples(mp4)
    if len(samples) != cols * rows:
        raise ValueError(f"expected {cols * rows} tiles, the encoder wrote {len(samples)}")
    return _write(path, hvcc, samples, (cols, rows), (width, height), rotation)


def _write(
    path: Path, hvcc: bytes, samples: list[bytes], grid: tuple[int, int], size: tuple[int, int], rotation: int
) -> Path:
    (cols, rows), (width, height) = grid, size
    grid_id, first = 1, 2
    ids = list(range(first, first + len(samples)))
    layout = struct.pack(">BBBBHH", 0, 0, rows - 1, cols - 1, width, height)
    infe = [_full(b"infe", 2, 0, struct.pack(">HH", grid_id, 0) + b"grid" + b"\0")]
    infe += [_full(b"infe", 2, 1, struct.pack(">HH", i, 0) + b"hvc1" + b"\0") for i in ids]  # hidden tiles
    iinf = _full(b"iinf", 0, 0, struct.pack(">H", len(infe)) + b"".join(infe))
    dimg = _box(b"dimg", struct.pack(">HH", grid_id, len(ids)) + b"".join(struct.pack(">H", i) for i in ids))
    iref = _full(b"iref", 0, 0, dimg)
    colr = _box(b"colr", b"nclx" + struct.pack(">HHHB", 12, 13, 6, 0x80))
    props = [
        _box(b"hvcC", hvcc),  # 1
        _full(b"ispe", 0, 0, struct.pack(">II", TILE, TILE)),  # 2
        _full(b"ispe", 0, 0, struct.pack(">II", width, height)),  # 3
        _box(b"irot", bytes([((360 - rotation) % 360) // 90])),  # 4
        colr,  # 5
    ]
    ipco = _box(b"ipco", b"".join(props))
    entries = [struct.pack(">HB", grid_id, 3) + bytes([3, 0x84, 5])]
    entries += [struct.pack(">HB", i, 2) + bytes([0x81, 2]) for i in ids]
    ipma = _full(b"ipma", 0, 0, struct.pack(">I", len(entries)) + b"".join(entries))
    iprp = _box(b"iprp", ipco + ipma)
    hdlr = _full(b"hdlr", 0, 0, b"\0" * 4 + b"pict" + b"\0" * 12 + b"\0")
    pitm = _full(b"pitm", 0, 0, struct.pack(">H", grid_id))
    idat = _box(b"idat", layout)

    def meta(offsets: list[int]) -> bytes:
        items = [struct.pack(">HHHH", grid_id, 1, 0, 1) + struct.pack(">II", 0, len(layout))]  # in idat
        items += [
            struct.pack(">HHHH", i, 0, 0, 1) + struct.pack(">II", off, len(s))
            for i, off, s in zip(ids, offsets, samples, strict=True)
        ]
        iloc = _full(b"iloc", 1, 0, bytes([0x44, 0x00]) + struct.pack(">H", len(items)) + b"".join(items))
        return _full(b"meta", 0, 0, hdlr + pitm + iloc + iinf + iref + iprp + idat)

    ftyp = _box(b"ftyp", b"heic" + struct.pack(">I", 0) + b"mif1heic")
    head = len(ftyp) + len(meta([0] * len(ids))) + 8  # the mdat payload starts here
    offsets, at = [], head
    for s in samples:
        offsets.append(at)
        at += len(s)
    path.write_bytes(ftyp + meta(offsets) + _box(b"mdat", b"".join(samples)))
    return path
