"""Render an edit spec: resolve and probe media, prepare server-side files, plan, run, publish.

The output appears only when complete: ffmpeg writes a hidden temporary file next to the target,
which is renamed over it on success and removed on any failure.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from audio.analysis import SoundAnalysis
from audio.attribution import Credit, credit_record, credits_metadata, records_in_metadata
from editor import ffmpeg
from editor.audio_decode import sound_analysis
from editor.effects.color import Lut
from editor.errors import MediaError, SpecError
from editor.face.effects import validate_face_effect
from editor.home import cache_dir
from editor.plan.beatsync import beats_in_output, sync_to_beats
from editor.plan.build import SourceHook, WorkFiles, plan_render
from editor.plan.timeline import Timeline, build_timeline
from editor.probe import Limits, MediaInfo, credit_tags, probe
from editor.spec import EditSpec
from editor.text.captions import Cue, read_captions
from editor.text.fonts import shaping_available
from editor.text.layers import prepare_text
from editor.walk import nodes, sources

ASSETS = Path(__file__).resolve().parent.parent / "presets"
MEDIA_KINDS = ("media", "sound")  # sources that are probed and read by ffmpeg

Resolver = Callable[[str], Path]


@dataclass(frozen=True)
class RenderResult:
    output: Path
    duration: float
    width: int
    height: int
    fps: float
    render_seconds: float
    warnings: tuple[str, ...] = ()
    cuts: tuple[float, ...] = ()
    credits: tuple[dict[str, str], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "output": str(self.output),
            "duration": round(self.duration, 3),
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "render_seconds": round(self.render_seconds, 3),
            "warnings": list(self.warnings),
            "credits": list(self.credits),
            "cuts": [round(c, 3) for c in self.cuts],
        }


def local_resolver(base: Path) -> Resolver:
    """Resolve spec paths relative to ``base`` (the spec's folder). Only local files: no URLs."""

    def resolve(src: str) -> Path:
        if "://" in src or (":" in src.split("/")[0] and not Path(src).is_absolute()):
            raise MediaError(f"{src!r}: only local file paths can be rendered here (no URLs or ids)")
        return (base / src).resolve()

    return resolve


def probe_sources(spec: EditSpec, resolve: Resolver, limits: Limits) -> dict[str, MediaInfo]:
    """Probe every distinct media source once; errors name the first field that uses it."""
    media: dict[str, MediaInfo] = {}
    for found in sources(spec):
        if found.kind not in MEDIA_KINDS or found.value in media:
            continue
        try:
            media[found.value] = probe(resolve(found.value), limits)
        except MediaError as exc:
            raise type(exc)(f"{found.field}: {exc.message}") from exc
    sound = spec.audio.sound
    if sound is not None and not media[sound.src].has_audio:
        raise SpecError.at("audio.sound.src", f"{media[sound.src].path.name} has no audio")
    return media


def check_assets(spec: EditSpec, resolve: Resolver, asset_root: Path | None) -> dict[str, Path]:
    """What the models cannot check, before any work starts: face effects' assets and anchors, and
    every LUT's file (returned by name for the plan)."""
    luts: dict[str, Path] = {}
    for field, node in nodes(spec):
        if isinstance(node, Lut):
            luts[node.name] = node.locate(f"{field}.name", resolve)
        else:
            validate_face_effect(node, field=field, asset_root=asset_root)
    return luts


def prepare_face_hooks(
    spec: EditSpec,
    media: Mapping[str, MediaInfo],
    timeline: Timeline,
    work_dir: Path,
    asset_root: Path | None,
    home: Path | None,
) -> tuple[dict[int, SourceHook], list[str]]:
    """Analyse faces (cached under ``home``) in every clip with face effects; hooks add them to the graph."""
    hooks: dict[int, SourceHook] = {}
    warnings: list[str] = []
    if not spec.face_effects and not any(c.face_effects for c in spec.clips):
        return hooks, warnings
    from editor.face import face_filters, prepare_faces

    for timing in timeline.clips:
        clip = spec.clips[timing.index]
        effects = (*spec.face_effects, *clip.face_effects)
        if not effects:
            continue
        if timing.still:
            warnings.append(f"clips[{timing.index}]: face effects apply to video clips, not stills; skipped")
            continue
        info = media[clip.src]
        prepared = prepare_faces(
            info.path,
            info,
            effects,
            start=timing.source_start,
            end=timing.source_start + timing.source_duration,
            work_dir=work_dir,
            cache_dir=cache_dir("faces", home),
            tag=f"c{timing.index}_",
            asset_root=asset_root,
            label=f"clips[{timing.index}]",
        )
        warnings.extend(prepared.warnings)
        hooks[timing.index] = partial(face_filters, prepared, width=info.width, height=info.height)
    return hooks, warnings


def synced(
    spec: EditSpec,
    media: Mapping[str, MediaInfo],
    analyses: Mapping[str, SoundAnalysis],
    home: Path | None = None,
) -> EditSpec:
    """``spec`` with its sound's ``start: "auto"`` set to the song's hook and every cut moved
    onto a beat (``sync: beats``) or a bar start (``sync: bars``) of the sound; else as it is.

    The sound's analysis is the caller's (the API keeps it with the sound), else
    ``sound_analysis``'s, cached by content.
    """
    sound = spec.audio.sound
    if sound is None or (spec.sync is None and sound.start != "auto"):
        return spec
    info = media[sound.src]
    analysis = analyses.get(sound.src) or sound_analysis(info.path, home=home)
    if sound.start == "auto":
        sound = sound.model_copy(update={"start": hook_start(analysis, build_timeline(spec, media).duration)})
        spec = spec.model_copy(update={"audio": spec.audio.model_copy(update={"sound": sound})})
    if spec.sync is None:
        return spec
    marks = analysis.downbeats if spec.sync == "bars" else analysis.beats
    longest = sum(c.duration if c.duration else info.duration for c in spec.clips) * 4 + 60
    beats = beats_in_output(marks, sound, info.duration, until=longest)
    return sync_to_beats(spec, media, build_timeline(spec, media), beats)


def hook_start(analysis: SoundAnalysis, video_seconds: float) -> float:
    """Where the song's best window long enough for the video starts (0 when there is none)."""
    best = analysis.highlight(video_seconds)
    return best.start if best is not None else 0.0


def render_credits(
    spec: EditSpec, media: Mapping[str, MediaInfo], credits: Sequence[Credit]
) -> tuple[dict[str, str], tuple[dict[str, str], ...]]:
    """The MP4 tags and the result's records of the credits: the caller's (derived from the
    lineage), else those a sound file ReelForge exported carries."""
    if credits:
        return credits_metadata(credits), tuple(credit_record(c) for c in credits)
    if spec.audio.sound is None:
        return {}, ()
    carried = credit_tags(media[spec.audio.sound.src].path)
    return carried, records_in_metadata(carried)


def load_captions(spec: EditSpec, resolve: Resolver) -> tuple[Cue, ...]:
    if spec.captions is None:
        return ()
    return read_captions(resolve(spec.captions.src), field="captions.src")


def text_warnings(spec: EditSpec) -> list[str]:
    if (spec.overlays or spec.captions) and not shaping_available():
        return [
            "text: Pillow has no libraqm here, so complex scripts (Arabic, Indic, Thai) are not "
            "shaped; install FriBiDi (Debian: libfribidi0)"
        ]
    return []


def render(
    spec: EditSpec,
    output: Path,
    *,
    resolve: Resolver,
    draft: bool = False,
    limits: Limits = Limits(),
    on_progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
    timeout: float = 3600.0,
    credits: Sequence[Credit] = (),
    analyses: Mapping[str, SoundAnalysis] | None = None,
    asset_root: Path | None = None,
    home: Path | None = None,
    threads: int | None = None,
) -> RenderResult:
    """Render ``spec`` to ``output`` (MP4). Raises ``ReelForgeError``; never leaves a partial file.

    ``credits`` go into the MP4's tags and the result; ``analyses`` are sound analyses the caller
    already holds, by ``src``; ``asset_root`` is where user sticker PNGs named in face effects may
    live (none when unset); ``home`` is the data home whose analysis caches it uses (default:
    ``editor.home.data_home()``).
    """
    started = time.monotonic()
    luts = check_assets(spec, resolve, asset_root)
    media = probe_sources(spec, resolve, limits)
    spec = synced(spec, media, analyses or {}, home)
    timeline = build_timeline(spec, media)  # the one timeline of this render
    metadata, records = render_credits(spec, media, credits)
    cues = load_captions(spec, resolve)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.stem}.{uuid.uuid4().hex[:8]}.partial.mp4")
    with tempfile.TemporaryDirectory(prefix="reelforge-") as tmp:
        work_dir = Path(tmp)
        out = spec.output.draft() if draft else spec.output
        texts = prepare_text(spec, cues, work_dir, (out.width, out.height), timeline.duration)
        work = WorkFiles(texts, luts)
        hooks, warnings = prepare_face_hooks(spec, media, timeline, work_dir, asset_root, home)
        warnings = [*text_warnings(spec), *warnings]
        plan = plan_render(
            spec,
            media,
            staging,
            work,
            timeline=timeline,
            draft=draft,
            limits=limits,
            metadata=metadata,
            source_hooks=hooks,
            threads=threads,
        )
        try:
            ffmpeg.run(
                plan.args, duration=plan.duration, on_progress=on_progress, timeout=timeout, cancel=cancel
            )
            os.replace(staging, output)
        finally:
            staging.unlink(missing_ok=True)
    return RenderResult(
        output=output,
        duration=plan.duration,
        width=plan.output.width,
        height=plan.output.height,
        fps=plan.output.fps,
        render_seconds=time.monotonic() - started,
        warnings=tuple(warnings),
        cuts=plan.timeline.cuts,
        credits=records,
    )
