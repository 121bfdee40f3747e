"""The colour contract of every output, and the per-input filters that honour it.

Every picture ReelForge writes is 8-bit ``yuv420p``, limited (tv) range, BT.709 primaries, transfer
and matrix, tagged so in the stream and the container, whatever the inputs were. Each clip, layer
or still is converted into that in the graph, from the facts ``probe`` read:

- HDR (PQ: HDR10, HDR10+, Dolby Vision 8.1; HLG: iPhone, Dolby Vision 8.4) is linearised with
  reference white (203 nits, BT.2408) at 1.0, mapped from BT.2020 to BT.709 gamut, tone-mapped
  with ``mobius`` (linear up to half of reference white, so faces keep their exposure, then a
  smooth roll-off of highlights up to the content's peak, so skies keep detail), then encoded
  with the BT.709 transfer. ``benchmarks/hdr.py`` measured the alternatives.
- SDR in BT.2020 primaries goes through the same gamut mapping without tone mapping.
- Other SDR (BT.601 phones, full-range JPEG and HEIC stills, RGB PNGs) changes only its matrix and
  range, which is cheap (swscale) and exact: BT.601 and BT.709 primaries are close enough that
  players do not convert them either.
"""

from __future__ import annotations

from editor.plan.graph import num
from editor.probe_colour import Colour

REFERENCE_WHITE = 203.0  # nits of SDR white inside HDR (ITU-R BT.2408)
HLG_PEAK = 1000.0  # nits: HLG's nominal display peak
PQ_PEAK = 1000.0  # nits, when a PQ stream carries no light level: what phones master to
TONE_CURVE = "mobius"
TONE_KNEE = 0.5  # mobius is linear below this (linear light, 1.0 = reference white)

# The contract, as frame properties and as encoder options.
TAGS = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"
ENCODER_TAGS = (
    *("-color_range", "tv", "-color_primaries", "bt709"),
    *("-color_trc", "bt709", "-colorspace", "bt709"),
)

# swscale's names for the matrices it converts (no ``bt2020c``: treated as ``bt2020nc``)
_SWS_MATRIX = {"bt709": "bt709", "fcc": "fcc", "bt470bg": "bt470bg", "smpte170m": "smpte170m",
               "smpte240m": "smpte240m", "bt2020nc": "bt2020nc", "bt2020c": "bt2020nc"}  # fmt: skip
WIDE_GAMUTS = frozenset({"bt2020", "smpte432", "smpte431"})  # BT.2020, Display P3 (iPhone photos), DCI-P3


def peak_nits(colour: Colour) -> float:
    """The brightest light the tone curve must fit into SDR white."""
    if colour.hdr == "hlg":
        return HLG_PEAK
    return max(colour.peak_luminance or PQ_PEAK, REFERENCE_WHITE)


def to_contract(colour: Colour, *, still: bool = False) -> list[str]:
    """Filters that turn frames described by ``colour`` into the contract (then tagged so).
    ``still``: an untagged YUV image is BT.601, as JPEG (JFIF) and WebP are."""
    if colour.hdr is not None:
        return [*_hdr(colour), TAGS]
    if colour.color_primaries in WIDE_GAMUTS:
        # SDR curves (BT.709, BT.601, sRGB) are treated alike, as players do: only the gamut moves.
        source = _zscale_in(colour)
        return [f"zscale={source}:p=bt709:t=bt709:m=bt709:r=tv", "format=yuv420p", TAGS]
    matrix, full = _sdr_input(colour, still)
    if matrix == "bt709" and not full:
        return ["format=yuv420p", TAGS]  # the values are right; only the tags may be wrong or missing
    source = "" if matrix == "gbr" else f"in_color_matrix={_SWS_MATRIX.get(matrix, 'bt709')}:"
    source += f"in_range={'full' if full else 'limited'}:" if matrix != "gbr" else ""
    return [f"scale={source}out_color_matrix=bt709:out_range=limited", "format=yuv420p", TAGS]


def _sdr_input(colour: Colour, still: bool) -> tuple[str, bool]:
    """The matrix and range an SDR input really uses: untagged full-range or still YUV is JPEG's
    BT.601 (JFIF); untagged video is BT.709."""
    full = colour.color_range == "pc"
    matrix = colour.color_space
    if matrix is None or matrix not in (*_SWS_MATRIX, "gbr"):
        matrix = "bt470bg" if (full or still) else "bt709"
    return matrix, full


def _zscale_in(colour: Colour) -> str:
    """zscale's reading of the input, spelled out: frames may lack the tags the container has."""
    primaries = colour.color_primaries or "bt2020"
    transfer = colour.color_transfer if colour.hdr else "bt709"
    matrix = colour.color_space or ("bt2020nc" if colour.hdr else "bt709")
    rng = colour.color_range or ("pc" if colour.color_space == "gbr" else "tv")
    return f"tin={transfer}:pin={primaries}:min={matrix}:rin={rng}"


def _hdr(colour: Colour) -> list[str]:
    peak = peak_nits(colour) / REFERENCE_WHITE
    source = _zscale_in(colour)
    return [
        # linear light with reference white at 1.0, already in BT.709 primaries
        f"zscale={source}:t=linear:npl={num(REFERENCE_WHITE)}:p=bt709",
        "format=gbrpf32le",
        f"tonemap={TONE_CURVE}:param={num(TONE_KNEE)}:desat=0:peak={num(peak, 4)}",
        "zscale=t=bt709:m=bt709:r=tv",
        "format=yuv420p",
    ]


def input_filters(
    colour: Colour, *, width: int, height: int, frame: tuple[int, int], still: bool
) -> list[str]:
    """``to_contract`` for one input shown in ``frame`` (w, h). A source much larger than its frame
    (a 4K phone clip in a 1080x1920 video) is first scaled to cover the frame in its own colours,
    which no fit loses, so tone mapping works on a quarter of the pixels."""
    convert = to_contract(colour, still=still)
    w, h = frame
    if convert[0].startswith("format=") or width * height <= 2 * w * h:
        return convert
    return [f"scale={w}:{h}:force_original_aspect_ratio=increase", *convert]
