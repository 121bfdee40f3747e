"""Pure template planning: a template, the sound's beats and facts about the clips become an edit spec.

The algorithm, step by step:

1. **Beat grid.** Beats at or after ``sound_start`` are moved to output time (``beat - sound_start``);
   a beat within a quarter period (at most 0.1 s) of the start counts as the start itself; past the
   last analysed beat the grid goes on at the median beat period. Slot *k* covers beats
   ``[sum(beats before k), ... + beats_k]``; the video starts at 0 and ends on the last slot's end
   beat. Every boundary is rounded to a whole frame, so each clip lasts whole frames and cuts do not
   drift.
2. **Joins.** The transition after slot *k* is the slot's own, else the template's transition pack
   in rotation, else a hard cut. Its overlap is shortened to fit both slots (at most 80 % of the
   shorter one, in even frames) and *centred* on the boundary beat: each side gives half, so the
   middle of the join (``RenderResult.cuts``) is the beat.
3. **Clips.** Slot *k* takes clip ``k % len(clips)`` (fewer clips than slots: reused in order). It
   plays ``slot length + half of each adjacent overlap`` output seconds at the slot's speed. The
   source segment starts at the clip's start, or where the previous use of the clip stopped, or
   (``segment: "active"``) at the most active stretch of the clip not used yet. A clip shorter
   than the segment it needs is **slowed** (down to speed 0.25); shorter still, it is **looped**:
   the slot is split into beats (then half beats...) and the clip replays on each, so even those
   cuts fall on the beat.
4. **Text.** Placeholders are filled from ``texts`` (else their ``default``; with neither they are
   left out) and shown from their start beat to their end beat.
"""

from __future__ import annotations

import bisect
import itertools
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from editor.errors import SpecError
from editor.names import unknown_name
from editor.presets import PresetLibrary, Template, TransitionPack
from editor.resolve import parse_spec
from editor.spec import EditSpec

MIN_SPEED = 0.25
END_MARGIN = 0.04  # seconds kept clear of a clip's end (container rounding)
ACTIVITY_STEP = 0.25  # seconds between activity samples
MAX_CLIPS = 100  # what an edit spec holds


@dataclass(frozen=True)
class ClipFacts:
    """What the planner knows about one user clip: its ``src`` in the spec and probed facts."""

    src: str
    duration: float  # seconds of video; ignored for stills
    still: bool = False
    activity: tuple[float, ...] = ()  # motion/sound energy every ACTIVITY_STEP seconds


@dataclass(frozen=True)
class TemplatePlan:
    """The edit spec (as JSON data and parsed), the intended cut times and notes for the user."""

    data: Mapping[str, Any]
    spec: EditSpec
    cuts: tuple[float, ...]  # output seconds of every join: the beats the video cuts on
    beats: tuple[float, ...]  # output seconds of every beat of the grid (frame-rounded)
    warnings: tuple[str, ...] = field(default=())


def beat_grid(beats: Sequence[float], sound_start: float, count: int) -> tuple[float, ...]:
    """``count + 1`` beat times in output seconds: 0 first, then the analysed beats, extrapolated.

    Raises ``SpecError`` when the sound has fewer than two beats after ``sound_start``.
    """
    after = sorted(max(0.0, b - sound_start) for b in beats if b >= sound_start - 0.05)
    if len(after) < 3:
        raise SpecError.at("sound", "the sound has no steady beat after sound_start to cut on")
    period = statistics.median(b - a for a, b in itertools.pairwise(after))
    if after[0] < min(0.1, period / 4):
        after = after[1:]  # a beat (just) at the start is the video start itself
    grid = [0.0, *after[:count]]
    while len(grid) < count + 1:
        grid.append(grid[-1] + period)
    return tuple(grid)


# How many beats a slot may wait for its bar or phrase: one 4/4 bar, one 4-bar phrase.
REACH = {"beat": 0, "bar": 4, "phrase": 16}


def slot_starts(
    template: Template,
    grid: Sequence[float],
    marks: Mapping[str, Sequence[float]],
    warnings: list[str],
) -> list[int]:
    """The grid index where each slot starts, then where the last one ends.

    A slot ``on`` a bar or a phrase starts on the first such mark at or after where it would start,
    so the change it brings lands where the music changes; the slot before it grows to reach it.
    """
    starts = [0]
    for k, slot in enumerate(template.slots):
        if slot.on != "beat":
            found = on_grid(marks.get(slot.on, ()), grid, template.sound_start)
            later = [i for i in found if starts[-1] <= i <= starts[-1] + REACH[slot.on]]
            if later:
                starts[-1] = later[0]
            else:
                warnings.append(
                    f"slot {k + 1}: the sound has no {slot.on} start within {REACH[slot.on]} beats; "
                    "it starts on its beat"
                )
        starts.append(starts[-1] + slot.beats)
    return starts


