"""Creator presets: looks, face effects, transition packs and templates, as data in ``presets/``.

One JSON file per preset (``presets/looks/noir.json``...), validated against the spec's own models
when loaded, so a preset can only hold what an edit spec could. ``"preset": "<id>"`` (or a list
of ids, applied in order) at the top of a spec or on a clip is merged by ``apply_presets``, a pure
function returning a new ``EditSpec``. Explicit fields always win:

* **look** -- its ``effects`` are put *before* the effects of the spec (top level: ``effects``;
  on a clip: that clip's ``effects``), so the spec's own effects run after the look. A look
  effect whose ``type`` the spec already lists is left out (the spec's one wins), as is one
  whose type an earlier preset in the same list already gave.
* **face** -- its ``face_effects`` go before the spec's ``face_effects`` at the same level, with
  the same rule, keyed by ``type`` (stickers by ``type`` and ``asset``).
* **transition_pack** -- fills every transition the spec left *unset* (a clip without a
  ``transition`` key; an explicit ``"transition": null`` is a hard cut and is kept). At the top
  level the pack's transitions are used in rotation by join (clip *i* gets ``transitions[i % n]``);
  on a clip, that clip's outgoing transition gets the pack's first one. The last clip never gets one.
* **text** -- a text style: an overlay or the captions naming it in ``style`` get every style
  field they leave unset from it (fonts, colours, outline, pill, placement, animation, karaoke).
* **template** -- cannot be merged into a spec; render it with ``reelforge template render``.

The merged spec carries no ``preset`` any more, so merging twice is the same as merging once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from editor.effects import AnyEffect
from editor.effects.color import Lut
from editor.errors import SpecError
from editor.face.effects import FaceEffect, FaceEffectBase, StickerEffect
from editor.names import unknown_name
from editor.spec import Clip, EditSpec, Output, PresetId, Transition, validation_problem
from editor.text.models import TextStyle
from editor.walk import nodes

TextStyleT = TypeVar("TextStyleT", bound=TextStyle)
PRESET_DIR = Path(__file__).resolve().parents[1] / "presets"
Category = Literal["look", "face", "transition_pack", "text", "template"]
CATEGORIES: tuple[Category, ...] = ("look", "face", "transition_pack", "text", "template")
FOLDERS: dict[Category, str] = {
    "look": "looks",
    "face": "face",
    "transition_pack": "transitions",
    "text": "text",
    "template": "templates",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _Preset(_Model):
    id: PresetId
    name: str = Field(..., min_length=1, max_length=80)
    description: str = Field(..., min_length=1, max_length=500)
    tags: tuple[Annotated[str, Field(min_length=1, max_length=32)], ...] = Field((), max_length=12)
    version: int = Field(1, ge=1)

    def summary(self) -> dict[str, Any]:
        """What listings show: the identity fields, without the parameters."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "category": getattr(self, "category"),  # noqa: B009 - every subclass defines it
            "tags": list(self.tags),
            "version": self.version,
        }


def _unique_types(items: Sequence[Any], what: str) -> None:
    keys = [_key(item) for item in items]
    if len(set(keys)) != len(keys):
        raise ValueError(f"each {what} type may appear once (the merge replaces by type)")


class LookPreset(_Preset):
    """A film look: effects applied before the spec's own."""

    category: Literal["look"] = "look"
    effects: tuple[AnyEffect, ...] = Field(..., min_length=1, max_length=12)

    @model_validator(mode="after")
    def _once(self) -> LookPreset:
        _unique_types(self.effects, "effect")
        return self


class FacePreset(_Preset):
    """AR face effects that follow every face."""

    category: Literal["face"] = "face"
    face_effects: tuple[FaceEffect, ...] = Field(..., min_length=1, max_length=8)

    @model_validator(mode="after")
    def _once(self) -> FacePreset:
        _unique_types(self.face_effects, "face effect")
        return self


class TransitionPack(_Preset):
    """Transitions used in rotation for the joins a spec leaves unset."""

    category: Literal["transition_pack"] = "transition_pack"
    transitions: tuple[Transition, ...] = Field(..., min_length=1, max_length=16)


class TextPreset(_Preset):
    """A text style for overlays and captions: font, colours, outline, pill, placement, motion."""

    category: Literal["text"] = "text"
    style: TextStyle

    @model_validator(mode="after")
    def _flat(self) -> TextPreset:
        if self.style.style is not None:
            raise ValueError("style.style: a text preset cannot build on another one")
        return self


