"""Pure timing: how long each clip plays, where transitions sit, checked against the probed media."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from editor.errors import SpecError
from editor.plan.layout import Placed, placed_layers
from editor.probe import MediaInfo
from editor.spec import EditSpec, Layer

END_TOLERANCE = 0.05  # seconds an `out` may pass the probed end (container rounding)


@dataclass(frozen=True)
class ClipTiming:
    """Clip ``index`` reads ``source_duration`` seconds from ``source_start`` and plays ``duration``."""

    index: int
    source_start: float
    source_duration: float
    duration: float
    start: float  # where it begins in the output timeline
    still: bool


@dataclass(frozen=True)
class LayerTiming:
    """A layer shows from ``start`` to ``end`` (output seconds, inside the timeline), reading
    ``source_duration`` seconds from ``source_start``, then holding its last frame ``hold`` seconds."""

    field: str  # "layers[2]" or "layout": where errors and hooks point
    layer: Layer
    start: float
    end: float
    source_start: float
    source_duration: float
    hold: float
    still: bool

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Timeline:
    clips: tuple[ClipTiming, ...]
    duration: float
    cuts: tuple[float, ...]  # the middle of each join, in output seconds
    layers: tuple[LayerTiming, ...] = ()  # in drawing order (z, then list order)


def build_timeline(spec: EditSpec, media: Mapping[str, MediaInfo]) -> Timeline:
    """Clip timings and the total length; raises ``SpecError`` naming every impossible time."""
    problems: list[tuple[str, str]] = []
    timings: list[ClipTiming] = []
    position = 0.0
    cuts: list[float] = []
    for i, clip in enumerate(spec.clips):
        info = media[clip.src]
        where = f"clips[{i}]"
        if not info.has_video:
            problems.append((f"{where}.src", f"{info.path.name} has no picture; use it as audio.sound"))
            continue
        if info.is_still:
            if clip.duration is None:
                problems.append(
                    (f"{where}.duration", f"{info.path.name} is a still image; give a 'duration'")
                )
                continue
            if clip.out is not None or clip.in_:
                problems.append((f"{where}.out", "stills have no 'in'/'out'; use 'duration'"))
                continue
            src_start, src_len, length = 0.0, clip.duration, clip.duration
        else:
            if clip.in_ >= info.duration:
                problems.append(
                    (
                        f"{where}.in",
                        f"{clip.in_} s is past the end of {info.path.name} ({info.duration:.2f} s)",
                    )
                )
                continue
            end = (
                clip.out
                if clip.out is not None
                else (clip.in_ + clip.duration * clip.speed if clip.duration is not None else info.duration)
            )
            if end > info.duration + END_TOLERANCE:
                field = "out" if clip.out is not None else "duration"
                problems.append(
                    (
                        f"{where}.{field}",
                        f"ends at {end:.2f} s, past the end of {info.path.name} ({info.duration:.2f} s)",
                    )
                )
                continue
            end = min(end, info.duration)
            src_start, src_len = clip.in_, end - clip.in_
            length = src_len / clip.speed
        timings.append(ClipTiming(i, src_start, src_len, length, 0.0, info.is_still))
    if problems:
        raise SpecError(problems)
    _check_transitions(spec, timings, problems)
    if problems:
        raise SpecError(problems)
    placed: list[ClipTiming] = []
    for i, t in enumerate(timings):
        placed.append(ClipTiming(t.index, t.source_start, t.source_duration, t.duration, position, t.still))
        position += t.duration
        transition = spec.clips[i].transition
        if i < len(timings) - 1:
            overlap = transition.duration if transition else 0.0
            position -= overlap
            cuts.append(position + overlap / 2)
    layers = layer_timings(placed_layers(spec), media, position)
    return Timeline(tuple(placed), position, tuple(cuts), layers)


def layer_timings(
    layers: tuple[Placed, ...], media: Mapping[str, MediaInfo], duration: float
) -> tuple[LayerTiming, ...]:
    """Each layer clipped to the timeline, in drawing order; ``SpecError`` names every impossible one."""
    problems: list[tuple[str, str]] = []
    timings: list[LayerTiming] = []
    for placed in layers:
        layer, where = placed.layer, placed.field
        info = media[layer.src]
        if not info.has_video:
            problems.append((placed.src_field, f"{info.path.name} has no picture; a layer needs one"))
            continue
        if layer.start >= duration:
            problems.append(
                (f"{where}.start", f"starts at {layer.start} s, after the video ends ({duration:.2f} s)")
            )
            continue
        end = min(layer.end if layer.end is not None else duration, duration)
        if info.is_still:
            if layer.in_:
                problems.append((f"{where}.in", f"{info.path.name} is a still image; it has no 'in'"))
                continue
            timings.append(LayerTiming(where, layer, layer.start, end, 0.0, 0.0, 0.0, True))
            continue
        if layer.in_ >= info.duration:
            reason = f"{layer.in_} s is past the end of {info.path.name} ({info.duration:.2f} s)"
            problems.append((f"{where}.in", reason))
            continue
        needed = (end - layer.start) * layer.speed
        read = min(needed, info.duration - layer.in_)
        hold = (needed - read) / layer.speed
        timings.append(LayerTiming(where, layer, layer.start, end, layer.in_, read, hold, False))
    if problems:
        raise SpecError(problems)
    # sorted() is stable: equal z keep their list order
    return tuple(sorted(timings, key=lambda t: t.layer.z))


def _check_transitions(spec: EditSpec, timings: list[ClipTiming], problems: list[tuple[str, str]]) -> None:
    for i, t in enumerate(timings):
        incoming = spec.clips[i - 1].transition if i > 0 else None
        outgoing = spec.clips[i].transition
        used = (incoming.duration if incoming else 0.0) + (outgoing.duration if outgoing else 0.0)
        if used >= t.duration:
            field = f"clips[{i}].transition.duration" if outgoing else f"clips[{i - 1}].transition.duration"
            problems.append(
                (
                    field,
                    f"transitions of {used:.2f} s do not fit in clip {i} "
                    f"({t.duration:.2f} s long); shorten them or the clip",
                )
            )
