"""Per clip, before planning: one shared analysis pass, then the hooks that add the ML looks to the
clip's source frames (background, then face effects, then the smart reframe's crop).

Everything runs on the clip's source frames (display size, timestamps from 0 at the clip's
``source_start``), before speed and fit, where the analysis lines up with the picture.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from functools import partial
from pathlib import Path

import numpy as np

from editor.effects.background import BackgroundEffect
from editor.errors import SpecError
from editor.face.matte import BackgroundPlan, Replacement, background_filters, write_matte
from editor.face.reframe import ReframePlan, off_aspect, plan_crop, reframe_filters, write_commands
from editor.face.scene import Kind, Scene, analyse_scene, grid_window
from editor.face.tracking import AnalysisParams
from editor.face.triggers import TRIGGERS, envelope, holds, needs_hands
from editor.home import cache_dir
from editor.plan.build import SourceHook
from editor.plan.colour import to_contract
from editor.plan.graph import Graph
from editor.plan.layout import rect, sequence_box
from editor.plan.timeline import ClipTiming, Timeline
from editor.probe import MediaInfo
from editor.spec import Clip, EditSpec, GreenScreenLayout

ANALYSIS = AnalysisParams()


def frame_aspect(spec: EditSpec) -> float:
    """The aspect each clip is fitted to: the output's, or the sequence's box in a layout."""
    box = sequence_box(spec)
    if box is None:
        return spec.output.width / spec.output.height
    at = rect(box, spec.output)
    return at.w / at.h


def needs(
    clip: Clip,
    info: MediaInfo,
    aspect: float,
    face_effects: Sequence[object],
    background: BackgroundEffect | None,
) -> set[Kind]:
    """The analysis kinds this clip's looks use."""
    kinds: set[Kind] = set()
    whens = [getattr(e, "when", None) for e in face_effects]
    if face_effects:
        kinds.add("mesh")
    if background is not None:
        kinds.add("matte")
        whens.append(background.when)
    for when in whens:
        if when is not None:
            kinds |= {"mesh", "hands"} if needs_hands(when) else {"mesh"}  # hands: the chin
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
        background, bg_field = clip_background(spec, timing.index)
        if timing.still:
            if face_effects:
                warnings.append(f"{where}: face effects apply to video clips, not stills; skipped")
            if background is not None:
                warnings.append(
                    f"{bg_field}: the background effect applies to video clips, not stills; skipped"
                )
            continue
        kinds = needs(clip, info, aspect, face_effects, background)
        if not kinds:
            continue
        start, end = timing.source_start, timing.source_start + timing.source_duration
        scene = analyse_scene(info.path, info, kinds, start=start, end=end, cache_dir=caches, params=ANALYSIS)
        steps: list[SourceHook] = []
        if background is not None:
            plan = _background_plan(
                background, bg_field, spec, media, timing, info, scene, work_dir, warnings
            )
            if plan is not None:
                steps.append(partial(background_filters, plan))
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
                scene=scene,
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


def clip_background(spec: EditSpec, index: int) -> tuple[BackgroundEffect | None, str]:
    """The clip's background effect (its own, else the green screen layout's) and its spec field."""
    clip = spec.clips[index]
    own = [(i, e) for i, e in enumerate(clip.effects) if isinstance(e, BackgroundEffect)]
    if len(own) > 1:
        raise SpecError.at(f"clips[{index}].effects[{own[1][0]}]", "a clip takes one 'background' effect")
    if own:
        return own[0][1], f"clips[{index}].effects[{own[0][0]}]"
    if isinstance(spec.layout, GreenScreenLayout):
        return BackgroundEffect(mode="replace", src=spec.layout.with_), "layout"
    return None, ""


def _background_plan(
    effect: BackgroundEffect,
    field: str,
    spec: EditSpec,
    media: Mapping[str, MediaInfo],
    timing: ClipTiming,
    info: MediaInfo,
    scene: Scene,
    work_dir: Path,
    warnings: list[str],
) -> BackgroundPlan | None:
    mattes = scene.get("matte")
    if not int(mattes.counts.sum()):
        warnings.append(f"{field}: no picture to segment; background skipped")
        return None
    times = source_times(info, timing)
    env = None
    if effect.when is not None:
        env = _envelope(effect.when, scene, times, f"{field}.when", warnings)
    src_field = "layout.with" if field == "layout" else f"{field}.src"
    behind = Replacement(blur=effect.strength, color=effect.color)
    if effect.src is not None:
        found = media[effect.src]
        if not found.has_video:
            raise SpecError.at(src_field, f"{found.path.name} is not an image or a video")
        behind = Replacement(
            path=found.path,
            still=found.is_still,
            demuxer=found.demuxer.split(",")[0],
            start=timing.start if field == "layout" else 0.0,  # the borrowed video plays on across clips
            speed=spec.clips[timing.index].speed,
            colour=tuple(to_contract(found.colour, still=found.is_still)),
        )
    fps = Fraction(info.fps or 30.0).limit_denominator(1001)
    path = work_dir / f"c{timing.index}bg.mkv"
    work_dir.mkdir(parents=True, exist_ok=True)
    write_matte(path, mattes, scene.rate, times, fps, env)
    return BackgroundPlan(info.width, info.height, fps, path, behind, timing.source_duration)


def _envelope(when: str, scene: Scene, times: np.ndarray, field: str, warnings: list[str]) -> np.ndarray:
    """The trigger's 0..1 envelope at ``times``; warns when it can never hold."""
    if when not in TRIGGERS:  # the model checks this; a defensive guard for hand-built effects
        raise SpecError.at(field, f"unknown trigger {when!r}")
    hands = scene.get("hands") if needs_hands(when) else None
    mesh = scene.get("mesh")
    states = holds(when, mesh, hands)
    if not needs_hands(when) and not int(mesh.counts.sum()):
        warnings.append(f"{field}: no face found, so '{when}' never holds; the effect stays off")
    elif needs_hands(when) and hands is not None and not int(hands.counts.sum()):
        warnings.append(f"{field}: no hand found, so '{when}' never holds; the effect stays off")
    return envelope(states, scene.rate, times)
