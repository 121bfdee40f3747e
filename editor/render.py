"""Render an edit spec: resolve and probe media, prepare server-side files, plan, run, publish.

The output appears only when complete: ffmpeg writes a hidden temporary file next to the target,
which is renamed over it on success and removed on any failure.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from editor import ffmpeg
from editor.cache import cache_dir
from editor.effects.color import Lut
from editor.errors import MediaError, ReelForgeError, SpecError
from editor.face.effects import validate_face_effects
from editor.names import unknown_name
from editor.plan.beatsync import beats_in_output, sync_to_beats
from editor.plan.build import SourceHook, WorkFiles, plan_render
from editor.plan.text import font_size, wrap
from editor.plan.timeline import build_timeline
from editor.probe import Limits, MediaInfo, credit_tags, probe
from editor.spec import EditSpec

ASSETS = Path(__file__).resolve().parent.parent / "presets"
FONT = ASSETS / "fonts" / "DejaVuSans-Bold.ttf"
LUT_DIR = ASSETS / "luts"

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
    """Probe every distinct source once; errors name the first field that uses it."""
    fields = [(f"clips[{i}].src", c.src) for i, c in enumerate(spec.clips)]
    if spec.audio.sound is not None:
        fields.append(("audio.sound.src", spec.audio.sound.src))
    media: dict[str, MediaInfo] = {}
    for field, src in fields:
        if src in media:
            continue
        try:
            media[src] = probe(resolve(src), limits)
        except ReelForgeError as exc:
            raise type(exc)(f"{field}: {exc.message}") from exc
    sound = spec.audio.sound
    if sound is not None and not media[sound.src].has_audio:
        raise SpecError.at("audio.sound.src", f"{media[sound.src].path.name} has no audio")
    return media


def resolve_luts(spec: EditSpec, resolve: Resolver) -> dict[str, Path]:
    """Bundled LUT names map to presets/luts; ``.cube`` paths resolve like media."""
    luts: dict[str, Path] = {}
    groups = [("effects", spec.effects)] + [
        (f"clips[{i}].effects", c.effects) for i, c in enumerate(spec.clips)
    ]
    for prefix, effects in groups:
        for j, effect in enumerate(effects):
            if not isinstance(effect, Lut):
                continue
            if effect.name.endswith(".cube"):
                path = resolve(effect.name)
                if not path.is_file():
                    raise MediaError(f"{prefix}[{j}].name: LUT file {effect.name!r} not found")
            else:
                path = LUT_DIR / f"{effect.name}.cube"
                if not path.is_file():
                    bundled = [p.stem for p in LUT_DIR.glob("*.cube")]
                    raise SpecError.at(f"{prefix}[{j}].name", unknown_name("LUT", effect.name, bundled))
            luts[effect.name] = path
    return luts


def check_face_effects(spec: EditSpec, asset_root: Path | None) -> None:
    """Asset names, anchors and user sticker files are checked before any work starts."""
    if spec.face_effects:
        validate_face_effects(spec.face_effects, field="face_effects", asset_root=asset_root)
    for i, clip in enumerate(spec.clips):
        if clip.face_effects:
            validate_face_effects(clip.face_effects, field=f"clips[{i}].face_effects", asset_root=asset_root)


def prepare_face_hooks(
    spec: EditSpec,
    media: Mapping[str, MediaInfo],
    work_dir: Path,
    asset_root: Path | None,
    cache: Path | None,
) -> tuple[dict[int, SourceHook], list[str]]:
    """Analyse faces (cached) in every clip that has face effects; hooks add them to the graph."""
    hooks: dict[int, SourceHook] = {}
    warnings: list[str] = []
    if not spec.face_effects and not any(c.face_effects for c in spec.clips):
        return hooks, warnings
    from editor.face import default_cache_dir, face_filters, prepare_faces

    for timing in build_timeline(spec, media).clips:
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
            cache_dir=cache or default_cache_dir(),
            tag=f"c{timing.index}_",
            asset_root=asset_root,
            label=f"clips[{timing.index}]",
        )
        warnings.extend(prepared.warnings)
        hooks[timing.index] = partial(face_filters, prepared, width=info.width, height=info.height)
    return hooks, warnings


def sound_beats(spec: EditSpec, media: Mapping[str, MediaInfo]) -> list[float]:
    """Beats of the spec's sound in the video's time; the analysis is cached by content."""
    from audio.analysis import AnalysisCache
    from editor.audio_decode import decode_audio

    sound = spec.audio.sound
    assert sound is not None  # the spec validator requires one for sync
    info = media[sound.src]
    samples, sr = decode_audio(info.path, sr=22050, mono=True)
    analysis = AnalysisCache(cache_dir("sounds")).get_or_analyze(samples, sr)
    longest = sum(c.duration if c.duration else info.duration for c in spec.clips) * 4 + 60
    return beats_in_output(analysis.beats, sound, info.duration, until=longest)


def sound_credits(spec: EditSpec, media: Mapping[str, MediaInfo]) -> dict[str, str]:
    """Credits a sound file already carries (one ReelForge wrote) travel into the video."""
    if spec.audio.sound is None:
        return {}
    return credit_tags(media[spec.audio.sound.src].path)


def write_texts(spec: EditSpec, work_dir: Path, width: int, height: int) -> tuple[Path, ...]:
    paths = []
    for i, overlay in enumerate(spec.overlays):
        path = work_dir / f"text{i}.txt"
        path.write_text(wrap(overlay.text, width, font_size(overlay, height)), encoding="utf-8")
        paths.append(path)
    return tuple(paths)


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
    metadata: Mapping[str, str] | None = None,
    asset_root: Path | None = None,
    face_cache: Path | None = None,
    threads: int | None = None,
) -> RenderResult:
    """Render ``spec`` to ``output`` (MP4). Raises ``ReelForgeError``; never leaves a partial file.

    ``asset_root`` is where user sticker PNGs named in face effects may live (none when unset);
    ``face_cache`` keeps face analyses between renders (default under ``$REELFORGE_HOME``).
    """
    started = time.monotonic()
    check_face_effects(spec, asset_root)
    media = probe_sources(spec, resolve, limits)
    luts = resolve_luts(spec, resolve)
    if spec.sync == "beats":
        spec = sync_to_beats(spec, media, sound_beats(spec, media))
    metadata = {**sound_credits(spec, media), **(metadata or {})}
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.stem}.{uuid.uuid4().hex[:8]}.partial.mp4")
    with tempfile.TemporaryDirectory(prefix="reelforge-") as tmp:
        work_dir = Path(tmp)
        out = spec.output.draft() if draft else spec.output
        work = WorkFiles(write_texts(spec, work_dir, out.width, out.height), FONT, luts)
        hooks, warnings = prepare_face_hooks(spec, media, work_dir, asset_root, face_cache)
        plan = plan_render(
            spec,
            media,
            staging,
            work,
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
        credits=tuple(json.loads(metadata.get("reelforge_credits", "[]"))),
    )