class Slot(_Model):
    """One slot of a template: ``beats`` beats of one clip, with its own effects and speed."""

    beats: int = Field(..., ge=1, le=64)
    effects: tuple[AnyEffect, ...] = ()
    face_effects: tuple[FaceEffect, ...] = ()
    preset: PresetId | None = Field(None, description="a look or face preset for this slot's clip")
    transition: Transition | None = Field(None, description="the transition into the next slot, on the beat")
    speed: float = Field(1.0, ge=0.25, le=4.0)
    fit: Literal["cover", "contain", "blur_fill"] = "cover"
    segment: Literal["start", "active"] | None = Field(None, description="default: the template's")
    on: Literal["beat", "bar", "phrase"] = Field(
        "beat",
        description="where this slot starts: on its beat, or on the next bar (downbeat) or 4-bar "
        "phrase start of the sound at or after it; the slot before it grows to reach it",
    )


class TextSlot(_Model):
    """A text placeholder filled by ``texts[key]`` (or ``default``), shown between two beats."""

    key: str = Field(..., pattern=r"^[a-z][a-z0-9_]{0,31}$")
    default: str | None = Field(None, min_length=1, max_length=500)
    start_beat: int = Field(0, ge=0)
    end_beat: int | None = Field(None, ge=1, description="default: the end")
    position: Literal["top", "center", "bottom"] = "bottom"
    size: float = Field(1.0, ge=0.3, le=3.0)
    color: str = Field("#ffffff", pattern=r"^#[0-9a-fA-F]{6}$")
    box: bool = False
    style: PresetId | None = Field(None, description="a text preset for this text")

    @model_validator(mode="after")
    def _span(self) -> TextSlot:
        if self.end_beat is not None and self.end_beat <= self.start_beat:
            raise ValueError(f"'end_beat' ({self.end_beat}) must be after 'start_beat' ({self.start_beat})")
        return self


class Template(_Preset):
    """A beat-synced template: slots measured in beats of a sound, filled with the user's clips."""

    category: Literal["template"] = "template"
    sound: str | None = Field(
        None, min_length=1, max_length=1024, description="a path relative to the template file"
    )
    sound_start: float = Field(0.0, ge=0.0, description="where in the sound the video starts")
    sound_volume: float = Field(1.0, ge=0.0, le=4.0)
    original_volume: float = Field(0.0, ge=0.0, le=4.0, description="the clips' own sound")
    loudness: float | None = Field(-14.0, ge=-40.0, le=-5.0)
    slots: tuple[Slot, ...] = Field(..., min_length=1, max_length=50)
    look: PresetId | None = Field(None, description="a look preset for the whole video")
    transitions: PresetId | None = Field(
        None, description="a transition pack for joins the slots leave unset"
    )
    segment: Literal["start", "active"] = Field(
        "start", description="which part of each clip: its start, or its most active stretch"
    )
    texts: tuple[TextSlot, ...] = Field((), max_length=20)
    output: Output = Output()

    @model_validator(mode="after")
    def _check(self) -> Template:
        if self.slots[0].on != "beat":
            raise ValueError("slots[0].on: the first slot starts the video; later slots may wait for a bar")
        if self.slots[-1].transition is not None:
            raise ValueError(f"slots[{len(self.slots) - 1}].transition: the last slot has no next slot")
        keys = [t.key for t in self.texts]
        if len(set(keys)) != len(keys):
            raise ValueError("text keys must be unique")
        total = sum(s.beats for s in self.slots)
        for t in self.texts:
            if t.start_beat >= total or (t.end_beat is not None and t.end_beat > total):
                raise ValueError(f"text {t.key!r}: its beats must lie within the {total} beats of the slots")
        return self

    @property
    def total_beats(self) -> int:
        return sum(s.beats for s in self.slots)


Preset = Annotated[
    LookPreset | FacePreset | TransitionPack | TextPreset | Template, Field(discriminator="category")
]
AnyPreset = LookPreset | FacePreset | TransitionPack | TextPreset | Template


class _Envelope(_Model):
    preset: Preset


