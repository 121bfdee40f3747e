"""/studio: ReelForge Studio, a web page that makes a video through the public /v1 API only.

The page is static files in ``api/studio/`` (plain ES modules and CSS, no build step), served with
a Content-Security-Policy that allows no inline script or style: scripts, styles and API calls go to
this origin only, media and uploads also to the object store's origin when presigned URLs point
there (S3). Only the files found in that folder at import time are served, by exact name.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from api.core.context import Services
from api.deps import ServicesDep
from editor.errors import NotFound

ROOT = Path(__file__).resolve().parents[1] / "studio"
FILES = {p.relative_to(ROOT).as_posix(): p for p in ROOT.rglob("*") if p.is_file() and p.name[0] != "."}
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}

router = APIRouter(tags=["studio"], include_in_schema=False)


def content_security_policy(services: Services) -> str:
    """Same origin for everything, plus the store's origin for presigned media and uploads (asked
    of the storage per page load: presigning makes no request, and settings stay the one truth)."""
    extra = list(services.storage.client_origins())
    if services.settings.public_url:  # local presigned URLs are absolute on the public URL
        public = urlparse(services.settings.public_url)
        extra.append(f"{public.scheme}://{public.netloc}")
    store = " ".join(["'self'", *extra])
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {store} blob: data:",
            f"media-src {store} blob:",
            f"connect-src {store}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _headers(services: Services) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(services),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",  # revalidated each load: a new version shows at once
    }


@router.get("/studio")
def studio_root() -> RedirectResponse:
    return RedirectResponse("/studio/", status_code=307)


@router.get("/studio/{name:path}")
def studio_file(services: ServicesDep, name: str = "") -> FileResponse:
    path = FILES.get(name or "index.html")
    if path is None:
        raise NotFound.of("file")
    return FileResponse(path, media_type=TYPES.get(path.suffix), headers=_headers(services))
