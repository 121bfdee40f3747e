"""Edit spec v1: the public contract, validated once at the boundary.

``validate_spec`` turns JSON data into typed, frozen models or raises ``SpecError`` listing every
problem with its field path (``clips[1].effects[0].type``) and, for names, the closest valid ones.
Checks that need the media itself (``out`` past the end, transitions longer than a clip) are made
by the planner against probed facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from audio import mix, remix, voice
from editor.effects import EFFECTS, AnyEffect
from editor.errors import SpecError
from editor.face.effects import FACE_EFFECTS, FaceEffect
from editor.names import unknown_name
from editor.text.models import MAX_SECONDS, Captions, Color, TextOverlay
from editor.transitions import TRANSITIONS, check_name
from editor.walk import source

PresetId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
_PRESET_SCHEMA = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"}
PresetRef = Annotated[  # one id, or a list of them; held as a tuple
    tuple[PresetId, ...],
    BeforeValidator(lambda v: (v,) if isinstance(v, str) else v),
    Field(min_length=1, max_length=8),
    WithJsonSchema({"anyOf": [_PRESET_SCHEMA, {"type": "array", "items": _PRESET_SCHEMA, "maxItems": 8}]}),
]
PRESET_HELP = "a preset id (or a list of ids) from presets/; editor.presets documents how they merge"
VOICE_HELP = f"a voice effect for this sound: {', '.join(voice.VOICES)}"


def _check_voice(name: str | None) -> str | None:
    if name is not None and name not in voice.VOICES:
        raise ValueError(unknown_name("voice", name, voice.VOICES))
    return name


VoiceName = Annotated[str | None, BeforeValidator(_check_voice), Field(None, description=VOICE_HELP)]


class Model(BaseModel):
    # NaN and Infinity are refused (JSON has neither; YAML and Python do), and every number has an
    # upper bound too (tests/editor/test_spec_bounds.py walks the models for one)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Output(Model):
    width: int = Field(1080, ge=144, le=3840, multiple_of=2)
    height: int = Field(1920, ge=144, le=3840, multiple_of=2)
    fps: float = Field(30, ge=10, le=60)
    crf: int = Field(20, ge=12, le=40, description="x264 quality; lower is better and larger")
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] = "veryfast"

    def draft(self) -> Output:
        """The preview profile: at most 720 wide (aspect kept), a faster encoder preset."""
        scale = min(1.0, 720 / self.width)
        even = lambda v: max(2, round(v * scale / 2) * 2)  # noqa: E731
        return self.model_copy(
            update={"width": even(self.width), "height": even(self.height), "preset": "superfast", "crf": 26}
        )


class Transition(Model):
    type: Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(TRANSITIONS)})]
    duration: float = Field(0.5, gt=0.0, le=3.0)

    _check = field_validator("type")(classmethod(lambda cls, v: check_name(v)))


class Clip(Model):
    src: str = source("media", ..., min_length=1, max_length=1024)
    in_: float = Field(0.0, alias="in", ge=0.0, le=MAX_SECONDS)
    out: float | None = Field(None, gt=0.0, le=MAX_SECONDS)
    duration: float | None = Field(None, gt=0.0, le=600.0, description="required for stills")
    speed: float = Field(1.0, ge=0.25, le=4.0)
    fit: Literal["cover", "contain", "blur_fill", "smart"] = Field(
        "cover", description="'smart': crop with a virtual camera that follows faces, else the person"
    )
    volume: float = Field(1.0, ge=0.0, le=4.0, description="this clip's own sound")
    voice: VoiceName = None
    effects: tuple[AnyEffect, ...] = ()
    face_effects: tuple[FaceEffect, ...] = Field((), description="AR effects that follow faces in this clip")
    transition: Transition | None = None
    preset: PresetRef | None = Field(None, description=PRESET_HELP)

    @model_validator(mode="after")
    def _times(self) -> Clip:
        if self.out is not None and self.out <= self.in_:
            raise ValueError(f"'out' ({self.out}) must be after 'in' ({self.in_})")
        if self.out is not None and self.duration is not None:
            raise ValueError("give either 'out' or 'duration', not both")
        return self


class Box(Model):
    """A rectangle in fractions of the output frame: ``x``/``y`` the top-left corner."""

    x: float = Field(0.0, ge=0.0, le=1.0)
    y: float = Field(0.0, ge=0.0, le=1.0)
    w: float = Field(1.0, gt=0.0, le=1.0)
    h: float = Field(1.0, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _inside(self) -> Box:
        for start, size, axis in ((self.x, self.w, "x + w"), (self.y, self.h, "y + h")):
            if start + size > 1.0 + 1e-6:
                raise ValueError(
                    f"the box leaves the frame ({axis} = {start + size:.3g}, at most 1); "
                    "boxes are fractions of the frame"
                )
        return self


class Border(Model):
    width: float = Field(0.005, gt=0.0, le=0.05, description="fraction of the frame width, inside the box")
    color: Color = "#ffffff"


class Layer(Model):
    """A timed visual layer over the clip sequence (picture-in-picture, split screens, stickers).

    ``start``/``end`` are output seconds (``end`` defaults to the end of the video; a layer that
    runs past it is clipped); ``in`` and ``speed`` read the source like a clip. A video that runs
    out before ``end`` holds its last frame. The clip sequence sits at ``z`` 0: layers with
    ``z`` >= 0 are drawn over it, below 0 under it; equal ``z`` in list order.
    """

    src: str = source("media", ..., min_length=1, max_length=1024)
    start: float = Field(0.0, ge=0.0, le=600.0)
    end: float | None = Field(None, gt=0.0, le=MAX_SECONDS)
    in_: float = Field(0.0, alias="in", ge=0.0, le=MAX_SECONDS)
    speed: float = Field(1.0, ge=0.25, le=4.0)
    box: Box = Box()
    fit: Literal["cover", "contain", "blur_fill"] = "cover"
    opacity: float = Field(1.0, ge=0.0, le=1.0)
    radius: float = Field(0.0, ge=0.0, le=0.5, description="rounded corners, fraction of the frame width")
    border: Border | None = None
    z: int = Field(1, ge=-100, le=100)
    volume: float = Field(1.0, ge=0.0, le=4.0, description="this layer's own sound")
    effects: tuple[AnyEffect, ...] = ()

    @model_validator(mode="after")
    def _span(self) -> Layer:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"'end' ({self.end}) must be after 'start' ({self.start})")
        return self


class DuetLayout(Model):
    """Side by side with a borrowed video, in sync. ``side`` is where the borrowed video goes and
    ``ratio`` its share of the frame; left/right keep both at the output's aspect (centred),
    top/bottom fill each part."""

    type: Literal["duet"]
    with_: str = source("media", ..., alias="with", min_length=1, max_length=1024)
    side: Literal["left", "right", "top", "bottom"] = "right"
    ratio: float = Field(0.5, ge=0.2, le=0.8)
    volume: float = Field(1.0, ge=0.0, le=4.0, description="the borrowed video's sound")


class ReactLayout(Model):
    """Picture-in-picture: the borrowed video in a corner over the creator's clips."""

    type: Literal["react"]
    with_: str = source("media", ..., alias="with", min_length=1, max_length=1024)
    corner: Literal["top_left", "top_right", "bottom_left", "bottom_right"] = "top_right"
    size: float = Field(0.33, ge=0.15, le=0.6, description="fraction of the frame width")
    volume: float = Field(1.0, ge=0.0, le=4.0, description="the borrowed video's sound")


