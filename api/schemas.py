"""Request and response bodies of the HTTP API (separate from the engine's types)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from api.core.db import as_utc
from audio import remix
from editor.spec import SoundOps
from editor.spec_schema import EXAMPLES
from editor.text.models import MAX_TEXT

MediaKind = Literal["video", "image", "audio", "captions"]  # captions: an .srt or .vtt file
MediaStatus = Literal["pending", "processing", "ready", "rejected"]
RenderStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
UTCDateTime = Annotated[datetime, AfterValidator(as_utc)]  # SQLite hands back naive UTC values


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Problem(Output):
    field: str
    reason: str


class ErrorDetail(Output):
    code: str = Field(..., examples=["not_found"])
    message: str = Field(..., examples=["media not found"])
    problems: list[Problem] = Field(default=[], description="at most 50, each field and reason clipped")
    omitted: int = Field(default=0, description="problems found but not listed (beyond the first 50)")


class ErrorResponse(Output):
    error: ErrorDetail


# --- media -------------------------------------------------------------------------------------


class MediaCreate(Input):
    kind: MediaKind
    filename: str = Field(..., min_length=1, max_length=255, description="display only; never a path")
    size: int = Field(..., gt=0, le=1 << 50, description="bytes the client will upload", examples=[1_843_200])

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "video", "filename": "beach.mp4", "size": 1843200}]},
    )


class UploadPartPublic(Output):
    part_number: int
    url: str


class UploadInstructions(Output):
    method: Literal["PUT", "POST"]
    url: str
    headers: dict[str, str] = {}
    fields: dict[str, str] = Field(default={}, description="form fields to send before the file (POST)")
    parts: list[UploadPartPublic] = Field(default=[], description="multipart: PUT each part, keep each ETag")
    part_size: int | None = None


class MediaUpload(Output):
    id: str
    upload: UploadInstructions


class CompletedPart(Input):
    part_number: int = Field(..., ge=1, le=10000)
    etag: str = Field(..., min_length=1, max_length=200)


class MediaComplete(Input):
    parts: list[CompletedPart] = Field(default=[], max_length=10000, description="multipart uploads only")


class MediaPublic(Output):
    id: str
    kind: MediaKind
    filename: str
    status: MediaStatus
    size: int | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    has_audio: bool | None = None
    content_type: str | None = None
    reason: str | None = Field(default=None, description="why it was rejected")
    reason_code: str | None = None
    url: str | None = Field(default=None, description="presigned GET of the normalised media")
    thumbnail_url: str | None = None
    created_at: UTCDateTime


class MediaList(Output):
    items: list[MediaPublic]


# --- sounds ------------------------------------------------------------------------------------


class SoundCreate(Input):
    media_id: str = Field(..., max_length=64)
    title: str = Field(..., min_length=1, max_length=200)
    license: Literal["original", "cc0", "cc-by", "cc-by-nc"] = Field(
        default="original",
        description="original: all rights reserved (reuse only as allow_reuse says); cc-by needs the "
        "credit; cc-by-nc also forbids commercial renders; a remix inherits the strictest in its lineage",
    )
    allow_reuse: bool = False
    published: bool = False


MatchSound = Annotated[str, Field(pattern=r"^match:[0-9A-Za-z_-]{1,64}$", examples=["match:<sound id>"])]


class RemixOps(SoundOps):
    """The spec's sound operations (``editor.spec.SoundOps``: one declaration of their ranges), plus
    where the new sound ends; ``tempo`` and ``pitch`` may also match another sound."""

    model_config = ConfigDict(extra="forbid", frozen=False)

    tempo: Annotated[float, Field(ge=remix.MIN_TEMPO, le=remix.MAX_TEMPO)] | MatchSound = Field(  # type: ignore[assignment]
        default=1.0, description="speed, pitch preserved; or 'match:<sound id>': that sound's tempo"
    )
    pitch: Annotated[float, Field(ge=-remix.MAX_SEMITONES, le=remix.MAX_SEMITONES)] | MatchSound = Field(  # type: ignore[assignment]
        default=0.0, description="semitones, tempo preserved; or 'match:<sound id>': into that sound's key"
    )
    end: float | None = Field(default=None, gt=0.0, description="default: the parent's end")


class SoundRemixCreate(Input):
    title: str | None = Field(
        default=None, min_length=1, max_length=200, description="default: '<title> (remix)'"
    )
    ops: RemixOps = RemixOps()
    license: Literal["original", "cc0", "cc-by", "cc-by-nc"] = Field(
        default="original", description="at least as strict as the parent's lineage"
    )
    allow_reuse: bool = False
    published: bool = False


class SoundUpdate(Input):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    allow_reuse: bool | None = None
    published: bool | None = None


class Credit(Output):
    sound_id: str | None = Field(default=None, description="the sound credited (sound credits)")
    video_id: str | None = Field(default=None, description="the video borrowed (duet and stitch credits)")
    title: str
    owner: str
    license: str
    role: str = Field(default="sound", examples=["sound", "original", "remix_of", "duet", "stitch"])
    text: str = Field(
        default="", examples=["Original sound - @mia", "Remix of 'Night drive' by @mia", "Duet with @mia"]
    )


class SoundPublic(Output):
    id: str
    title: str
    owner: str = Field(..., description="the owner's user name")
    owner_id: str
    license: str
    allow_reuse: bool
    published: bool
    usage_count: int
    duration: float | None = None
    parent_id: str | None = None
    original_id: str | None = Field(default=None, description="the earlier sound this re-upload duplicates")
    lineage: list[str] = Field(default=[], description="ids from this sound's parent back to the root")
    credits: list[Credit] = []
    analysis: dict[str, Any] | None = None
    preview_url: str | None = Field(
        default=None,
        description="presigned GET to listen to the sound; null for a sound taken from another user's "
        "video (the link would hand out the video)",
    )
    created_at: UTCDateTime


class SoundList(Output):
    items: list[SoundPublic]


class TrendingSound(Output):
    sound: SoundPublic
    score: float = Field(..., description="time-decayed uses (half-life 24 h)")


class TrendingList(Output):
    items: list[TrendingSound]


# --- videos ------------------------------------------------------------------------------------


class VideoPublish(Input):
    title: str = Field(default="untitled", min_length=1, max_length=200)
    allow_duet: bool = Field(
        default=False, description="others may put it beside or in theirs (layouts, layers)"
    )
    allow_stitch: bool = Field(default=False, description="others may open theirs with up to 5 s of it")
    allow_sound_reuse: bool = Field(default=False, description="others may borrow its original sound")


class VideoUpdate(Input):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    allow_duet: bool | None = None
    allow_stitch: bool | None = None
    allow_sound_reuse: bool | None = None


class VideoPublic(Output):
    id: str = Field(..., description="the render's id; specs name it as video:<id>")
    title: str
    owner: str = Field(..., description="the owner's user name")
    owner_id: str
    published: bool
    allow_duet: bool
    allow_stitch: bool
    allow_sound_reuse: bool
    sound_id: str | None = Field(default=None, description="its original sound (null when silent)")
    duration: float | None = None
    url: str | None = Field(default=None, description="presigned GET of the video, valid for minutes")
    credits: list[Credit] = Field(default=[], description="everyone the video itself owes")
    derivatives: int = Field(default=0, description="published duets and stitches made from it")
    published_at: UTCDateTime


class VideoList(Output):
    items: list[VideoPublic]


class Derivative(Output):
    kind: Literal["duet", "stitch"]
    video: VideoPublic


class DerivativeList(Output):
    items: list[Derivative]


# --- renders -----------------------------------------------------------------------------------

TEMPLATE_EXAMPLE: dict[str, Any] = {
    "template": "beat-5",
    "clips": ["media:3f2b9c0d4e5f4a1b8c7d6e5f4a3b2c1d"],
    "texts": {"title": "My day"},
    "sound": "sound:9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5d",
}


# An edit spec in a body: a plain object at run time, documented by the spec's JSON Schema that
# ``api.main`` adds to the OpenAPI components (``editor.spec_schema``, form "api"). A request's spec
# is validated by ``editor.resolve.parse_spec`` in the service, so every problem is reported at once
# as ``spec.<field>`` (FastAPI's own validation would stop at the type and answer in its own shape).
SpecObject = Annotated[dict[str, Any], WithJsonSchema({"$ref": "#/components/schemas/EditSpec"})]


class RenderCreate(Input):
    spec: SpecObject | None = Field(
        default=None, description="an edit spec v1; files are media:<id> and sound:<id> references"
    )
    template: str | None = Field(
        default=None, max_length=64, description="instead of a spec: a template id (GET /v1/presets)"
    )
    clips: list[Annotated[str, Field(max_length=64)]] = Field(
        default=[], max_length=100, description="template renders: media:<id> clips"
    )
    texts: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=MAX_TEXT)]] = Field(
        default={}, max_length=50, description="template renders: text placeholders by key"
    )
    sound: str | None = Field(default=None, max_length=64, description="template renders: the sound:<id>")
    webhook_url: str | None = Field(
        default=None, max_length=2048, examples=["https://example.com/hooks/reelforge"]
    )
    draft: bool = Field(default=False, description="a fast, small preview render")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"spec": EXAMPLES["api"], "draft": True}, TEMPLATE_EXAMPLE]},
    )

    @model_validator(mode="after")
    def _spec_or_template(self) -> RenderCreate:
        if (self.spec is None) == (self.template is None):
            raise ValueError("give either 'spec' or 'template'")
        if self.template is None and (self.clips or self.texts or self.sound):
            raise ValueError("'clips', 'texts' and 'sound' go with 'template'")
        if self.template is not None and not self.clips:
            raise ValueError("a template render needs 'clips'")
        return self


class RenderFailure(Output):
    code: str = Field(..., examples=["sound_reuse_revoked"])
    message: str


class RenderAccepted(Output):
    id: str
    status: RenderStatus


class RenderPublic(Output):
    id: str
    status: RenderStatus
    progress: float = Field(..., ge=0, le=1)
    error: RenderFailure | None = None
    credits: list[Credit] = []
    warnings: list[str] = []
    output_url: str | None = Field(default=None, description="presigned GET, valid for minutes")
    preview_url: str | None = Field(
        default=None,
        description="while running: the progressive preview (an HLS playlist of fMP4 segments that "
        "grows as the render goes), a signed link valid for minutes; null until its first segment",
    )
    duration: float | None = None
    size: int | None = None
    attempts: int
    created_at: UTCDateTime
    finished_at: UTCDateTime | None = None
    engine_version: str | None = Field(default=None, description="the engine the spec was resolved for")
    spec: SpecObject | None = Field(
        default=None,
        description="GET of one render: the spec resolved at submit (presets merged), which is what renders",
    )


class RenderList(Output):
    items: list[RenderPublic]


class Health(Output):
    status: Literal["ok"]


# --- presets -----------------------------------------------------------------------------------


class PresetPublic(Output):
    id: str
    name: str
    description: str
    category: Literal["look", "face", "transition_pack", "text", "template"]
    tags: list[str]
    version: int
    thumbnail_url: str | None = Field(default=None, description="PNG; null until previews are generated")
    preview_url: str | None = Field(default=None, description="a 2 s MP4; null until previews are generated")
    parameters: dict[str, Any] | None = Field(default=None, description="the whole preset (GET one)")


class PresetList(Output):
    items: list[PresetPublic]


# --- catalog -----------------------------------------------------------------------------------


class CatalogItem(Output):
    name: str = Field(..., examples=["vignette"])
    description: str
    parameters: dict[str, dict[str, Any]] = Field(
        ..., description="per parameter: type, default, minimum/maximum, enum, nullable, description"
    )


class Catalog(Output):
    transitions: list[CatalogItem]
    effects: list[CatalogItem]
    face_effects: list[CatalogItem]
    stickers: list[str] = Field(..., description="built-in sticker assets (or an image upload: media:<id>)")
    anchors: list[str]
    spec_schema: dict[str, Any] = Field(..., description="the JSON Schema of an edit spec v1")
