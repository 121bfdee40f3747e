"""Pure planning: an edit spec plus probed media facts become one ffmpeg command. No IO here.

``plan_render`` returns a ``RenderPlan`` (inputs, the filter graph, the whole argv) that tests
compare as data and ``editor.render`` runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from editor.effects import EffectContext
from editor.ffmpeg import AAC_OUTPUT, input_args
from editor.plan import layers
from editor.plan.audio import (
    clip_audio,
    final_mix,
    sound_input,
    sound_track,
    under_voiceover,
    voiceover_track,
)
from editor.plan.graph import Graph, Input, num
from editor.plan.layout import rect, sequence_box
from editor.plan.text import TextLayer, add_text_layer
from editor.plan.timeline import LayerTiming, Timeline, build_timeline
from editor.plan.video import clip_video
from editor.probe import Limits, MediaInfo
from editor.spec import Box, EditSpec, Output
from editor.transitions import Join, join_audio, join_video

# A hook that adds filters to a clip's source frames (used by AR face effects): (graph, label) -> label.
SourceHook = Callable[[Graph, str], str]


@dataclass(frozen=True)
class WorkFiles:
    """Server-written files the plan refers to: drawn text layers, resolved LUTs."""

    texts: tuple[TextLayer, ...] = ()
    luts: Mapping[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderPlan:
    inputs: tuple[Input, ...]
    graph: str
    args: tuple[str, ...]
    output: Output
    timeline: Timeline

    @property
    def duration(self) -> float:
        return self.timeline.duration


def plan_render(
    spec: EditSpec,
    media: Mapping[str, MediaInfo],
    target: Path,
    work: WorkFiles = WorkFiles(),
    *,
    timeline: Timeline | None = None,
    draft: bool = False,
    limits: Limits = Limits(),
    metadata: Mapping[str, str] | None = None,
    source_hooks: Mapping[int, SourceHook] | None = None,
    threads: int | None = None,
) -> RenderPlan:
    """``timeline`` is the spec's (``build_timeline``; the render builds it once and shares it);
    ``threads`` caps ffmpeg's threads (filters, encoder): for several renders side by side."""
    out = spec.output.draft() if draft else spec.output
    timeline = timeline or build_timeline(spec, media)
    g = Graph()
    videos, audios = [], []
    box = sequence_box(spec)
    frame = out  # what each clip is fitted to: the whole output, or the sequence's box in a layout
    if box is not None:
        at = rect(box, out)
        frame = out.model_copy(update={"width": at.w, "height": at.h})
    for timing, clip in zip(timeline.clips, spec.clips, strict=True):
        info = media[clip.src]
        before = ["-max_pixels", str(limits.max_pixels)]
        if timing.still:
            before += ["-pattern_type", "none"] if info.demuxer == "image2" else []
        else:
            before += ["-ss", num(timing.source_start, 6), "-t", num(timing.source_duration, 6)]
        demuxer = info.demuxer.split(",")[0]
        # Video and sound get separate demuxers so neither waits on (and buffers) the other.
        k = g.add_input(Input(info.path, (*before, "-an", "-sn", "-dn"), demuxer))
        hooked = None
        if not timing.still:
            hooked = g.chain([f"{k}:v"], ["setpts=PTS-STARTPTS"], "src")
            hook = (source_hooks or {}).get(timing.index)
            hooked = hook(g, hooked) if hook else hooked
        videos.append(
            clip_video(
                g,
                f"{k}:v",
                clip,
                still=timing.still,
                duration=timing.duration,
                out=frame,
                luts=work.luts,
                face=hooked,
            )
        )
        sound_in = None
        if info.has_audio and spec.audio.original_volume * clip.volume > 0 and not timing.still:
            sound_in = f"{g.add_input(Input(info.path, (*before, '-vn', '-sn', '-dn'), demuxer))}:a"
        audios.append(
            clip_audio(
                g,
                sound_in,
                speed=clip.speed,
                duration=timing.duration,
                volume=spec.audio.original_volume * clip.volume,
                voice=clip.voice,
            )
        )
    video, voice = _join(g, spec, timeline, videos, audios, frame)
    video, layer_sounds = _compose(g, timeline, video, box, media, out, limits, work)
    if layer_sounds:
        n = len(layer_sounds) + 1
        voice = g.chain([voice, *layer_sounds], [f"amix=inputs={n}:duration=first:normalize=0"], "lmix")
    ctx = EffectContext(
        width=out.width, height=out.height, fps=out.fps, duration=timeline.duration, luts=work.luts
    )
    for effect in spec.effects:
        video = effect.apply(g, video, ctx)
    for layer in work.texts:
        video = add_text_layer(g, video, layer, out.fps)
    sound = None
    if spec.audio.sound is not None:
        info = media[spec.audio.sound.src]
        remix = sound_input(spec.audio.sound, timeline.duration, info.duration)
        options = (*remix.input_options, "-vn", "-sn", "-dn")
        k = g.add_input(Input(info.path, options, info.demuxer.split(",")[0]))
        sound = sound_track(g, f"{k}:a", remix)
    narration = spec.audio.voiceover
    if narration is not None:
        info = media[narration.src]
        k = g.add_input(Input(info.path, ("-vn", "-sn", "-dn"), info.demuxer.split(",")[0]))
        spoken = voiceover_track(g, f"{k}:a", narration, timeline.duration)
        sound = under_voiceover(g, sound, spoken, narration.duck_db, timeline.duration)
    # Loudness normalisation of pure silence divides by zero: leave a silent track as it is.
    audible = sound is not None or bool(layer_sounds) or any(not a.startswith("silence") for a in audios)
    mix = final_mix(
        g,
        voice,
        sound,
        duration=timeline.duration,
        ducking=spec.audio.ducking,
        loudness=spec.audio.loudness if audible else None,
    )
    graph = g.render()
    capped = ("-threads", str(threads)) if threads else ()
    args = ["-filter_complex_threads", str(threads)] if threads else []
    args += [
        arg
        for inp in g.inputs
        for arg in input_args(inp.path, demuxer=inp.demuxer, before=(*DECODER_THREADS, *inp.options))
    ]
    args += ["-filter_complex", graph, "-map", f"[{video}]", "-map", f"[{mix}]"]
    args += [*capped, *_encode_args(out, timeline.duration, metadata or {}, limits)]
    args.append(f"file:{target.resolve()}")
    return RenderPlan(tuple(g.inputs), graph, tuple(args), out, timeline)


