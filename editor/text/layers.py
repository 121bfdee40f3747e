"""Text items (overlays, caption cues) -> drawn lines -> PNG files and ``TextLayer``s for the planner.

This is the one step of text rendering that does IO (it writes PNGs into the render's work
folder); the timing helpers it uses are pure and tested as data. Per item: resolve the style,
lay the text out, draw each line once (once per karaoke state), place the block in the frame
(alignment, safe area, rotation about the block's centre) and schedule its motion.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from editor.plan.text import Motion, TextLayer
from editor.spec import EditSpec
from editor.text.captions import Cue
from editor.text.fonts import chain
from editor.text.layout import Line, Measure, layout, reveal_stops, words
from editor.text.models import Animation
from editor.text.raster import draw_line
from editor.text.style import Resolved, font_px, place_block, resolve

MOTION_SECONDS = {"pop": 0.35, "fade": 0.3, "slide_up": 0.35, "bounce": 0.6, "wiggle": 0.6}
TYPEWRITER_STEP = 0.05  # seconds per character when no duration is given


@dataclass(frozen=True)
class TextItem:
    """Text shown from ``start`` to ``end``; ``pieces`` are its words with the time each is spoken."""

    field: str
    pieces: tuple[tuple[float, str], ...]
    start: float
    end: float
    style: Resolved

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.pieces)


def timed_words(text: str, start: float, end: float) -> tuple[tuple[float, str], ...]:
    """Words of ``text`` with start times spread over ``start..end`` by their length."""
    parts = words(text)
    total = sum(len(p.strip()) or 1 for p in parts)
    out, done = [], 0
    for part in parts:
        out.append((start + (end - start) * done / total, part))
        done += len(part.strip()) or 1
    return tuple(out)


def text_items(spec: EditSpec, cues: Sequence[Cue], duration: float) -> list[TextItem]:
    """Every overlay and caption cue that shows before ``duration``, styles resolved."""
    items = []
    for i, overlay in enumerate(spec.overlays):
        end = min(overlay.end if overlay.end is not None else duration, duration)
        if overlay.start >= end:
            continue
        style = resolve(overlay)
        pieces = (
            timed_words(overlay.text, overlay.start, end)
            if style.karaoke
            else ((overlay.start, overlay.text),)
        )
        items.append(TextItem(f"overlays[{i}]", pieces, overlay.start, end, style))
    if spec.captions is not None:
        style = resolve(spec.captions)
        # Cues with word timings in the file get karaoke unless the spec (or its style) says no;
        # "karaoke": true also highlights the other cues, with timings spread over each cue.
        auto = spec.captions.karaoke is None
        for cue in cues:
            start, end = cue.start + spec.captions.offset, min(cue.end + spec.captions.offset, duration)
            if start >= end or end <= 0:
                continue
            pieces = tuple((at + spec.captions.offset, t) for at, t in cue.pieces)
            karaoke = cue.timed if auto else style.karaoke
            if karaoke and not cue.timed:
                pieces = timed_words(cue.text, start, end)
            items.append(TextItem("captions", pieces, max(0.0, start), end, replace(style, karaoke=karaoke)))
    return items


def motions(animation: Animation, span: float, characters: int) -> tuple[Motion | None, Motion | None]:
    """Enter and leave motions, their durations fitted into the item's time on screen."""

    def seconds(kind: str) -> float:
        if animation.duration is not None:
            return animation.duration
        if kind == "typewriter":
            return min(TYPEWRITER_STEP * characters, span * 0.6)
        return MOTION_SECONDS[kind]

    enter = None if animation.in_ == "none" else Motion(animation.in_, seconds(animation.in_))
    leave = None if animation.out == "none" else Motion(animation.out, seconds(animation.out))
    total = (enter.duration if enter else 0) + (leave.duration if leave else 0)
    if total > span * 0.9:  # shrink both to fit
        k = span * 0.9 / total
        enter = Motion(enter.kind, enter.duration * k) if enter else None
        leave = Motion(leave.kind, leave.duration * k) if leave else None
    return enter, leave


def reveal_schedule(
    stops: Sequence[int],
    first: int,
    total: int,
    start: float,
    end: float,
    enter: Motion | None,
    leave: Motion | None,
) -> tuple[tuple[float, int], ...]:
    """Typewriter steps of one line whose characters are ``first .. first+len(stops)`` of ``total``.

    Characters appear one by one over the enter motion and vanish last-first over the leave motion.
    """
    typing_in = enter is not None and enter.kind == "typewriter"
    typing_out = leave is not None and leave.kind == "typewriter"
    if not typing_in and not typing_out:
        return ()
    changes = [(start, 0 if typing_in else stops[-1])]
    if typing_in and enter:
        changes += [(start + enter.duration * (first + i) / total, w) for i, w in enumerate(stops)]
    if typing_out and leave:
        for i in range(len(stops)):
            at = end - leave.duration * (first + i + 1) / total
            changes.append((at, stops[i - 1] if i else 0))
    changes.sort(key=lambda c: c[0])
    return tuple((round(t, 4), w) for t, w in changes)


def karaoke_rows(line: Line, item: TextItem) -> tuple[tuple[float, float], ...]:
    """When each of the line's pieces is highlighted: from its time to the next piece's."""
    times = [at for at, _ in item.pieces] + [item.end]
    return tuple((round(times[k], 4), round(times[k + 1], 4)) for k in line.pieces)


