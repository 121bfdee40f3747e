"""Preset previews: a PNG thumbnail and a short MP4 of every preset, rendered from sample media made by code.

``render_previews(folder)`` writes ``<folder>/<id>.png`` and ``<folder>/<id>.mp4``; the API serves
them, the app shows them. Nothing here is committed: run ``reelforge presets previews -o DIR``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from editor import ffmpeg
from editor.errors import ReelForgeError
from editor.presets import (
    FacePreset,
    LookPreset,
    PresetLibrary,
    Template,
    TextPreset,
    TransitionPack,
    default_library,
)
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from editor.samples import make_clip, make_face_clip, make_handheld_clip, make_music

SIZE = {"width": 360, "height": 640, "fps": 30, "preset": "veryfast", "crf": 26}
SECONDS = 2.0
TEXT_SAMPLE = "Hello world ✨ 你好"  # Latin, CJK and a colour emoji in every text-style preview


@dataclass(frozen=True)
class Preview:
    id: str
    thumbnail: Path | None
    video: Path | None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "thumbnail": str(self.thumbnail) if self.thumbnail else None,
            "video": str(self.video) if self.video else None,
            "error": self.error,
        }


def sample_media(folder: Path) -> dict[str, Path]:
    """The media previews are made from (made once per folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {
        "face": folder / "face.mp4",
        "pattern": folder / "pattern.mp4",
        "bars": folder / "bars.mp4",
        "music": folder / "music.m4a",
        "handheld": folder / "handheld.mp4",
    }
    if not made["face"].is_file():
        make_face_clip(made["face"], seconds=4, width=360, height=640)
    if not made["pattern"].is_file():
        make_clip(made["pattern"], seconds=3, width=360, height=640, tone=330)
    if not made["bars"].is_file():
        make_clip(made["bars"], seconds=3, width=640, height=360, pattern="smptehdbars", tone=550)
    if not made["handheld"].is_file():
        make_handheld_clip(made["handheld"], seconds=3, width=360, height=640)
    if not made["music"].is_file():
        make_music(made["music"], seconds=24, bpm=120)
    return made


def preview_spec(preset: LookPreset | FacePreset | TransitionPack | TextPreset) -> dict[str, Any]:
    """The edit spec of a look, face, transition-pack or text preview (paths relative to the media folder)."""
    audio = {"original_volume": 0.0, "sound": {"src": "music.m4a"}, "loudness": -16}
    if isinstance(preset, TextPreset):
        overlay = {"type": "text", "text": TEXT_SAMPLE, "style": preset.id}
        clip = {"src": "face.mp4", "in": 0.5, "duration": SECONDS}
        return {"output": SIZE, "clips": [clip], "overlays": [overlay], "audio": audio}
    if isinstance(preset, TransitionPack):
        half = SECONDS / 2 + preset.transitions[0].duration / 2
        clips = [{"src": "face.mp4", "duration": half}, {"src": "pattern.mp4", "duration": half}]
        return {"output": SIZE, "clips": clips, "preset": preset.id, "audio": audio}
    # Looks that stabilise or enhance show it on a clip that needs it: shaky, dim and bluish.
    measured = isinstance(preset, LookPreset) and any(e.measured for e in preset.effects)
    return {
        "output": SIZE,
        "clips": [{"src": "handheld.mp4" if measured else "face.mp4", "in": 0.5, "duration": SECONDS}],
        "preset": preset.id,
        "audio": audio,
    }


def thumbnail(video: Path, target: Path, at: float) -> Path:
    ffmpeg.run(
        [
            *ffmpeg.input_args(video, before=("-ss", f"{at:.3f}")),
            "-frames:v",
            "1",
            "-update",
            "1",
            "-y",
            str(target),
        ]
    )
    return target


def render_previews(
    folder: Path,
    *,
    ids: Iterable[str] | None = None,
    library: PresetLibrary | None = None,
    on_done: Callable[[Preview], None] | None = None,
) -> list[Preview]:
    """Render the previews of ``ids`` (default: every preset); a failing preset is reported, not raised."""
    library = library or default_library()
    wanted = list(ids) if ids is not None else [p.id for p in library.listing()]
    presets = [library.get(i, field="id") for i in wanted]
    folder.mkdir(parents=True, exist_ok=True)
    media = sample_media(folder / ".media")
    resolve = local_resolver(media["face"].parent)
    results = []
    for preset in presets:
        video, image = folder / f"{preset.id}.mp4", folder / f"{preset.id}.png"
        try:
            if isinstance(preset, Template):
                _template_preview(preset, media, video, library)
            else:
                render(parse_spec(preview_spec(preset)), video, resolve=resolve)
            thumbnail(video, image, _thumbnail_time(preset))
            result = Preview(preset.id, image, video)
        except ReelForgeError as exc:
            result = Preview(preset.id, None, None, exc.message)
        results.append(result)
        if on_done is not None:
            on_done(result)
    return results


def _thumbnail_time(preset: object) -> float:
    """Mid-way for looks and faces; a quarter into the first join for packs (some pass through black)."""
    if isinstance(preset, TransitionPack):
        return SECONDS / 2 - preset.transitions[0].duration / 4
    return SECONDS / 2 + 0.25


def _template_preview(
    template: Template, media: dict[str, Path], video: Path, library: PresetLibrary
) -> None:
    """The template on the sample clips, cut down to its first ``SECONDS`` seconds."""
    from editor.template.media import LoadedTemplate, plan_files

    plan, resolve = plan_files(
        LoadedTemplate(template, None),
        [media["face"], media["pattern"], media["bars"]],
        sound=media["music"],
        output={k: SIZE[k] for k in ("width", "height", "fps", "preset")},
        library=library,
    )
    full = video.with_name(f".{video.stem}.full.mp4")
    try:
        render(plan.spec, full, resolve=resolve)
        staging = video.with_name(f".{video.stem}.partial.mp4")
        ffmpeg.run(
            [
                *ffmpeg.input_args(full),
                "-t",
                f"{SECONDS:.3f}",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "26",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-movflags",
                "+faststart",
                "-y",
                str(staging),
            ]
        )
        staging.replace(video)
    finally:
        full.unlink(missing_ok=True)