class GreenScreenLayout(Model):
    """The borrowed video behind the creator, whose background the ``background`` effect removes."""

    type: Literal["green_screen"]
    with_: str = source("media", ..., alias="with", min_length=1, max_length=1024)
    volume: float = Field(1.0, ge=0.0, le=4.0, description="the borrowed video's sound")


Layout = Annotated[DuetLayout | ReactLayout | GreenScreenLayout, Field(discriminator="type")]
LAYOUTS = ("duet", "react", "green_screen")


class SoundOps(Model):
    """Remix operations on a sound; the API's remix takes the same ones (bounds from ``audio``)."""

    start: float = Field(0.0, ge=0.0, le=MAX_SECONDS, description="offset into the track, in seconds")
    volume: float = Field(1.0, ge=0.0, le=remix.MAX_VOLUME)
    tempo: float = Field(1.0, ge=remix.MIN_TEMPO, le=remix.MAX_TEMPO, description="speed, pitch preserved")
    pitch: float = Field(
        0.0, ge=-remix.MAX_SEMITONES, le=remix.MAX_SEMITONES, description="semitones, tempo preserved"
    )
    fade_in: float = Field(0.0, ge=0.0, le=remix.MAX_FADE)
    fade_out: float = Field(0.0, ge=0.0, le=remix.MAX_FADE)