def _compose(
    g: Graph,
    timeline: Timeline,
    sequence: str,
    box: Box | None,
    media: Mapping[str, MediaInfo],
    out: Output,
    limits: Limits,
    work: WorkFiles,
) -> tuple[str, list[str]]:
    """The clip sequence with every layer drawn in z order (on a black canvas when the sequence
    does not fill the frame or a layer goes under it); returns the picture and the layers' sounds."""
    if not timeline.layers and box is None:
        return sequence, []
    below = [t for t in timeline.layers if t.layer.z < 0]
    video = sequence
    if box is not None or below:
        video = layers.canvas(g, out, timeline.duration)
        video = _draw(g, video, below, media, out, limits, work)
        video = layers.place(g, video, sequence, box or Box(), out)
    above = [t for t in timeline.layers if t.layer.z >= 0]
    video = _draw(g, video, above, media, out, limits, work)
    sounds = []
    for timing in timeline.layers:
        info = media[timing.layer.src]
        if info.has_audio and timing.layer.volume > 0 and not timing.still:
            k = g.add_input(_layer_input(timing, info, limits, "-vn"))
            sounds.append(layers.layer_audio(g, f"{k}:a", timing, timeline.duration))
    return video, sounds


def _draw(
    g: Graph,
    base: str,
    timings: list[LayerTiming],
    media: Mapping[str, MediaInfo],
    out: Output,
    limits: Limits,
    work: WorkFiles,
) -> str:
    for timing in timings:
        k = g.add_input(_layer_input(timing, media[timing.layer.src], limits, "-an"))
        for item in layers.layer_video(g, f"{k}:v", timing, out, work.luts):
            base = layers.overlay(g, base, item)
    return base


def _layer_input(timing: LayerTiming, info: MediaInfo, limits: Limits, drop: str) -> Input:
    """A layer's source read once for its picture (``-an``) or its sound (``-vn``), like a clip's."""
    before = ["-max_pixels", str(limits.max_pixels)]
    if timing.still:
        before += ["-pattern_type", "none"] if info.demuxer == "image2" else []
    else:
        before += ["-ss", num(timing.source_start, 6), "-t", num(timing.source_duration, 6)]
    return Input(info.path, (*before, drop, "-sn", "-dn"), info.demuxer.split(",")[0])


def _join(
    g: Graph, spec: EditSpec, timeline: Timeline, videos: list[str], audios: list[str], out: Output
) -> tuple[str, str]:
    video, audio = videos[0], audios[0]
    length = timeline.clips[0].duration
    for i in range(1, len(videos)):
        transition = spec.clips[i - 1].transition
        if transition is None:
            # concat hands out a microsecond time base; a later xfade needs the clips' 1/fps one.
            video = g.chain([video, videos[i]], ["concat=n=2:v=1:a=0", f"settb=1/{num(out.fps)}"], "cat")
            audio = g.chain([audio, audios[i]], ["concat=n=2:v=0:a=1"], "acat")
            length += timeline.clips[i].duration
            continue
        d = transition.duration
        join = Join(offset=length - d, duration=d, width=out.width, height=out.height)
        video = join_video(g, video, videos[i], transition.type, join)
        audio = join_audio(g, audio, audios[i], d)
        length += timeline.clips[i].duration - d
    return video, audio


# Memory levers, each measured on the 1080x1920 reference edit (benchmarks/reference_edit.py
# --levers): every frame thread of a decoder holds frames of its own, and x264 keeps a frame per
# lookahead slot, at 3 MB a frame. The encoder, not decoding, sets the speed. (Fewer x264 frame
# threads saved ~3 MB and, on a busy machine, cost the encoder its share of the CPU.)
DECODER_THREADS = ("-threads", "1")
X264_LOOKAHEAD = 5  # veryfast's default is 10


def _encode_args(out: Output, duration: float, metadata: Mapping[str, str], limits: Limits) -> list[str]:
    args = [
        "-c:v",
        "libx264",
        "-preset",
        out.preset,
        "-crf",
        str(out.crf),
        "-rc-lookahead",
        str(X264_LOOKAHEAD),
        "-pix_fmt",
        "yuv420p",
        *AAC_OUTPUT,
        "-ac",
        "2",
        "-movflags",
        "+faststart+use_metadata_tags",
        "-t",
        num(duration, 6),
        "-fs",
        str(limits.max_bytes),
        "-f",
        "mp4",
    ]
    for key, value in sorted(metadata.items()):
        args += ["-metadata", f"{key}={value}"]
    return args
