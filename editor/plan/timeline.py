"""Pure timing: how long each clip plays, where transitions sit, checked against the probed media."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from editor.errors import SpecError
from editor.probe import MediaInfo
from editor.spec import EditSpec

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
class Timeline:
    clips: tuple[ClipTiming, ...]
    duration: float
    cuts: tuple[float, ...]  # the middle of each join, in output seconds


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
    return Timeline(tuple(placed), position, tuple(cuts))


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