class Sound(SoundOps):
    """A borrowed or uploaded sound, remixed on the fly: trim, tempo, pitch, fades, loop."""

    src: str = source("sound", ..., min_length=1, max_length=1024)
    start: float | Literal["auto"] = Field(  # type: ignore[assignment]
        0.0,
        description="offset into the track in seconds, or 'auto': the song's best part (its hook)",
        json_schema_extra=lambda schema: _bound_numbers(schema, 0.0, MAX_SECONDS),
    )
    loop: bool = Field(False, description="repeat the sound to cover the whole video")

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, v: object) -> object:
        # before the union: one problem at 'start' (a union would report each branch's)
        if isinstance(v, int | float) and not 0 <= v <= MAX_SECONDS:  # NaN is in no range
            raise ValueError(f"must be 0-{MAX_SECONDS:g} seconds, or 'auto'")
        return v


def _bound_numbers(schema: dict[str, Any], low: float, high: float) -> None:
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "number":
            branch.update(minimum=low, maximum=high)


class Voiceover(Model):
    """The creator's own narration over the video; the borrowed sound dips under it."""

    src: str = source("media", ..., min_length=1, max_length=1024)
    start: float = Field(0.0, ge=0.0, le=MAX_SECONDS, description="where in the video it begins, in seconds")
    volume: float = Field(1.0, ge=0.0, le=4.0)
    voice: VoiceName = None
    duck_db: float = Field(
        12.0, ge=mix.AMOUNT_DB[0], le=mix.AMOUNT_DB[1], description="how far the sound dips under it"
    )


class Ducking(Model):
    amount_db: float = Field(
        12.0, ge=mix.AMOUNT_DB[0], le=mix.AMOUNT_DB[1], description="the dip under speech"
    )
    attack: float = Field(0.05, ge=mix.ATTACK[0], le=mix.ATTACK[1])
    release: float = Field(0.4, ge=mix.RELEASE[0], le=mix.RELEASE[1])


def _also_true(schema: dict[str, Any]) -> None:
    """The JSON Schema says what ``Audio._ducking_flag`` accepts: ``true`` means default settings."""
    schema["anyOf"].insert(1, {"type": "boolean"})


class Audio(Model):
    original_volume: float = Field(1.0, ge=0.0, le=4.0)
    sound: Sound | None = None
    ducking: Ducking | None = Field(
        None,
        description="true or settings: lower the sound under speech",
        json_schema_extra=_also_true,
    )
    voiceover: Voiceover | None = None
    loudness: float | None = Field(-14.0, ge=-40.0, le=-5.0, description="integrated LUFS; null = untouched")

    @field_validator("ducking", mode="before")
    @classmethod
    def _ducking_flag(cls, v: object) -> object:
        return Ducking() if v is True else None if v is False else v