def on_grid(times: Sequence[float], grid: Sequence[float], sound_start: float) -> list[int]:
    """Indices of the grid beats that ``times`` (sound seconds) fall on, within a quarter beat."""
    period = statistics.median(b - a for a, b in itertools.pairwise(grid))
    found = set()
    for t in times:
        at = t - sound_start
        i = min(bisect.bisect_left(grid, at), len(grid) - 1)
        nearest = min((j for j in (i - 1, i) if j >= 0), key=lambda j: abs(grid[j] - at))
        if abs(grid[nearest] - at) <= period / 4:
            found.add(nearest)
    return sorted(found)


def _frames(t: float, fps: float) -> int:
    return round(t * fps)


def plan_template(
    template: Template,
    clips: Sequence[ClipFacts],
    beats: Sequence[float],
    *,
    sound_src: str,
    library: PresetLibrary,
    texts: Mapping[str, str] | None = None,
    output: Mapping[str, Any] | None = None,
    bars: Sequence[float] = (),
    phrases: Sequence[float] = (),
) -> TemplatePlan:
    """The edit spec that renders ``template`` with ``clips`` on the beat grid ``beats`` (sound seconds).

    ``bars`` (downbeats) and ``phrases`` (4-bar phrase starts), in sound seconds, are where slots
    marked ``on: "bar"``/``"phrase"`` start.

    ``output`` overrides fields of the template's output (size, fps...). Raises ``SpecError`` for
    unknown text keys, no clips, or a sound without a beat.
    """
    if not clips:
        raise SpecError.at("clips", "a template needs at least one clip")
    texts = dict(texts or {})
    known = [t.key for t in template.texts]
    bad = [(f"texts.{k}", unknown_name("text placeholder", k, known)) for k in texts if k not in known]
    if bad:
        raise SpecError(bad)
    out = template.output.model_copy(update=dict(output or {}))
    out = type(out).model_validate(out.model_dump())  # check the overrides
    fps = out.fps
    warnings: list[str] = []
    landing = sum(REACH[s.on] for s in template.slots)
    grid = beat_grid(beats, template.sound_start, template.total_beats + landing)
    starts = slot_starts(template, grid, {"bar": bars, "phrase": phrases}, warnings)
    grid = grid[: starts[-1] + 1]
    frames = [_frames(t, fps) for t in grid]
    for i in range(1, len(frames)):  # at least two frames a beat, even for absurd tempos
        frames[i] = max(frames[i], frames[i - 1] + 2)
    bounds = [frames[b] for b in starts]  # slot boundaries in frames
    pack = _pack(template, library)
    joins = _joins(template, pack, bounds, fps)
    spec_clips: list[dict[str, Any]] = []
    used: dict[int, list[tuple[float, float]]] = {}
    for k, slot in enumerate(template.slots):
        n = k % len(clips)
        facts = clips[n]
        lead = joins[k - 1][1] // 2 if k > 0 else 0
        tail = joins[k][1] // 2 if k < len(joins) else 0
        beat_frames = frames[starts[k] : starts[k + 1] + 1]
        pieces, note = _pieces(facts, slot.speed, beat_frames, lead, tail, fps)
        if note:
            warnings.append(f"slot {k + 1}: {facts.src} {note}")
        for p, (length, speed) in enumerate(pieces):
            clip: dict[str, Any] = {"src": facts.src, "fit": slot.fit}
            seconds = round(length / fps, 6)
            if facts.still:
                clip["duration"] = seconds
            else:
                need = seconds * speed
                start = _segment_start(facts, need, slot.segment or template.segment, used.setdefault(n, []))
                used[n].append((start, start + need))
                clip |= {"in": round(start, 6), "duration": seconds, "speed": round(speed, 6)}
            if slot.effects:
                clip["effects"] = [e.model_dump() for e in slot.effects]
            if slot.face_effects:
                clip["face_effects"] = [e.model_dump() for e in slot.face_effects]
            if slot.preset:
                clip["preset"] = slot.preset
            last_piece = p == len(pieces) - 1
            if last_piece and k < len(joins) and joins[k][0] is not None:
                clip["transition"] = {"type": joins[k][0], "duration": round(joins[k][1] / fps, 6)}
            else:
                clip["transition"] = None  # explicit: a hard cut that no preset may fill
            spec_clips.append(clip)
    if len(spec_clips) > MAX_CLIPS:
        raise SpecError.at("clips", f"the clips are too short for this template ({len(spec_clips)} pieces)")
    spec_clips[-1].pop("transition")
    cut_frames = [f for f in _piece_bounds(spec_clips, fps)]
    overlays = []
    for placeholder in template.texts:
        text = texts.get(placeholder.key, placeholder.default)
        if not text:
            continue
        end = None if placeholder.end_beat is None else round(frames[placeholder.end_beat] / fps, 6)
        overlay: dict[str, Any] = {
            "type": "text",
            "text": text,
            "start": round(frames[placeholder.start_beat] / fps, 6),
            "end": end,
        }
        # Only what the template sets, so a text style preset fills the rest.
        keys = {"position", "size", "color", "box", "style"}
        overlay |= placeholder.model_dump(include=keys, exclude_unset=True)
        overlays.append(overlay)
    data: dict[str, Any] = {
        "version": 1,
        "output": out.model_dump(),
        "clips": spec_clips,
        "overlays": overlays,
        "audio": {
            "original_volume": template.original_volume,
            "sound": {"src": sound_src, "start": template.sound_start, "volume": template.sound_volume},
            "loudness": template.loudness,
        },
    }
    if template.look:
        data["preset"] = template.look
    try:
        spec = parse_spec(data)
    except SpecError as exc:  # a text too long, say: name the template's part
        raise SpecError([(f"template.{f}" if f else "template", r) for f, r in exc.problems]) from None
    return TemplatePlan(
        data=data,
        spec=spec,
        cuts=tuple(round(f / fps, 6) for f in cut_frames),
        beats=tuple(round(f / fps, 6) for f in frames),
        warnings=tuple(warnings),
    )


