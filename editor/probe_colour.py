"""Colour facts of a decoded frame: primaries, transfer, matrix, range, bit depth and HDR metadata.

Names are ffmpeg's (``bt709``, ``smpte2084``, ``arib-std-b67``...), so the planner can hand them to
``zscale``/``scale`` as they are. Unknown tags stay ``None``: the planner decides what they mean.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from typing import Any

# AVColorPrimaries, AVColorTransferCharacteristic, AVColorSpace and AVColorRange values (libavutil).
PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film",
             9: "bt2020", 10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213"}  # fmt: skip
TRANSFERS = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "linear",
             11: "iec61966-2-4", 13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12",
             16: "smpte2084", 17: "smpte428", 18: "arib-std-b67"}  # fmt: skip
MATRICES = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m",
            8: "ycgco", 9: "bt2020nc", 10: "bt2020c"}  # fmt: skip
RANGES = {1: "tv", 2: "pc"}
HDR_TRANSFERS = {"smpte2084": "pq", "arib-std-b67": "hlg"}


@dataclass(frozen=True)
class Colour:
    """How a video's pixel values are to be read. ``peak_luminance`` (nits) comes from the content
    light level or the mastering display, when an HDR stream carries them."""

    color_primaries: str | None = None
    color_transfer: str | None = None
    color_space: str | None = None
    color_range: str | None = None
    bit_depth: int = 8
    hdr: str | None = None  # None (SDR), "pq" (HDR10, HDR10+, Dolby Vision 8.1) or "hlg"
    dolby_vision_profile: str | None = None  # "8.1", "8.4": profile.base-layer compatibility
    peak_luminance: float | None = None


def read_colour(frame: Any) -> Colour:
    """The colour facts of a PyAV ``VideoFrame`` (the first one decoded)."""
    fmt = frame.format
    transfer = TRANSFERS.get(int(frame.color_trc))
    colour_range = RANGES.get(int(frame.color_range))
    if colour_range is None and fmt.name.startswith("yuvj"):
        colour_range = "pc"  # the deprecated JPEG formats mean full range without saying so
    bits = max((c.bits for c in fmt.components), default=8)
    matrix = "gbr" if fmt.is_rgb else MATRICES.get(int(frame.colorspace))
    return Colour(
        color_primaries=PRIMARIES.get(int(frame.color_primaries)),
        color_transfer=transfer,
        color_space=matrix,
        color_range=colour_range,
        bit_depth=bits,
        hdr=HDR_TRANSFERS.get(transfer or ""),
        peak_luminance=_peak(frame),
    )


def _peak(frame: Any) -> float | None:
    """MaxCLL, else the mastering display's maximum luminance (nits); None when neither is set."""
    cll = mastering = None
    for data in frame.side_data:
        name = getattr(data.type, "name", str(data.type))
        raw = bytes(data)
        if name == "CONTENT_LIGHT_LEVEL" and len(raw) >= 8:
            cll = struct.unpack_from("<I", raw, 0)[0] or None
        elif name == "MASTERING_DISPLAY_METADATA" and len(raw) >= 88:
            # AVMasteringDisplayMetadata: 8 rationals of primaries, min and max luminance, two flags
            num, den = struct.unpack_from("<ii", raw, 72)
            has_luminance = struct.unpack_from("<i", raw, 84)[0]
            if has_luminance and den > 0 and num > 0:
                mastering = num / den
    return float(cll) if cll else mastering


# Dolby Vision profiles whose base layer is what ReelForge reads: HDR10 (8.1), SDR (8.2, 9.2), HLG (8.4)
DOLBY_VISION_BASE = {"8.1": "pq", "8.2": None, "8.4": "hlg", "9.2": None}


def with_dolby_vision(colour: Colour, profile: str) -> Colour:
    """``colour`` of a Dolby Vision stream: its base layer, which the tags may omit; ``ValueError``
    for a profile without a playable base layer (5: IPT colours only a Dolby decoder maps)."""
    if profile not in DOLBY_VISION_BASE:
        raise ValueError(
            f"Dolby Vision profile {profile} has no HDR10, HLG or SDR base layer; "
            "export the video as HDR10, HLG or SDR (most phones and editors can)"
        )
    if colour.hdr is not None:
        return replace(colour, dolby_vision_profile=profile)
    hdr = DOLBY_VISION_BASE[profile]
    transfer = {"pq": "smpte2084", "hlg": "arib-std-b67"}.get(hdr or "", colour.color_transfer)
    return replace(colour, dolby_vision_profile=profile, hdr=hdr, color_transfer=transfer)