class EditSpec(Model):
    version: Literal[1] = 1
    output: Output = Output()
    clips: tuple[Clip, ...] = Field(..., min_length=1, max_length=100)
    effects: tuple[AnyEffect, ...] = ()
    face_effects: tuple[FaceEffect, ...] = Field((), description="AR effects for every clip's faces")
    overlays: tuple[TextOverlay, ...] = Field((), max_length=50)
    captions: Captions | None = Field(None, description="timed captions from an .srt or .vtt file")
    layers: tuple[Layer, ...] = Field((), max_length=16, description="timed visual layers over the clips")
    layout: Layout | None = Field(None, description="duet, react or green_screen: expands to layers")
    audio: Audio = Audio()
    sync: Literal["beats", "bars"] | None = Field(
        None, description="'beats' / 'bars': move cuts onto the sound's beats / bar starts"
    )
    commercial: bool = Field(False, description="for commercial use: cc-by-nc sounds are refused")
    preset: PresetRef | None = Field(None, description=PRESET_HELP)

    @model_validator(mode="after")
    def _measured_on_clips(self) -> EditSpec:
        for i, layer in enumerate(self.layers):
            for j, effect in enumerate(layer.effects):
                if effect.measured:
                    name = type(effect).model_fields["type"].default
                    raise ValueError(
                        f"layers[{i}].effects[{j}]: '{name}' is measured on a clip; put it in a clip's "
                        "effects (or the top-level effects, for every clip)"
                    )
        return self

    @model_validator(mode="after")
    def _last_transition(self) -> EditSpec:
        if self.clips[-1].transition is not None:
            raise ValueError(f"clips[{len(self.clips) - 1}].transition: the last clip has no next clip")
        for where, effects in (
            ("effects", self.effects),
            *((f"layers[{i}].effects", layer.effects) for i, layer in enumerate(self.layers)),
        ):
            for j, effect in enumerate(effects):
                if effect.clip_only:
                    name = type(effect).model_fields["type"].default
                    raise ValueError(
                        f"{where}[{j}]: '{name}' works on a clip's picture; use clips[i].effects"
                    )
        if self.sync is not None and self.audio.sound is None:
            raise ValueError(f"sync: '{self.sync}' needs a sound in audio.sound to take the {self.sync} from")
        return self

    def named_presets(self) -> bool:
        """Whether a preset (look, face, transition pack, text style) is named anywhere."""
        texts = [*self.overlays, *([self.captions] if self.captions else [])]
        return self.preset is not None or any(c.preset for c in self.clips) or any(t.style for t in texts)


def validate_spec(data: Mapping[str, Any]) -> EditSpec:
    """Validate JSON data against the models; every problem is reported at once. Presets named in
    the spec are kept as names: ``editor.resolve.parse_spec`` merges them."""
    if not isinstance(data, Mapping):
        raise SpecError.at("", "the spec must be a JSON object")
    try:
        return EditSpec.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # A list with a bad item also fails its length check; the item's own error is the useful one.
        errors = [e for e in errors if not (e["type"] == "too_short" and _has_child(e["loc"], errors))]
        raise SpecError([validation_problem(err) for err in errors]) from None


def _has_child(loc: tuple[Any, ...], errors: list[Any]) -> bool:
    return any(len(e["loc"]) > len(loc) and tuple(e["loc"][: len(loc)]) == tuple(loc) for e in errors)


def validation_problem(err: Any) -> tuple[str, str]:
    """One pydantic error as ``(field, reason)``, in the spec's words, with "did you mean" for names."""
    tags = EFFECTS.keys() | FACE_EFFECTS.keys()
    raw = err["loc"]
    loc = [
        p
        for i, p in enumerate(raw)
        if p not in tags and not str(p).startswith("function-") and not (i and raw[i - 1] == "layout")
    ]
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        face = "face_effects" in raw
        kind, expected = ("face effect", list(FACE_EFFECTS)) if face else ("effect", list(EFFECTS))
        if raw and raw[-1] == "layout":
            kind, expected = "layout", list(LAYOUTS)
        if err["type"] == "union_tag_not_found":
            return field, f"needs a 'type'; one of {', '.join(sorted(expected))}"
        return f"{field}.type", unknown_name(kind, err["ctx"]["tag"], expected)
    if err["type"] == "extra_forbidden":
        return field, "unknown field; check the spelling against the edit spec"
    message = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return field, message


__all__ = [
    "TRANSITIONS",
    "Audio",
    "Border",
    "Box",
    "Captions",
    "Clip",
    "EditSpec",
    "Layer",
    "Layout",
    "Output",
    "Sound",
    "SoundOps",
    "TextOverlay",
    "Transition",
    "Voiceover",
    "validate_spec",
]