def _rotate(point: tuple[float, float], centre: tuple[float, float], degrees: float) -> tuple[float, float]:
    """Counter-clockwise on screen (y grows downwards), as Pillow's ``rotate`` turns images."""
    a = math.radians(degrees)
    dx, dy = point[0] - centre[0], point[1] - centre[1]
    return centre[0] + dx * math.cos(a) + dy * math.sin(a), centre[1] - dx * math.sin(a) + dy * math.cos(a)


Writer = Callable[[Sequence[Image.Image], Path, bool, bool], object]


def draw_item(
    item: TextItem, index: int, work_dir: Path, frame: tuple[int, int], write: Writer | None = None
) -> list[TextLayer]:
    """The item's lines as layers; ``write`` saves each PNG (default: right away)."""
    write = write or write_png
    r = item.style
    fw, fh = frame
    m = Measure(font_px(r.size, fh), chain(r.font, r.weight))
    karaoke = r.karaoke and len(item.pieces) > 1
    texts = [t for _, t in item.pieces] if karaoke else [item.text]
    probe = r.look(fh, 0)
    lines = layout(texts, m, r.max_width * fw - 2 * probe.padding, r.direction)
    line_height = math.ceil(max(ln.ascent + ln.descent for ln in lines) * r.line_spacing / 2) * 2
    look = r.look(fh, line_height)
    drawn = [draw_line(ln, look, m, karaoke=karaoke) for ln in lines]
    boxes = [d.box[2] - d.box[0] for d in drawn]
    block_w, block_h = max(boxes), line_height * len(lines)
    left, top, align = place_block(r, block_w, block_h, frame, lines[0].rtl)
    centre = (left + block_w / 2, top + block_h / 2)
    enter, leave = motions(r.animation, item.end - item.start, len(item.text))
    stops = [reveal_stops(ln, m) for ln in lines]
    total = max(1, sum(len(s) for s in stops))
    layers, first = [], 0
    for j, (line, d) in enumerate(zip(lines, drawn, strict=True)):
        offset = {"left": 0.0, "center": (block_w - boxes[j]) / 2, "right": block_w - boxes[j]}[align]
        box_centre = (left + offset + boxes[j] / 2, top + j * line_height + line_height / 2)
        images = list(d.images)
        width = images[0].width
        if r.rotation:
            box_centre = _rotate(box_centre, centre, r.rotation)
            images = [im.rotate(r.rotation, Image.Resampling.BICUBIC, expand=True) for im in images]
        images = [_even(im) for im in images]  # the graph works in 4:2:0, in steps of two pixels
        w, h = images[0].size
        at = (round(box_centre[0] - w / 2), round(box_centre[1] - h / 2))
        # Typewriter steps in image pixels: past the margin and padding on the starting side.
        inset = d.box[0] + look.padding
        line_stops = [round((inset + s) * w / width / 2) * 2 for s in stops[j][:-1]] + [w]
        reveal = reveal_schedule(line_stops, first, total, item.start, item.end, enter, leave)
        first += len(stops[j])
        png = work_dir / f"text{index}_{j}.png"
        write(images, png, bool(reveal), line.rtl)
        layers.append(
            TextLayer(
                png=png,
                size=(w, h),
                at=at,
                start=round(item.start, 4),
                end=round(item.end, 4),
                enter=enter,
                leave=leave,
                travel=round(line_height * 0.6),
                rows=karaoke_rows(line, item) if karaoke else (),
                reveal=reveal,
                reveal_rtl=line.rtl,
            )
        )
    return layers


def _even(image: Image.Image) -> Image.Image:
    if image.width % 2 == 0 and image.height % 2 == 0:
        return image
    canvas = Image.new("RGBA", (image.width + image.width % 2, image.height + image.height % 2), (0, 0, 0, 0))
    canvas.paste(image, (0, 0))
    return canvas


def write_png(images: Sequence[Image.Image], png: Path, pad: bool, rtl: bool) -> None:
    """One row per state; a typewriter layer gets its own width of transparency on the hidden side."""
    w, h = images[0].size
    sheet = Image.new("RGBA", (w * 2 if pad else w, h * len(images)), (0, 0, 0, 0))
    x = w if pad and not rtl else 0
    for k, image in enumerate(images):
        sheet.paste(image, (x, k * h))
    sheet.save(png, format="PNG", compress_level=1)


def prepare_text(
    spec: EditSpec, cues: Sequence[Cue], work_dir: Path, frame: tuple[int, int], duration: float
) -> tuple[TextLayer, ...]:
    """Draw every overlay and caption of ``spec`` into ``work_dir``; the layers, in drawing order.
    PNG encoding (most of the time spent here) runs on two threads: Pillow releases the GIL."""
    layers: list[TextLayer] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: list[Future[None]] = []

        def write(images: Sequence[Image.Image], png: Path, pad: bool, rtl: bool) -> None:
            pending.append(pool.submit(write_png, images, png, pad, rtl))

        for k, item in enumerate(text_items(spec, cues, duration)):
            layers.extend(draw_item(item, k, work_dir, frame, write))
        for done in pending:
            done.result()
    return tuple(layers)


__all__ = ["TextItem", "prepare_text", "text_items"]
