"""Pure planning: an edit spec plus probed media facts become one ffmpeg command. No IO here.

``plan_render`` returns a ``RenderPlan`` (inputs, the filter graph, the whole argv) that tests
compare as data and ``editor.render`` runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from editor.effects import EffectContext
from editor.ffmpeg import AAC_OUTPUT, input_args
from editor.plan import colour, layers
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
from editor.plan.preview import HlsPlan, tee_output
from editor.plan.text import TextLayer, add_text_layer
from editor.plan.timeline import LayerTiming, Timeline, build_timeline
from editor.plan.video import clip_effects, clip_video
from editor.probe import Limits, MediaInfo
from editor.spec import Box, EditSpec, Output
from editor.transitions import Join, join_audio, join_video

Streams = Literal["av", "video", "audio"]

# A hook that adds filters to a clip's source frames (used by AR face effects): (graph, label) -> label.
SourceHook = Callable[[Graph, str], str]


@dataclass(frozen=True)
class WorkFiles:
    """Server-written files the plan refers to: drawn text layers, resolved LUTs, and what
    measured effects measured (``editor.measure.prepare_measured``: clip -> effect index -> it)."""

    texts: tuple[TextLayer, ...] = ()
    luts: Mapping[str, Path] = field(default_factory=dict)
    measured: Mapping[int, Mapping[int, object]] = field(default_factory=dict)


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
    hls: HlsPlan | None = None,
    streams: Streams = "av",
    lead_in: float = 0.0,
) -> RenderPlan:
    """``timeline`` is the spec's (``build_timeline``; the render builds it once and shares it);
    ``threads`` caps ffmpeg's threads (filters, encoder): for several renders side by side;
    ``hls`` also writes the progressive preview from the same encode (see ``editor.plan.preview``);
    ``streams`` "video" or "audio" plans only that half (a split render's pieces and its sound):
    the other half's inputs and filters are left out, not computed and dropped. ``lead_in`` is for
    a piece that starts inside its first clip: that clip's video also reads up to this many source
    seconds before its in point, so the piece's first frames are the source frames the whole
    render shows there (a seek alone drops the frame that straddles the cut)."""
    with_video, with_audio = streams != "audio", streams != "video"
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
        lead = 0.0
        if timing.still:
            before += ["-pattern_type", "none"] if info.demuxer == "image2" else []
        else:
            lead = min(lead_in, timing.source_start) if timing is timeline.clips[0] else 0.0
        demuxer = info.demuxer.split(",")[0]
        if with_video:
            # Video and sound get separate demuxers so neither waits on (and buffers) the other.
            start, seconds = timing.source_start - lead, timing.source_duration + lead
            trim = [] if timing.still else trim_options(start, seconds)
            k = g.add_input(Input(info.path, (*before, *trim, "-an", "-sn", "-dn"), demuxer))
            source = _in_contract(g, f"{k}:{info.video_stream}", info, frame, timing.still)
            hooked = None
            if not timing.still:  # timestamps stay as the file has them, from the trim point (trim_options)
                hook = (source_hooks or {}).get(timing.index)
                hooked = hook(g, source) if hook else source
            videos.append(
                clip_video(
                    g,
                    source,
                    clip,
                    still=timing.still,
                    duration=timing.duration,
                    out=frame,
                    luts=work.luts,
                    face=hooked,
                    effects=clip_effects(spec, timing.index),
                    measured=work.measured.get(timing.index),
                    lead_in=lead,
                )
            )
        if not with_audio:
            continue
        sound_in = None
        if info.has_audio and spec.audio.original_volume * clip.volume > 0 and not timing.still:
            trim = trim_options(timing.source_start, timing.source_duration)
            k = g.add_input(Input(info.path, (*before, *trim, "-vn", "-sn", "-dn"), demuxer))
            sound_in = f"{k}:{info.audio_stream}"
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
    maps = []
    if with_video:
        video = _join_video(g, spec, timeline, videos, frame)
        video = _compose(g, timeline, video, box, media, out, limits, work)
        ctx = EffectContext(
            width=out.width, height=out.height, fps=out.fps, duration=timeline.duration, luts=work.luts
        )
        for effect in spec.effects:
            if not effect.measured:  # measured ones went on every clip (clip_effects)
                video = effect.apply(g, video, ctx)
        for layer in work.texts:
            video = add_text_layer(g, video, layer, out.fps)
        video = g.chain([video], [colour.TAGS], "out")  # canvases and overlays may have dropped them
        maps += ["-map", f"[{video}]"]
    if with_audio:
        mix = _sound(g, spec, timeline, audios, media, limits)
        maps += ["-map", f"[{mix}]"]
    graph = g.render()
    capped = ("-threads", str(threads)) if threads else ()
    args = ["-filter_complex_threads", str(threads)] if threads else []
    args += [
        arg
        for inp in g.inputs
        for arg in input_args(inp.path, demuxer=inp.demuxer, before=(*DECODER_THREADS, *inp.options))
    ]
    args += ["-filter_complex", graph, *maps, *capped]
    args += _encode_args(out, timeline.duration, metadata or {}, limits, target, hls, streams)
    return RenderPlan(tuple(g.inputs), graph, tuple(args), out, timeline)


def _sound(
    g: Graph,
    spec: EditSpec,
    timeline: Timeline,
    audios: list[str],
    media: Mapping[str, MediaInfo],
    limits: Limits,
) -> str:
    """The clips' sound joined, the layers' sounds, the borrowed sound and narration: the final mix."""
    voice = _join_audio(g, spec, timeline, audios)
    layer_sounds = _layer_sounds(g, timeline, media, limits)
    if layer_sounds:
        n = len(layer_sounds) + 1
        voice = g.chain([voice, *layer_sounds], [f"amix=inputs={n}:duration=first:normalize=0"], "lmix")
    sound = None
    if spec.audio.sound is not None:
        info = media[spec.audio.sound.src]
        remix = sound_input(spec.audio.sound, timeline.duration, info.duration)
        options = (*remix.input_options, "-vn", "-sn", "-dn")
        k = g.add_input(Input(info.path, options, info.demuxer.split(",")[0]))
        sound = sound_track(g, f"{k}:{info.audio_stream}", remix)
    narration = spec.audio.voiceover
    if narration is not None:
        info = media[narration.src]
        k = g.add_input(Input(info.path, ("-vn", "-sn", "-dn"), info.demuxer.split(",")[0]))
        spoken = voiceover_track(g, f"{k}:{info.audio_stream}", narration, timeline.duration)
        sound = under_voiceover(g, sound, spoken, narration.duck_db, timeline.duration)
    # Loudness normalisation of pure silence divides by zero: leave a silent track as it is.
    audible = sound is not None or bool(layer_sounds) or any(not a.startswith("silence") for a in audios)
    return final_mix(
        g,
        voice,
        sound,
        duration=timeline.duration,
        ducking=spec.audio.ducking,
        loudness=spec.audio.loudness if audible else None,
    )


def _compose(
    g: Graph,
    timeline: Timeline,
    sequence: str,
    box: Box | None,
    media: Mapping[str, MediaInfo],
    out: Output,
    limits: Limits,
    work: WorkFiles,
) -> str:
    """The clip sequence with every layer drawn in z order (on a black canvas when the sequence
    does not fill the frame or a layer goes under it)."""
    if not timeline.layers and box is None:
        return sequence
    below = [t for t in timeline.layers if t.layer.z < 0]
    video = sequence
    if box is not None or below:
        video = layers.canvas(g, out, timeline.duration)
        video = _draw(g, video, below, media, out, limits, work)
        video = layers.place(g, video, sequence, box or Box(), out)
    above = [t for t in timeline.layers if t.layer.z >= 0]
    return _draw(g, video, above, media, out, limits, work)


def _layer_sounds(g: Graph, timeline: Timeline, media: Mapping[str, MediaInfo], limits: Limits) -> list[str]:
    sounds = []
    for timing in timeline.layers:
        info = media[timing.layer.src]
        if info.has_audio and timing.layer.volume > 0 and not timing.still:
            k = g.add_input(_layer_input(timing, info, limits, "-vn"))
            sounds.append(layers.layer_audio(g, f"{k}:{info.audio_stream}", timing, timeline.duration))
    return sounds


def trim_options(start: float, duration: float) -> list[str]:
    """Input options that read ``duration`` seconds from ``start``. ffmpeg then times every frame
    and sample from the trim point, keeping the file's own offsets: a frame after a gap (VFR) or
    a sound track that starts after the picture stays where it belongs, and the graph pads the
    start (``fps=...:start_time=0``, ``aresample=first_pts=0``) instead of pulling it forward
    (``PTS-STARTPTS`` put pictures up to a gap early). No seek at all from 0: seeking there can
    drop a stream's first AAC frame."""
    seek = ["-ss", num(start, 6)] if start > 0 else []
    return [*seek, "-t", num(duration, 6)]


def _in_contract(g: Graph, stream: str, info: MediaInfo, frame: Output, still: bool) -> str:
    """The input's frames in the output's colours (``editor.plan.colour``), before anything else."""
    filters = colour.input_filters(
        info.colour, width=info.width, height=info.height, frame=(frame.width, frame.height), still=still
    )
    return g.chain([stream], filters, "col")


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
        if timing.layer.opacity == 0:  # invisible: only its sound plays (the green screen's)
            continue
        info = media[timing.layer.src]
        k = g.add_input(_layer_input(timing, info, limits, "-an"))
        source = _in_contract(g, f"{k}:{info.video_stream}", info, out, timing.still)
        for item in layers.layer_video(g, source, timing, out, work.luts):
            base = layers.overlay(g, base, item)
    return base


def _layer_input(timing: LayerTiming, info: MediaInfo, limits: Limits, drop: str) -> Input:
    """A layer's source read once for its picture (``-an``) or its sound (``-vn``), like a clip's."""
    before = ["-max_pixels", str(limits.max_pixels)]
    if timing.still:
        before += ["-pattern_type", "none"] if info.demuxer == "image2" else []
    else:
        before += trim_options(timing.source_start, timing.source_duration)
    return Input(info.path, (*before, drop, "-sn", "-dn"), info.demuxer.split(",")[0])


def _join_video(g: Graph, spec: EditSpec, timeline: Timeline, videos: list[str], out: Output) -> str:
    video = videos[0]
    length = timeline.clips[0].duration
    for i in range(1, len(videos)):
        transition = spec.clips[i - 1].transition
        if transition is None:
            # concat hands out a microsecond time base; a later xfade needs the clips' 1/fps one.
            video = g.chain([video, videos[i]], ["concat=n=2:v=1:a=0", f"settb=1/{num(out.fps)}"], "cat")
            length += timeline.clips[i].duration
            continue
        d = transition.duration
        join = Join(offset=length - d, duration=d, width=out.width, height=out.height)
        video = join_video(g, video, videos[i], transition.type, join)
        length += timeline.clips[i].duration - d
    return video


def _join_audio(g: Graph, spec: EditSpec, timeline: Timeline, audios: list[str]) -> str:
    audio = audios[0]
    for i in range(1, len(audios)):
        transition = spec.clips[i - 1].transition
        if transition is None:
            audio = g.chain([audio, audios[i]], ["concat=n=2:v=0:a=1"], "acat")
        else:
            audio = join_audio(g, audio, audios[i], transition.duration)
    return audio


# Memory levers, each measured on the 1080x1920 reference edit (benchmarks/reference_edit.py
# --levers): every frame thread of a decoder holds frames of its own, and x264 keeps a frame per
# lookahead slot, at 3 MB a frame. The encoder, not decoding, sets the speed. (Fewer x264 frame
# threads saved ~3 MB and, on a busy machine, cost the encoder its share of the CPU.)
DECODER_THREADS = ("-threads", "1")
X264_LOOKAHEAD = 5  # veryfast's default is 10


def _encode_args(
    out: Output,
    duration: float,
    metadata: Mapping[str, str],
    limits: Limits,
    target: Path,
    hls: HlsPlan | None = None,
    streams: Streams = "av",
) -> list[str]:
    mp4_flags = "+faststart+use_metadata_tags"
    x264 = ["-c:v", "libx264", "-preset", out.preset, "-crf", str(out.crf)]
    x264 += ["-rc-lookahead", str(X264_LOOKAHEAD), "-pix_fmt", "yuv420p"]
    x264 += colour.ENCODER_TAGS
    aac = [*AAC_OUTPUT, "-ac", "2"]
    if streams != "av":  # a piece of a split render, or its sound: joined later, tagged then
        args = [*x264, "-an"] if streams == "video" else ["-vn", *aac]
        return [*args, "-t", num(duration, 6), "-fs", str(limits.max_bytes), "-f", "mp4", f"file:{target}"]
    args = [*x264, *aac]
    if hls is not None:
        args += ["-force_key_frames", hls.keyframes()]
    else:
        args += ["-movflags", mp4_flags]
    args += ["-t", num(duration, 6)]
    # The tee muxer ignores -fs (it has no file of its own): the render watches the size instead.
    args += ["-fs", str(limits.max_bytes), "-f", "mp4"] if hls is None else []
    for key, value in sorted(metadata.items()):
        args += ["-metadata", f"{key}={value}"]
    if hls is None:
        return [*args, f"file:{target.resolve()}"]
    return [*args, *tee_output(target, mp4_flags, hls)]
