"""IO side of measured clip effects: run (or reuse) each clip's measurements, write the files the
graph reads, and hand the planner one measurement per effect.

``prepare_measured`` runs once per render before planning; its result goes to ``plan_render`` in
``WorkFiles.measured`` as ``{clip index: {effect index: measurement}}`` (effect indices count
the clip's effects as ``editor.plan.video.clip_effects`` lists them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from editor.effects.base import Effect
from editor.effects.enhance import AutoEnhance, ColourFix
from editor.effects.stabilize import CropWindow, Stabilize
from editor.home import cache_dir
from editor.measure.camera import crop_commands, plan_crop
from editor.measure.colour import measure_colour
from editor.measure.motion import Motion, measure_motion
from editor.plan.timeline import ClipTiming, Timeline
from editor.plan.video import clip_effects
from editor.probe import MediaInfo
from editor.spec import EditSpec


@dataclass(frozen=True)
class Measured:
    by_clip: Mapping[int, Mapping[int, object]]
    warnings: tuple[str, ...] = ()


def prepare_measured(
    spec: EditSpec,
    media: Mapping[str, MediaInfo],
    timeline: Timeline,
    work_dir: Path,
    home: Path | None = None,
) -> Measured:
    by_clip: dict[int, dict[int, object]] = {}
    warnings: list[str] = []
    for timing in timeline.clips:
        effects = clip_effects(spec, timing.index)
        if not any(e.measured for e in effects):
            continue
        info = media[spec.clips[timing.index].src]
        found, notes = _prepare_clip(effects, info, timing, work_dir, home)
        by_clip[timing.index] = found
        warnings += notes
    return Measured(by_clip, tuple(warnings))


def _prepare_clip(
    effects: tuple[Effect, ...], info: MediaInfo, timing: ClipTiming, work_dir: Path, home: Path | None
) -> tuple[dict[int, object], list[str]]:
    where = f"clips[{timing.index}]"
    start, end = timing.source_start, timing.source_start + timing.source_duration
    found: dict[int, object] = {}
    warnings: list[str] = []
    motion: Motion | None = None
    colour: ColourFix | None = None
    for j, effect in enumerate(effects):
        if getattr(effect, "strength", 1.0) <= 0:  # off: nothing to measure, the planner leaves it out
            continue
        if isinstance(effect, Stabilize):
            if timing.still:
                warnings.append(f"{where}: stabilize works on video clips, not stills; skipped")
                continue
            if motion is None:
                motion = measure_motion(info, start, end, cache_dir=cache_dir("motion", home))
            found[j] = _crop_window(effect, motion, info, work_dir, f"stab{timing.index}_{j}")
        elif isinstance(effect, AutoEnhance):
            if colour is None:
                colour = measure_colour(info, start, end, cache_dir=cache_dir("colour", home))
            found[j] = colour
    return found, warnings


def _crop_window(effect: Stabilize, motion: Motion, info: MediaInfo, work_dir: Path, name: str) -> CropWindow:
    path = plan_crop(motion.shifts, motion.fps, (info.width, info.height), effect.strength)
    commands = work_dir / f"{name}.cmd"
    work_dir.mkdir(parents=True, exist_ok=True)
    commands.write_text(crop_commands(path, name))
    x, y = (int(path.x[0]), int(path.y[0])) if len(path.x) else (0, 0)
    return CropWindow(name, commands, path.width, path.height, x, y)
