"""/v1/presets: looks, face effects, transition packs, text styles and templates, with their preview files.

Previews are made by ``reelforge presets previews -o $REELFORGE_HOME/previews``; until then the
URLs are null and the file routes answer 404.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from api import schemas
from api.core.context import Services
from api.deps import ServicesDep, UserDep
from api.routes import COMMON_ERRORS, responses
from editor.errors import NotFound, SpecError
from editor.presets import AnyPreset, default_library

router = APIRouter(prefix="/v1/presets", tags=["presets"], responses=COMMON_ERRORS)

Category = Literal["look", "face", "transition_pack", "text", "template"]
FILES = {"thumbnail.png": ("png", "image/png"), "preview.mp4": ("mp4", "video/mp4")}


def previews_dir(services: Services) -> Path:
    return services.settings.home.resolve() / "previews"


def _public(preset: AnyPreset, request: Request, folder: Path, full: bool) -> schemas.PresetPublic:
    urls: dict[str, str | None] = {}
    for name, (suffix, _) in FILES.items():
        exists = (folder / f"{preset.id}.{suffix}").is_file()
        urls[name] = str(request.url_for("preset_file", preset_id=preset.id, name=name)) if exists else None
    return schemas.PresetPublic(
        **preset.summary(),
        thumbnail_url=urls["thumbnail.png"],
        preview_url=urls["preview.mp4"],
        parameters=preset.model_dump(mode="json") if full else None,
    )


def _find(preset_id: str) -> AnyPreset:
    try:
        return default_library().get(preset_id, field="preset_id")
    except SpecError as exc:
        raise NotFound(exc.message, problems=exc.problems) from None


@router.get("", response_model=schemas.PresetList)
def list_presets(
    request: Request,
    user: UserDep,
    services: ServicesDep,
    category: Annotated[Category | None, Query(description="only this category")] = None,
) -> schemas.PresetList:
    """Every preset, sorted by category then id."""
    folder = previews_dir(services)
    items = [_public(p, request, folder, full=False) for p in default_library().listing(category)]
    return schemas.PresetList(items=items)


@router.get("/{preset_id}", response_model=schemas.PresetPublic, responses=responses(404))
def get_preset(
    preset_id: str, request: Request, user: UserDep, services: ServicesDep
) -> schemas.PresetPublic:
    """One preset with all its parameters; an unknown id suggests close ones."""
    return _public(_find(preset_id), request, previews_dir(services), full=True)


@router.get("/{preset_id}/{name}", name="preset_file", response_class=FileResponse, responses=responses(404))
def preset_file(preset_id: str, name: str, user: UserDep, services: ServicesDep) -> FileResponse:
    """``thumbnail.png`` or ``preview.mp4`` of a preset."""
    preset = _find(preset_id)
    if name not in FILES:
        raise NotFound.of("preview file")
    suffix, media_type = FILES[name]
    path = previews_dir(services) / f"{preset.id}.{suffix}"
    if not path.is_file():
        raise NotFound("no preview yet; run `reelforge presets previews -o $REELFORGE_HOME/previews`")
    return FileResponse(path, media_type=media_type, filename=f"{preset.id}-{name}")
