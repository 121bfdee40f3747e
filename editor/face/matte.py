"""The background effect: a soft, temporally smoothed person matte and its place in the graph.

``write_matte`` turns the cached selfie-segmentation samples (uint8, ``MATTE_LONG_SIDE``) into a
grey FFV1 video at the clip's frame rate: smoothed over time (a Gaussian over the analysis
samples, so the hair line does not flicker), softened at the edge, then interpolated to each
frame's time. A trigger's envelope turns the effect off by raising the matte to 1 (all person).
``background_filters`` scales the matte up as the person's alpha over the new background:
a blurred copy of the clip, a colour, or an image or video (cover-fitted).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from editor.errors import RenderError
from editor.face.tracking import RawFrames
from editor.plan.graph import Graph, Input, num

TIME_SIGMA = 1.0  # analysis samples (1/15 s): temporal smoothing of the matte
EDGE_SIGMA = 1.0  # matte pixels: softness of the edge
EDGE = (0.3, 0.7)  # matte values mapped to 0..1 (smoothstep): a soft yet decisive outline


def smoothed_samples(mattes: RawFrames) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, (M, h, w) float32 0..1)``: the matte per analysed sample, smoothed over time."""
    idx = mattes.indices[mattes.counts > 0]
    stack = mattes.points.astype(np.float32) / 255.0
    radius = int(3 * TIME_SIGMA)
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / TIME_SIGMA) ** 2)
    k /= k.sum()
    padded = np.concatenate([stack[:1].repeat(radius, 0), stack, stack[-1:].repeat(radius, 0)])
    smooth = np.zeros_like(stack)
    for j, w in enumerate(k):
        smooth += w * padded[j : j + len(stack)]
    lo, hi = EDGE
    out = np.empty_like(smooth)
    for i, m in enumerate(smooth):
        soft = np.clip((cv2.GaussianBlur(m, (0, 0), EDGE_SIGMA) - lo) / (hi - lo), 0, 1)
        out[i] = soft * soft * (3 - 2 * soft)
    return idx, out


def matte_at(idx: np.ndarray, samples: np.ndarray, rate: float, t: float) -> np.ndarray:
    """The matte at source time ``t``: linear between the two nearest samples."""
    pos = float(np.clip(t * rate, idx[0], idx[-1]))
    j = int(np.clip(np.searchsorted(idx, pos, side="right") - 1, 0, len(idx) - 1))
    if j + 1 >= len(idx):
        return samples[j]
    w = (pos - idx[j]) / max(float(idx[j + 1] - idx[j]), 1e-9)
    return (1 - w) * samples[j] + w * samples[j + 1]


def write_matte(
    path: Path, mattes: RawFrames, rate: float, times: np.ndarray, fps: Fraction, envelope: np.ndarray | None
) -> float:
    """Write the matte for each source time in ``times`` to ``path``; returns its mean frame-to-frame
    change (0..1), the temporal stability figure."""
    idx, samples = smoothed_samples(mattes)
    h, w = samples.shape[1:]
    changes: list[float] = []
    prev: np.ndarray | None = None
    try:
        with av.open(str(path), "w", format="matroska") as out:
            stream = out.add_stream("ffv1", rate=fps)
            stream.width, stream.height, stream.pix_fmt = w, h, "gray"
            for n, t in enumerate(times):
                m = matte_at(idx, samples, rate, float(t))
                if envelope is not None:
                    m = 1.0 - float(envelope[n]) * (1.0 - m)
                grey = np.clip(m * 255 + 0.5, 0, 255).astype(np.uint8)
                if prev is not None:
                    changes.append(float(np.abs(grey.astype(np.int16) - prev).mean()) / 255)
                prev = grey.astype(np.int16)
                frame = av.VideoFrame.from_ndarray(grey, format="gray")
                frame.pts, frame.time_base = n, 1 / fps
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise RenderError(f"could not write the background matte {path.name}: {exc}") from exc
    return float(np.mean(changes)) if changes else 0.0


@dataclass(frozen=True)
class Replacement:
    """What goes behind the person: a blur of the clip, a colour, or a media file."""

    blur: float = 0.0  # 0..1 strength, for mode blur
    color: str | None = None  # '#rrggbb'
    path: Path | None = None
    still: bool = False
    demuxer: str | None = None
    start: float = 0.0  # s into the media where the clip's first frame is
    speed: float = 1.0  # the clip's speed: the media keeps its own pace in the output
    colour: tuple[str, ...] = ()  # filters into the output's colours (editor.plan.colour), like a clip's


@dataclass(frozen=True)
class BackgroundPlan:
    width: int
    height: int
    fps: Fraction
    matte: Path
    behind: Replacement
    duration: float  # s of source the clip reads: the composite ends there


