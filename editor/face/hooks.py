"""Per clip, before planning: one shared analysis pass, then the hooks that add the ML looks to the
clip's source frames (background, then face effects, then the smart reframe's crop).

Everything runs on the clip's source frames (display size, timestamps from 0 at the clip's
``source_start``), before speed and fit, where the analysis lines up with the picture.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import numpy as np

from editor.face.reframe import ReframePlan, off_aspect, plan_crop, reframe_filters, write_commands
from editor.face.scene import Kind, analyse_scene, grid_window
from editor.face.tracking import AnalysisParams
from editor.home import cache_dir
from editor.plan.build import SourceHook
from editor.plan.graph import Graph
from editor.plan.layout import rect, sequence_box
from editor.plan.timeline import ClipTiming, Timeline
from editor.probe import MediaInfo
from editor.spec import Clip, EditSpec

ANALYSIS = AnalysisParams()


def frame_aspect(spec: EditSpec) -> float:
    """The aspect each clip is fitted to: the output's, or the sequence's box in a layout."""
    box = sequence_box(spec)
    if box is None:
        return spec.output.width / spec.output.height
    at = rect(box, spec.output)
    return at.w / at.h


def needs(clip: Clip, info: MediaInfo, aspect: float, has_faces: bool) -> set[Kind]:
    """The analysis kinds this clip's looks use."""
    kinds: set[Kind] = set()
    if has_faces:
        kinds.add("mesh")
    if clip.fit == "smart" and off_aspect(info.width, info.height, aspect):
        kinds |= {"faces", "pose"}
    return kinds


def source_times(info: MediaInfo, timing: ClipTiming) -> np.ndarray:
    """Source times of the clip's source frames (the mask and command scripts' frame grid)."""
    fps = info.fps or 30.0
    frames = math.ceil(timing.source_duration * fps - 1e-6) + 1
    return timing.source_start + np.arange(frames) / fps


def prepare_clip_hooks(
    spec: EditSpec,
    media: Mapping[str, MediaInfo],
    timeline: Timeline,
    work_dir: Path,
    asset_root: Path | None,
    home: Path | None,
) -> tuple[dict[int, SourceHook], list[str]]:
    """Analyse (cached under ``home``) every clip with ML looks, once; return a hook per clip."""
    hooks: dict[int, SourceHook] = {}
    warnings: list[str] = []
    aspect = frame_aspect(spec)
    caches = cache_dir("faces", home)
    for timing in timeline.clips:
        clip = spec.clips[timing.index]
        where = f"clips[{timing.index}]"
        face_effects = (*spec.face_effects, *clip.face_effects)
        info = media[clip.src]
        if timing.still:
            if face_effects:
                warnings.append(f"{where}: face effects apply to video clips, not stills; skipped")
            continue
        kinds = needs(clip, info, aspect, bool(face_effects))
        if not kinds:
            continue
        start, end = timing.source_start, timing.source_start + timing.source_duration
        scene = analyse_scene(info.path, info, kinds, start=start, end=end, cache_dir=caches, params=ANALYSIS)
        steps: list[SourceHook] = []
        if face_effects:
            from editor.face.prepare import face_filters, prepare_faces

            prepared = prepare_faces(
                info.path,
                info,
                face_effects,
                start=start,
                end=end,
                work_dir=work_dir,
                cache_dir=caches,
                tag=f"c{timing.index}_",
                asset_root=asset_root,
                label=where,
            )
            warnings.extend(prepared.warnings)
            steps.append(partial(face_filters, prepared, width=info.width, height=info.height))
        if "faces" in kinds:
            fps = info.fps or 30.0
            crop = plan_crop(
                scene.get("faces"),
                scene.get("pose"),
                size=(info.width, info.height),
                aspect=aspect,
                rate=scene.rate,
                window=grid_window(info, start, end, scene.rate),
                times=source_times(info, timing),
            )
            name = f"c{timing.index}rf"
            commands = work_dir / f"{name}.cmd"
            work_dir.mkdir(parents=True, exist_ok=True)
            write_commands(commands, name, crop, fps)
            steps.append(partial(reframe_filters, ReframePlan(name, crop, commands, fps)))
        if steps:
            hooks[timing.index] = partial(_chained, tuple(steps))
    return hooks, warnings


def _chained(steps: tuple[SourceHook, ...], g: Graph, src: str) -> str:
    for step in steps:
        src = step(g, src)
    return src
