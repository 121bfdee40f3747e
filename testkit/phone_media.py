"""Phone-like media made by ffmpeg, for tests and benchmarks: HDR10 (PQ) and HLG HEVC Main10 made
from an SDR source (zscale), full-range JPEG stills, colour patches with known values.

The HDR clips are made the way BT.2408 places SDR in HDR: SDR white at 203 nits, so a good tone
mapping gives back (about) the SDR source, which is what the tests compare against.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from editor import ffmpeg
from editor.plan.graph import num

# (name, sRGB value): a mid grey, skin, sky, foliage, a saturated red, near-white
PATCHES: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("grey", (128, 128, 128)),
    ("skin", (224, 172, 140)),
    ("sky", (100, 160, 230)),
    ("foliage", (60, 150, 70)),
    ("red", (200, 40, 40)),
    ("white", (230, 230, 230)),
)
SDR_TAGS = ("-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv")
_HDR = {
    "pq": ("smpte2084", "hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)"
           "WP(15635,16450)L(10000000,50):max-cll=1000,400"),
    "hlg": ("arib-std-b67", ""),
}  # fmt: skip


def patch_image(path: Path, width: int = 360, height: int = 640) -> Path:
    """A PNG of the six patches, two columns by three rows."""
    from PIL import Image

    frame = np.zeros((height, width, 3), np.uint8)
    ph, pw = height // 3, width // 2
    for i, (_, rgb) in enumerate(PATCHES):
        r, c = divmod(i, 2)
        frame[r * ph : (r + 1) * ph, c * pw : (c + 1) * pw] = rgb
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(frame).save(path)
    return path


def patch_means(frame: np.ndarray) -> dict[str, np.ndarray]:
    """The mean RGB of each patch's centre (away from edges and chroma bleeding)."""
    h, w = frame.shape[:2]
    ph, pw = h // 3, w // 2
    out = {}
    for i, (name, _) in enumerate(PATCHES):
        r, c = divmod(i, 2)
        y0, x0 = r * ph + ph // 4, c * pw + pw // 4
        out[name] = frame[y0 : y0 + ph // 2, x0 : x0 + pw // 2].reshape(-1, 3).mean(0)
    return out


def saturation(rgb: np.ndarray) -> float:
    """HSV saturation of one colour."""
    hi, lo = float(np.max(rgb)), float(np.min(rgb))
    return (hi - lo) / hi if hi > 0 else 0.0


def sdr_clip(
    path: Path, image: Path, *, seconds: float = 2.0, fps: float = 30, tone: float | None = 440.0
) -> Path:
    """An 8-bit BT.709 limited-range H.264 clip of ``image`` (converted with the BT.709 matrix)."""
    graph = f"[0:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,fps={num(fps)}[v]"
    maps = ["-map", "[v]"]
    if tone is not None:
        graph += f";sine=f={num(tone)}:r=48000:d={num(seconds)},volume=0.3[a]"
        maps += ["-map", "[a]", "-c:a", "aac", "-b:a", "96k"]
    ffmpeg.run(
        [*ffmpeg.input_args(image, before=("-loop", "1", "-t", num(seconds))),
         "-filter_complex", graph, *maps, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12",
         *SDR_TAGS, "-t", num(seconds), str(path)]
    )  # fmt: skip
    return path


def hdr_clip(path: Path, sdr: Path, kind: str = "pq", *, crf: int = 12) -> Path:
    """``sdr`` as a phone records HDR: HEVC Main10, BT.2020, PQ (HDR10 with mastering display and
    light level metadata) or HLG; ``hvc1`` tagged, as Apple writes it. Sound is copied."""
    transfer, params = _HDR[kind]
    x265 = ":".join(p for p in ("log-level=error", f"crf={crf}", params) if p)
    ffmpeg.run(
        [*ffmpeg.input_args(sdr), "-map", "0:v", "-map", "0:a?",
         "-vf", f"zscale=tin=bt709:pin=bt709:min=bt709:rin=tv:t={transfer}:p=bt2020:m=bt2020nc:r=tv:npl=203,"
                "format=yuv420p10le",
         "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", x265, "-tag:v", "hvc1",
         "-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc",
         "-color_range", "tv",
         "-c:a", "copy", str(path)]
    )  # fmt: skip
    return path


def jpeg_still(path: Path, image: Path) -> Path:
    """A full-range BT.601 JPEG (``yuvj420p``), as cameras and phones write them."""
    ffmpeg.run([*ffmpeg.input_args(image), "-frames:v", "1", "-q:v", "2", "-update", "1", str(path)])
    return path


def flash_beep_clip(
    path: Path,
    *,
    seconds: float = 3.0,
    fps: float = 30,
    flash_at: float = 1.5,
    drop: tuple[float, float] | None = None,
    audio_delay: float = 0.0,
    size: tuple[int, int] = (180, 320),
) -> Path:
    """A black clip whose picture flashes white and whose sound beeps (1 kHz) at ``flash_at`` on the
    file's own timeline, as phone timestamps have them: ``drop`` removes the frames in that span
    (a variable-frame-rate gap, kept as such), ``audio_delay`` starts the sound track that much
    later than the picture (its first sample is at ``audio_delay`` in the file)."""
    w, h = size
    video = (
        f"color=c=black:s={w}x{h}:r={num(fps)}:d={num(seconds)},"
        f"drawbox=c=white:t=fill:enable='gte(t,{num(flash_at, 6)})*lt(t,{num(flash_at + 0.2, 6)})'"
    )
    if drop is not None:
        video += f",select='not(between(t,{num(drop[0], 6)},{num(drop[1], 6)}))'"
    beep = f"between(t+{num(audio_delay, 6)},{num(flash_at, 6)},{num(flash_at + 0.2, 6)})"
    audio = f"aevalsrc='0.5*sin(2*PI*1000*t)*{beep}':s=48000:d={num(seconds - audio_delay, 6)}"
    sound = path.with_name(path.stem + ".sound.m4a")
    ffmpeg.run(["-filter_complex", f"{audio}[a]", "-map", "[a]", "-c:a", "aac", "-b:a", "128k", str(sound)])
    ffmpeg.run(
        [*ffmpeg.input_args(sound, before=("-itsoffset", num(audio_delay, 6))),
         "-filter_complex", f"{video},format=yuv420p[v]", "-map", "[v]", "-map", "0:a",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", str(int(fps)), "-fps_mode", "passthrough",
         "-c:a", "copy", str(path)]
    )  # fmt: skip
    sound.unlink()
    return path


def flash_and_beep(path: Path) -> tuple[float, float]:
    """The middle of the flash and the middle of the beep, in seconds of ``path`` (PyAV). Middles,
    not onsets: a pitch-keeping slow-down (WSOLA) smears a beep's onset by its window."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        step = 1 / float(stream.average_rate or 30)
        video = container.decode(video=0)
        bright = [float(f.time or 0) for f in video if f.to_ndarray(format="gray").mean() > 128]
        container.seek(0)
        frames = list(container.decode(audio=0))
    if not bright or not frames:
        return float("nan"), float("nan")
    flash = (bright[0] + bright[-1] + step) / 2
    t0, rate = float(frames[0].time or 0), frames[0].sample_rate
    energy = np.concatenate([f.to_ndarray()[0] for f in frames]).astype(float) ** 2
    beep = t0 + float((energy * np.arange(energy.size)).sum() / energy.sum()) / rate
    return flash, beep


def add_dolby_vision(path: Path, profile: int = 8, compatibility: int = 1) -> Path:
    """Mark an HEVC MP4 as Dolby Vision ``profile.compatibility`` the way phones do: a ``dvcC``
    configuration record in its ``hvc1`` sample entry (no RPU: players then show the base layer,
    which is what ReelForge reads). The MP4 must keep its ``moov`` after ``mdat`` (ffmpeg's
    default), so growing it moves no sample offsets."""
    import struct

    data = bytearray(path.read_bytes())

    def child(start: int, end: int, kind: bytes) -> int:
        at = start
        while at + 8 <= end:
            size, name = struct.unpack_from(">I4s", data, at)
            if name == kind:
                return at
            at += size
        raise ValueError(f"no {kind!r} box")

    def end(at: int) -> int:
        return at + struct.unpack_from(">I", data, at)[0]

    moov = child(0, len(data), b"moov")
    chain = [moov]
    trak = moov + 8
    while True:  # the video track: the one whose sample entry is hvc1
        trak = child(trak, end(moov), b"trak")
        try:
            mdia = child(trak + 8, end(trak), b"mdia")
            minf = child(mdia + 8, end(mdia), b"minf")
            stbl = child(minf + 8, end(minf), b"stbl")
            stsd = child(stbl + 8, end(stbl), b"stsd")
            hvc1 = child(stsd + 16, end(stsd), b"hvc1")
            break
        except ValueError:
            trak = end(trak)
    chain += [trak, mdia, minf, stbl, stsd, hvc1]
    bits = (profile << 9) | (6 << 3) | 0b101  # level 6, RPU present, no EL, BL present
    record = bytes([1, 0]) + struct.pack(">H", bits) + bytes([compatibility << 4]) + bytes(19)
    box = struct.pack(">I", 8 + len(record)) + b"dvcC" + record
    insert = end(hvc1)
    for at in chain:
        struct.pack_into(">I", data, at, struct.unpack_from(">I", data, at)[0] + len(box))
    data[insert:insert] = box
    path.write_bytes(bytes(data))
    return path