def _pack(template: Template, library: PresetLibrary) -> TransitionPack | None:
    if template.transitions is None:
        return None
    pack = library.get(template.transitions, field="template.transitions", categories=("transition_pack",))
    assert isinstance(pack, TransitionPack)
    return pack


def _joins(
    template: Template, pack: TransitionPack | None, bounds: Sequence[int], fps: float
) -> list[tuple[str | None, int]]:
    """(transition type or None, overlap in an even number of frames) for each join."""
    joins: list[tuple[str | None, int]] = []
    for k in range(len(template.slots) - 1):
        chosen = template.slots[k].transition or (
            pack.transitions[k % len(pack.transitions)] if pack else None
        )
        if chosen is None:
            joins.append((None, 0))
            continue
        shorter = min(bounds[k + 1] - bounds[k], bounds[k + 2] - bounds[k + 1])
        overlap = min(_frames(chosen.duration, fps), int(0.8 * shorter))
        overlap -= overlap % 2
        joins.append((chosen.type, overlap) if overlap >= 2 else (None, 0))
    return joins


def _pieces(
    facts: ClipFacts, speed: float, beat_frames: Sequence[int], lead: int, tail: int, fps: float
) -> tuple[list[tuple[int, float]], str]:
    """How slot frames are played: one piece at ``speed``, slowed, or looped on beats (frames, speed)."""
    total = beat_frames[-1] - beat_frames[0] + lead + tail
    if facts.still:
        return [(total, 1.0)], ""
    available = max(facts.duration - END_MARGIN, 0.0)
    if total / fps * speed <= available:
        return [(total, speed)], ""
    slowed = available / (total / fps)
    if slowed >= MIN_SPEED:
        return [(total, slowed)], f"is shorter than its slot; slowed to {slowed:.2f}x"
    # Loop: split the slot on its beats, then on half beats, ... until one play of the clip fits.
    marks = list(beat_frames)
    while True:
        edges = [marks[0] - lead, *marks[1:-1], marks[-1] + tail]
        longest = max(b - a for a, b in itertools.pairwise(edges))
        if longest / fps * MIN_SPEED <= available or longest <= 2:
            break
        marks = [x for a, b in itertools.pairwise(marks) for x in (a, (a + b) // 2)] + [marks[-1]]
        marks = sorted(set(marks))
    pieces = []
    for a, b in itertools.pairwise(edges):
        length = b - a
        pieces.append((length, min(speed, max(MIN_SPEED, available / (length / fps)))))
    return pieces, f"is much shorter than its slot; looped {len(pieces)} times on the beat"


def _segment_start(facts: ClipFacts, need: float, mode: str, used: list[tuple[float, float]]) -> float:
    """Where the segment of ``need`` source seconds starts (see the module docstring)."""
    latest = max(0.0, facts.duration - END_MARGIN - need)
    if mode == "active" and facts.activity:
        candidates = [i * ACTIVITY_STEP for i in range(int(latest / ACTIVITY_STEP) + 1)]
        fresh = [t for t in candidates if not any(t < e and t + need > s for s, e in used)]
        best = max(fresh or candidates, key=lambda t: (_energy(facts.activity, t, need), -t))
        return round(min(best, latest), 6)
    if used:
        resume = used[-1][1]
        if resume <= latest:
            return round(resume, 6)
    return 0.0


def _energy(activity: Sequence[float], start: float, length: float) -> float:
    a = int(start / ACTIVITY_STEP)
    b = max(a + 1, int((start + length) / ACTIVITY_STEP + 0.5))
    window = activity[a:b]
    return sum(window) / len(window) if window else 0.0


def _piece_bounds(spec_clips: Sequence[Mapping[str, Any]], fps: float) -> list[int]:
    """Frames of the middle of every join of the planned clips (the same sums as the timeline)."""
    position, cuts = 0, []
    for clip in spec_clips[:-1]:
        position += round(clip["duration"] * fps)
        transition = clip.get("transition")
        overlap = round(transition["duration"] * fps) if transition else 0
        position -= overlap
        cuts.append(position + overlap // 2)
    return cuts
