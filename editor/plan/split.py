"""Pure planning of a split render: a long edit cut into pieces that render side by side.

Each piece is an edit spec of its own (the clips it covers, the boundary clips trimmed, text moved
to its time), rendered video-only with the encoder settings of the whole; the sound is rendered
once for the whole timeline; the pieces are joined by ffmpeg's concat demuxer without re-encoding.
A piece starts on an IDR frame, so every piece is a closed GOP run and the join is seamless.

Cuts fall inside clips and on frame boundaries, never inside a transition (both clips would be
needed), a timed effect (a fade or zoom would restart) or an animated text. Edits the pieces
cannot reproduce exactly (layers, layouts, face effects, captions, timed whole-video effects)
render in one piece; ``SplitPlan.reason`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from editor.plan.timeline import Timeline
from editor.spec import EditSpec

MIN_SECONDS = 20.0  # shorter edits render in one piece: the fixed costs would eat the gain
MIN_PIECE = 2.0  # no piece shorter than this: each costs an ffmpeg start and a keyframe
# No cut leaves a sliver of a clip: a part shorter than one source frame would hold no frame at
# all (a 24 fps clip cut 1/30 s before its end), and the piece would come out a frame short.
EDGE = 0.25


@dataclass(frozen=True)
class Piece:
    start: float  # output seconds, on the frame grid
    end: float
    spec: EditSpec  # what this piece renders, its own time starting at 0

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class SplitPlan:
    pieces: tuple[Piece, ...]
    reason: str | None = None  # why the edit renders in one piece (or in fewer than asked)

    @property
    def cuts(self) -> tuple[float, ...]:
        return tuple(p.start for p in self.pieces[1:])


def why_not(spec: EditSpec) -> str | None:
    """What in ``spec`` a piece could not reproduce exactly, if anything."""
    if spec.layers or spec.layout is not None:
        return "layers and layouts render in one piece"
    if spec.face_effects or any(c.face_effects for c in spec.clips):
        return "face effects render in one piece"
    if spec.captions is not None:
        return "captions render in one piece"
    # Analysed per clip (segmentation, camera motion, colour, a reframe path): a piece would need
    # the whole clip's analysis re-timed, which the pieces do not carry.
    if any(c.fit == "smart" for c in spec.clips):
        return "smart reframe renders in one piece"
    analysed = {
        type(e).model_fields["type"].default
        for e in (*spec.effects, *(e for c in spec.clips for e in c.effects))
        if e.measured or e.stage == "source"
    }
    if analysed:
        return f"analysed effects ({', '.join(sorted(analysed))}) render in one piece"
    timed = [type(e).model_fields["type"].default for e in spec.effects if e.timed]
    if timed:
        return f"whole-video effects that change over time ({', '.join(timed)}) render in one piece"
    return None


def allowed_spans(spec: EditSpec, timeline: Timeline) -> list[tuple[float, float]]:
    """Where a cut may fall: inside clips without timed effects, away from transitions and from
    animated text (open intervals, output seconds), at least ``EDGE`` from a clip's ends."""
    frame = 1 / spec.output.fps
    edge = max(frame, EDGE)
    spans = []
    for i, timing in enumerate(timeline.clips):
        clip = spec.clips[timing.index]
        if any(e.timed for e in clip.effects):
            continue
        incoming = spec.clips[timing.index - 1].transition if i > 0 else None
        outgoing = clip.transition
        lo = timing.start + (incoming.duration if incoming else 0.0) + edge
        hi = timing.start + timing.duration - (outgoing.duration if outgoing else 0.0) - edge
        if hi > lo:
            spans.append((lo, hi))
    for overlay in spec.overlays:
        if overlay.animation is None and not overlay.karaoke:
            continue  # still text split in two looks exactly like it did
        end = overlay.end if overlay.end is not None else timeline.duration
        spans = _without(spans, overlay.start - frame, end + frame)
    return spans


def _without(spans: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    kept = []
    for a, b in spans:
        if a < lo:
            kept.append((a, min(b, lo)))
        if b > hi:
            kept.append((max(a, hi), b))
    return [(a, b) for a, b in kept if b > a]


def plan_split(
    spec: EditSpec, timeline: Timeline, pieces: int, *, min_seconds: float = MIN_SECONDS
) -> SplitPlan:
    """Cut ``spec`` into up to ``pieces`` pieces of about equal length."""
    whole = SplitPlan((Piece(0.0, timeline.duration, spec),))
    if pieces < 2:
        return whole
    if timeline.duration < min_seconds:
        return SplitPlan(whole.pieces, f"edits shorter than {min_seconds:g} s render in one piece")
    reason = why_not(spec)
    if reason:
        return SplitPlan(whole.pieces, reason)
    fps = spec.output.fps
    spans = allowed_spans(spec, timeline)
    cuts: list[float] = []
    for k in range(1, pieces):
        ideal = timeline.duration * k / pieces
        best = _nearest(spans, ideal)
        if best is None:
            continue
        cut = round(best * fps) / fps  # on the frame grid, still inside its span (a frame margin)
        previous = cuts[-1] if cuts else 0.0
        if cut - previous >= MIN_PIECE and timeline.duration - cut >= MIN_PIECE:
            cuts.append(cut)
    if not cuts:
        return SplitPlan(whole.pieces, "no cut point inside a clip, away from transitions and animations")
    bounds = [0.0, *cuts, timeline.duration]
    made = tuple(Piece(a, b, piece_spec(spec, timeline, a, b)) for a, b in pairwise(bounds))
    short = None if len(made) == pieces else f"only {len(made)} pieces have cut points far enough apart"
    return SplitPlan(made, short)


def _nearest(spans: list[tuple[float, float]], t: float) -> float | None:
    best = None
    for lo, hi in spans:
        candidate = min(max(t, lo), hi)
        if best is None or abs(candidate - t) < abs(best - t):
            best = candidate
    return best


def piece_spec(spec: EditSpec, timeline: Timeline, start: float, end: float) -> EditSpec:
    """The edit that renders output seconds [start, end) of ``spec`` (cuts inside clips only)."""
    clips = []
    for timing in timeline.clips:
        clip = spec.clips[timing.index]
        clip_end = timing.start + timing.duration
        if clip_end <= start + 1e-9 or timing.start >= end - 1e-9:
            continue
        cut_before, cut_after = timing.start < start, clip_end > end
        update: dict[str, object] = {}
        if cut_before or cut_after:
            lo = max(start, timing.start) - timing.start
            hi = min(end, clip_end) - timing.start
            if timing.still:
                update["duration"] = hi - lo
            else:
                update |= {"in_": timing.source_start + lo * clip.speed, "duration": None}
                update["out"] = timing.source_start + hi * clip.speed
        if cut_after:
            update["transition"] = None
        clips.append(clip.model_copy(update=update))
    overlays = []
    for overlay in spec.overlays:
        o_end = overlay.end if overlay.end is not None else timeline.duration
        if o_end <= start or overlay.start >= end:
            continue
        overlays.append(
            overlay.model_copy(
                update={"start": max(0.0, overlay.start - start), "end": min(o_end, end) - start}
            )
        )
    return spec.model_copy(update={"clips": tuple(clips), "overlays": tuple(overlays)})
