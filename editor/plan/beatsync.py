"""Beat sync, pure: move every cut between clips onto a beat of the sound.

A cut is the middle of a join (the centre of a transition, or a hard cut), so a transition
that is centred on a cut is centred on a beat. Each clip is shortened or extended within the
media it has; a cut with no reachable beat stays where it was.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence

from editor.plan.timeline import Timeline
from editor.probe import MediaInfo
from editor.spec import Clip, EditSpec, Sound

MIN_CLIP = 0.2  # seconds a clip keeps between its transitions
STILL_MAX = 600.0


def beats_in_output(
    beats: Sequence[float], sound: Sound, source_duration: float, until: float
) -> list[float]:
    """Beat times of the sound file mapped into the video's time (start offset, tempo, loop)."""
    if isinstance(sound.start, str):
        raise ValueError("the sound's start 'auto' must be resolved before its beats are placed")
    start = sound.start
    out: list[float] = []
    first_pass = [(b - start) / sound.tempo for b in beats if b >= start]
    out.extend(first_pass)
    if sound.loop and source_duration > 0:
        offset = (source_duration - start) / sound.tempo
        period = source_duration / sound.tempo
        while offset < until:
            out.extend(offset + b / sound.tempo for b in beats)
            offset += period
    return sorted(t for t in out if 0 <= t <= until)


def sync_to_beats(
    spec: EditSpec, media: Mapping[str, MediaInfo], timeline: Timeline, beats: Sequence[float]
) -> EditSpec:
    """A new spec whose clip lengths put every cut on the nearest reachable beat (``timeline`` is
    the spec's own, before the move)."""
    clips = list(spec.clips)
    start = 0.0
    for i, timing in enumerate(timeline.clips[:-1]):
        clip = clips[i]
        before = clips[i - 1].transition if i else None
        incoming = before.duration if before else 0.0
        overlap = clip.transition.duration if clip.transition else 0.0
        info = media[clip.src]
        longest = STILL_MAX if timing.still else (info.duration - timing.source_start) / clip.speed
        shortest = incoming + overlap + MIN_CLIP
        cut = start + timing.duration - overlap / 2
        target = _nearest(beats, cut, start + shortest - overlap / 2, start + longest - overlap / 2)
        length = timing.duration if target is None else target - start + overlap / 2
        clips[i] = _with_length(clip, length, timing.still, timing.source_start)
        start += length - overlap
    return spec.model_copy(update={"clips": tuple(clips)})


def _nearest(beats: Sequence[float], t: float, low: float, high: float) -> float | None:
    k = bisect_left(beats, t)
    candidates = [b for b in beats[max(0, k - 2) : k + 2] if low <= b <= high]
    if not candidates:
        inside = [b for b in beats if low <= b <= high]
        candidates = inside[:1] + inside[-1:]
    return min(candidates, key=lambda b: abs(b - t)) if candidates else None


def _with_length(clip: Clip, length: float, still: bool, source_start: float) -> Clip:
    if still:
        return clip.model_copy(update={"duration": length})
    return clip.model_copy(update={"out": source_start + length * clip.speed, "duration": None})