def background_filters(plan: BackgroundPlan, g: Graph, src: str) -> str:
    """``src`` (source frames from 0) with its background replaced; returns the output label.

    ``maskedmerge`` blends the person over the background with the matte as a yuv420p mask (its
    luma at full size, its chroma planes at half): one plain per-pixel blend, where alphamerge and
    overlay cost about twice as much at 1080x1920 (CPU time, measured side by side).
    """
    w, h = plan.width, plan.height
    behind = plan.behind
    if behind.path is None and behind.color is None and behind.blur <= 0:
        return src  # a zero-strength blur: nothing to do
    fg, base = g.label("bfg"), g.label("bbase")
    g.chains.append(f"[{src}]format=yuv420p,split=2[{fg}][{base}]")
    if behind.path is not None:
        bg = _media(plan, g, base)
    elif behind.color is not None:
        y, u, v = _yuv(behind.color)
        bg = g.chain([base], [f"lutyuv=y={y}:u={u}:v={v}"], "bg")  # a constant per plane: cheap
    else:
        factor = 4 if behind.blur < 0.5 else 8  # blur a small copy: the stronger, the smaller
        sigma = (2 + 18 * behind.blur) * 4 / factor
        bw, bh = max(2, w // factor // 2 * 2), max(2, h // factor // 2 * 2)
        bg = g.chain(
            [base],
            [f"scale={bw}:{bh}:flags=area", f"gblur=sigma={num(sigma, 2)}", f"scale={w}:{h}:flags=bilinear"],
            "bg",
        )
    k = g.add_input(Input(plan.matte, demuxer="matroska"))
    rate = f"{plan.fps.numerator}/{plan.fps.denominator}"
    grey = g.chain([f"{k}:v"], ["settb=AVTB", f"setpts=(N-0.25)/({rate})/TB", "format=gray"], "bm")
    parts = [g.label("bmp") for _ in range(3)]
    g.chains.append(f"[{grey}]split=3" + "".join(f"[{p}]" for p in parts))
    cw, ch = (w + 1) // 2, (h + 1) // 2
    planes = [
        g.chain([p], [f"scale={sw}:{sh}:flags=bilinear"], "bmq")
        for p, (sw, sh) in zip(parts, ((w, h), (cw, ch), (cw, ch)), strict=True)
    ]
    mask = g.chain(planes, ["mergeplanes=0x001020:yuv420p"], "bmask")
    # maskedmerge runs until its longest input ends: the matte has a frame to spare, so trim.
    return g.chain([bg, fg, mask], ["maskedmerge", f"trim=duration={num(plan.duration, 6)}"], "bo")


def _yuv(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` as limited-range BT.709 Y, U, V: the clip's frames are in the output's colours here."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    kr, kb = 0.2126, 0.0722
    luma = kr * r + (1 - kr - kb) * g + kb * b
    y = 16 + 219 * luma
    u = 128 + 224 * (b - luma) / (2 * (1 - kb))
    v = 128 + 224 * (r - luma) / (2 * (1 - kr))
    return round(y), round(u), round(v)


def _media(plan: BackgroundPlan, g: Graph, base: str) -> str:
    """An image or video behind the person, cover-fitted, on the clip's timing."""
    w, h = plan.width, plan.height
    behind = plan.behind
    assert behind.path is not None
    if behind.still:  # one picture, repeated; never a filename pattern (like clips' stills)
        options: tuple[str, ...] = ("-loop", "1")
        options += ("-pattern_type", "none") if behind.demuxer == "image2" else ()
        timing = f"setpts=N/({num(float(plan.fps), 6)})/TB"
    else:  # the clip's source frames run at its speed: the media's time, scaled alike
        options = ("-ss", num(behind.start, 6)) if behind.start > 0 else ()
        timing = f"setpts=(PTS-STARTPTS)*{num(behind.speed, 6)}"
    k = g.add_input(Input(behind.path, (*options, "-an", "-sn", "-dn"), behind.demuxer))
    media = g.chain(
        [f"{k}:v"],
        [
            timing,
            *behind.colour,
            f"scale={w}:{h}:force_original_aspect_ratio=increase",
            f"crop={w}:{h}",
            "setsar=1",
            "format=yuv420p",
            *([] if behind.still else ["tpad=stop=-1:stop_mode=clone"]),  # a short video holds its end
        ],
        "bmedia",
    )
    # Endless media and shortest=1: the picture ends with the clip (overlay otherwise runs as long
    # as its longer input, and a 6 s background would stretch a 2 s clip to 6 s).
    return g.chain([base, media], ["overlay=0:0:shortest=1"], "bg")