@dataclass(frozen=True)
class PresetLibrary:
    """Presets by id, with the file each came from (templates resolve their sound beside it)."""

    presets: Mapping[str, AnyPreset]
    files: Mapping[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "presets", MappingProxyType(dict(self.presets)))
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))

    def __contains__(self, preset_id: object) -> bool:
        return preset_id in self.presets

    def __len__(self) -> int:
        return len(self.presets)

    def get(
        self, preset_id: str, *, field: str = "preset", categories: Iterable[str] = CATEGORIES
    ) -> AnyPreset:
        """The preset ``preset_id`` of one of ``categories``; ``SpecError`` at ``field`` with suggestions."""
        allowed = tuple(categories)
        choices = [p.id for p in self.presets.values() if p.category in allowed]
        preset = self.presets.get(preset_id)
        if preset is None:
            kind = "preset" if len(allowed) != 1 else f"{allowed[0].replace('_', ' ')} preset"
            raise SpecError.at(field, unknown_name(kind, preset_id, choices))
        if preset.category not in allowed:
            raise SpecError.at(
                field, f"{preset_id!r} is a {preset.category} preset; expected a {' or '.join(allowed)}"
            )
        return preset

    def template(self, preset_id: str, *, field: str = "template") -> Template:
        found = self.get(preset_id, field=field, categories=("template",))
        assert isinstance(found, Template)
        return found

    def listing(self, category: str | None = None) -> list[AnyPreset]:
        """Presets sorted by category (in ``CATEGORIES`` order), then id."""
        order = {c: i for i, c in enumerate(CATEGORIES)}
        chosen = [p for p in self.presets.values() if category is None or p.category == category]
        return sorted(chosen, key=lambda p: (order[p.category], p.id))


def parse_preset(data: Any, *, source: str = "") -> AnyPreset:
    """Validate one preset's JSON data; ``SpecError`` lists every problem (fields prefixed by ``source``)."""
    if not isinstance(data, Mapping):
        raise SpecError.at(source, "a preset must be a JSON object")
    try:
        preset = _Envelope.model_validate({"preset": data}).preset
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where, reason = validation_problem(
                {**err, "loc": tuple(err["loc"])[2:] if len(err["loc"]) > 1 else ()}
            )
            if err["type"] == "union_tag_invalid" and len(err["loc"]) == 1:
                where, reason = "category", unknown_name("category", err["ctx"]["tag"], CATEGORIES)
            problems.append((f"{source}:{where}" if source else where, reason))
        raise SpecError(problems) from None
    _check_resources(preset, source)
    return preset


def _check_resources(preset: AnyPreset, source: str) -> None:
    """What the models cannot check: LUTs are bundled, sticker assets are built in."""
    prefix = f"{source}:" if source else ""
    try:
        for field, node in nodes(preset):
            if isinstance(node, Lut):
                node.locate(f"{field}.name", resolve=None)
            elif isinstance(node, FaceEffectBase):
                node.check(field=field, asset_root=None)
    except SpecError as exc:
        raise SpecError([(f"{prefix}{f}", r) for f, r in exc.problems]) from None


def load_presets(root: Path = PRESET_DIR) -> PresetLibrary:
    """Read and validate every ``<root>/<folder>/*.json``; ``SpecError`` lists every bad file at once.

    Each file's name must be its ``id`` and its folder must match its ``category``; templates'
    ``look``, ``transitions`` and slot presets must name presets of the right kind.
    """
    presets: dict[str, AnyPreset] = {}
    files: dict[str, Path] = {}
    problems: list[tuple[str, str]] = []
    for category, folder in FOLDERS.items():
        for path in sorted((root / folder).glob("*.json")):
            source = f"{folder}/{path.name}"
            try:
                preset = parse_preset(json.loads(path.read_text(encoding="utf-8")), source=source)
            except json.JSONDecodeError as exc:
                problems.append((source, f"not valid JSON ({exc})"))
                continue
            except SpecError as exc:
                problems.extend(exc.problems)
                continue
            if preset.id != path.stem:
                problems.append((f"{source}:id", f"must match the file name ({path.stem!r})"))
            elif preset.category != category:
                problems.append((f"{source}:category", f"a {preset.category} preset belongs in {folder}/"))
            elif preset.id in presets:
                problems.append((f"{source}:id", f"{preset.id!r} is already used by {files[preset.id]}"))
            else:
                presets[preset.id], files[preset.id] = preset, path
    library = PresetLibrary(presets, files)
    for preset in library.presets.values():
        if isinstance(preset, Template):
            problems.extend(check_template_refs(preset, library, source=f"templates/{preset.id}.json:"))
    if problems:
        raise SpecError(problems)
    return library


def check_template_refs(
    template: Template, library: PresetLibrary, *, source: str = ""
) -> list[tuple[str, str]]:
    """Problems with the presets a template names (its look, transition pack, slot presets)."""
    refs: list[tuple[str, str | None, tuple[str, ...]]] = [
        ("look", template.look, ("look",)),
        ("transitions", template.transitions, ("transition_pack",)),
    ]
    refs += [(f"slots[{i}].preset", s.preset, ("look", "face")) for i, s in enumerate(template.slots)]
    refs += [(f"texts[{i}].style", t.style, ("text",)) for i, t in enumerate(template.texts)]
    problems = []
    for where, ref, categories in refs:
        if ref is None:
            continue
        try:
            library.get(ref, field=f"{source}{where}", categories=categories)
        except SpecError as exc:
            problems.extend(exc.problems)
    return problems


