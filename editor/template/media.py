"""The IO side of templates: beat analysis (cached by content), clip facts and activity, rendering.

``render_template`` loads the template (a bundled id or a JSON file), analyses the sound
(``editor.audio_decode.sound_analysis``, cached by content), probes the clips, measures their
activity when the template wants the most active stretch, plans (``editor.template.plan``) and
renders with ``editor.render.render``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from editor import ffmpeg
from editor.audio_decode import sound_analysis
from editor.errors import MediaError, ReelForgeError, SpecError
from editor.home import cache_dir as default_cache
from editor.presets import PresetLibrary, Template, check_template_refs, default_library, parse_preset
from editor.probe import Limits, probe
from editor.template.plan import ACTIVITY_STEP, ClipFacts, TemplatePlan, plan_template

DEMO_BPM = 120.0


def demo_sound(cache_dir: Path | None = None) -> Path:
    """A 60 s, 120 BPM beat track made by code, for bundled templates rendered without a sound."""
    from editor.samples import make_music

    path = (cache_dir or default_cache("demo")) / f"demo-{DEMO_BPM:g}bpm.m4a"
    if not path.is_file():
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.m4a")
        make_music(tmp, seconds=60, bpm=DEMO_BPM)
        os.replace(tmp, path)
    return path


def activity(path: Path, duration: float, *, has_audio: bool) -> tuple[float, ...]:
    """Motion (mean frame difference of a tiny grey copy) plus sound energy, every ACTIVITY_STEP s."""
    rate = 1 / ACTIVITY_STEP
    size = 32
    raw = ffmpeg.capture(
        [
            *ffmpeg.input_args(path),
            "-an",
            "-vf",
            f"fps={rate:g},scale={size}:{size},format=gray",
            "-f",
            "rawvideo",
            "pipe:1",
        ],
        max_bytes=int((duration * rate + 8) * size * size),
    )
    frames = np.frombuffer(raw[: len(raw) - len(raw) % (size * size)], np.uint8).reshape(-1, size, size)
    if len(frames) == 0:
        return ()
    motion = np.abs(np.diff(frames.astype(np.float32), axis=0)).mean(axis=(1, 2))
    motion = np.concatenate([motion[:1], motion]) if len(motion) else np.zeros(1, np.float32)
    score = motion / (motion.max() or 1.0)
    if has_audio:
        from editor.audio_decode import decode_audio

        try:
            samples, sr = decode_audio(path, sr=8000, max_seconds=duration + 1)
        except MediaError:
            samples, sr = np.zeros(0, np.float32), 8000
        hop = int(sr * ACTIVITY_STEP)
        if len(samples) >= hop:
            rms = np.sqrt((samples[: len(samples) // hop * hop].reshape(-1, hop) ** 2).mean(axis=1))
            rms = rms / (rms.max() or 1.0)
            n = min(len(rms), len(score))
            score = score[:n] + 0.5 * rms[:n]
    return tuple(round(float(v), 4) for v in score)


@dataclass(frozen=True)
class LoadedTemplate:
    template: Template
    base: Path | None  # the folder a template file's sound path is relative to


def load_template(
    ref: str, library: PresetLibrary | None = None, *, base: Path | None = None
) -> LoadedTemplate:
    """A bundled template id, or a ``.json`` file (relative to ``base``) validated like the bundled ones."""
    library = library or default_library()
    if not ref.endswith(".json"):
        return LoadedTemplate(library.template(ref), None)
    path = (base or Path.cwd()) / ref
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MediaError(f"{ref}: template file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError.at("template", f"{path.name} is not valid JSON ({exc})") from None
    if isinstance(data, dict):
        data.setdefault("category", "template")
        data.setdefault("id", "custom")
        data.setdefault("name", path.stem)
        data.setdefault("description", f"template file {path.name}")
    preset = parse_preset(data, source="template")
    if not isinstance(preset, Template):
        raise SpecError.at("template:category", f"{path.name} is a {preset.category} preset, not a template")
    problems = check_template_refs(preset, library, source="template:")
    if problems:
        raise SpecError(problems)
    return LoadedTemplate(preset, path.resolve().parent)


def clip_facts(
    paths: Sequence[Path], srcs: Sequence[str], *, active: bool, limits: Limits
) -> list[ClipFacts]:
    """Probe each clip (errors name ``clips[i]``) and, for ``active`` templates, measure activity."""
    facts = []
    for i, (path, src) in enumerate(zip(paths, srcs, strict=True)):
        try:
            info = probe(path, limits)
        except ReelForgeError as exc:
            raise type(exc)(f"clips[{i}]: {exc.message}") from exc
        if not info.has_video:
            raise SpecError.at(f"clips[{i}]", f"{path.name} has no picture")
        moves = (
            activity(path, info.duration, has_audio=info.has_audio) if active and not info.is_still else ()
        )
        facts.append(ClipFacts(src, info.duration, info.is_still, moves))
    return facts


def plan_files(
    template: LoadedTemplate,
    clips: Sequence[Path],
    *,
    texts: Mapping[str, str] | None = None,
    sound: Path | None = None,
    output: Mapping[str, Any] | None = None,
    library: PresetLibrary | None = None,
    limits: Limits = Limits(),
) -> tuple[TemplatePlan, Callable[[str], Path]]:
    """Plan a template with local files; returns the plan and the resolver its spec needs.

    The sound is ``sound``, else the template's own (beside the template file), else the demo beat.
    """
    library = library or default_library()
    tpl = template.template
    if sound is None and tpl.sound is not None:
        if template.base is None:
            raise SpecError.at("sound", "bundled templates carry no sound file; pass one")
        sound = template.base / tpl.sound
    sound = sound or demo_sound()
    if not sound.is_file():
        raise MediaError(f"{sound.name}: sound file not found")
    active = tpl.segment == "active" or any(s.segment == "active" for s in tpl.slots)
    srcs = [f"clip{i}" for i in range(len(clips))]
    facts = clip_facts(clips, srcs, active=active, limits=limits)
    analysis = sound_analysis(sound)
    plan = plan_template(
        tpl,
        facts,
        analysis.beats,
        sound_src="sound",
        library=library,
        texts=texts,
        output=output,
        bars=analysis.downbeats,
        phrases=analysis.phrases,
    )
    files = {**dict(zip(srcs, clips, strict=True)), "sound": sound}

    def resolve(src: str) -> Path:
        if src not in files:
            raise MediaError(f"{src}: not a source of this template render")
        return files[src].resolve()

    return plan, resolve