@cache
def default_library() -> PresetLibrary:
    """The bundled presets, loaded once per process."""
    return load_presets(PRESET_DIR)


# --- merging -------------------------------------------------------------------------------------


def _key(item: Any) -> tuple[str, str]:
    if isinstance(item, StickerEffect):
        return ("sticker", item.asset)
    return (str(item.type), "")


def merged(preset_items: Sequence[Any], explicit: Sequence[Any]) -> tuple[Any, ...]:
    """Preset items (first of each key wins) before the explicit ones, minus keys the explicit list has."""
    taken = {_key(item) for item in explicit}
    out: list[Any] = []
    for item in preset_items:
        if _key(item) not in taken:
            taken.add(_key(item))
            out.append(item)
    return (*out, *explicit)


def _ids(ref: str | Sequence[str] | None) -> tuple[str, ...]:
    if ref is None:
        return ()
    return (ref,) if isinstance(ref, str) else tuple(ref)


@dataclass(frozen=True)
class _Resolved:
    effects: tuple[Any, ...] = ()
    face_effects: tuple[Any, ...] = ()
    transitions: tuple[Transition, ...] = ()


def _resolve(ref: str | Sequence[str] | None, field: str, library: PresetLibrary) -> _Resolved:
    ids = _ids(ref)
    effects: list[Any] = []
    face: list[Any] = []
    transitions: tuple[Transition, ...] = ()
    problems: list[tuple[str, str]] = []
    for n, preset_id in enumerate(ids):
        where = field if len(ids) == 1 else f"{field}[{n}]"
        try:
            preset = library.get(preset_id, field=where, categories=("look", "face", "transition_pack"))
        except SpecError as exc:
            category = library.presets[preset_id].category if preset_id in library else None
            if category == "template":
                problems.append(
                    (where, f"{preset_id!r} is a template; render it with `reelforge template render`")
                )
            elif category == "text":
                problems.append((where, f"{preset_id!r} is a text style; name it in an overlay's 'style'"))
            else:
                problems.extend(exc.problems)
            continue
        if isinstance(preset, LookPreset):
            effects.extend(preset.effects)
        elif isinstance(preset, FacePreset):
            face.extend(preset.face_effects)
        elif isinstance(preset, TransitionPack) and not transitions:
            transitions = preset.transitions
    if problems:
        raise SpecError(problems)
    return _Resolved(tuple(effects), tuple(face), transitions)


def apply_presets(spec: EditSpec, library: PresetLibrary | None = None) -> EditSpec:
    """A new spec with every named preset merged in (rules in the module docstring); pure."""
    library = library or default_library()
    problems: list[tuple[str, str]] = []
    top = _Resolved()
    try:
        top = _resolve(spec.preset, "preset", library)
    except SpecError as exc:
        problems.extend(exc.problems)
    clips: list[Clip] = []
    last = len(spec.clips) - 1
    for i, clip in enumerate(spec.clips):
        try:
            own = _resolve(clip.preset, f"clips[{i}].preset", library)
        except SpecError as exc:
            problems.extend(exc.problems)
            continue
        update: dict[str, Any] = {"preset": None}
        if own.effects:
            update["effects"] = merged(own.effects, clip.effects)
        if own.face_effects:
            update["face_effects"] = merged(own.face_effects, clip.face_effects)
        unset = "transition" not in clip.model_fields_set and i < last
        if unset and own.transitions:
            update["transition"] = own.transitions[0]
        elif unset and top.transitions:
            update["transition"] = top.transitions[i % len(top.transitions)]
        clips.append(clip.model_copy(update=update))
    overlays = []
    for i, overlay in enumerate(spec.overlays):
        try:
            overlays.append(styled(overlay, f"overlays[{i}].style", library))
        except SpecError as exc:
            problems.extend(exc.problems)
    captions = spec.captions
    if captions is not None:
        try:
            captions = styled(captions, "captions.style", library)
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    return spec.model_copy(
        update={
            "preset": None,
            "clips": tuple(clips),
            "effects": merged(top.effects, spec.effects),
            "face_effects": merged(top.face_effects, spec.face_effects),
            "overlays": tuple(overlays),
            "captions": captions,
        }
    )


def styled(text: TextStyleT, field: str, library: PresetLibrary) -> TextStyleT:
    """``text`` with the fields it leaves unset taken from its text preset (``style``)."""
    if text.style is None:
        return text
    preset = library.get(text.style, field=field, categories=("text",))
    assert isinstance(preset, TextPreset)
    own = text.model_fields_set
    update = {k: getattr(preset.style, k) for k in preset.style.model_fields_set if k not in own}
    return text.model_copy(update={**update, "style": None})
