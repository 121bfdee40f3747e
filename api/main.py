"""The FastAPI app factory. ``create_app(settings)`` is what ``reelforge serve`` and the tests run."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api import errors
from api.bodies import BodyGuard
from api.core.config import Settings
from api.core.context import Services
from api.core.warmup import keep_request_threads
from api.jobs.queue import JobQueue, make_queue
from api.routes import admin, catalog, health, media, presets, renders, sounds, studio, videos
from editor.spec_schema import spec_json_schema

log = logging.getLogger("reelforge.api")
REQUEST_THREADS = 32  # kept started: a burst this wide never waits for threads to start

DESCRIPTION = """Upload clips, publish and borrow sounds, submit render jobs, download results.

Every route except `/healthz` and these docs needs `Authorization: Bearer <token>`
(`reelforge users create NAME`); `REELFORGE_DOCS=false` turns the docs off.
Errors always have the shape `{"error": {"code", "message", "problems": [{"field", "reason"}]}}`.
"""


def create_app(settings: Settings | None = None, *, queue: JobQueue | None = None) -> FastAPI:
    settings = settings or Settings()
    services = Services.build(settings)
    job_queue = queue or make_queue(services)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        job_queue.start()
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(keep_request_threads, REQUEST_THREADS)
                yield
                tasks.cancel_scope.cancel()
        finally:
            job_queue.stop()
            services.close()

    docs = settings.docs  # public when on: they describe the API and hold no data
    app = FastAPI(
        title="ReelForge",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.services = services
    app.state.queue = job_queue
    errors.install(app)
    app.add_middleware(BodyGuard, max_bytes=settings.max_json_bytes, max_depth=settings.max_json_depth)
    for module in (health, media, sounds, renders, videos, presets, catalog, admin, studio):
        app.include_router(module.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with its default 422 body replaced by ours (one error shape everywhere)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            unprocessable = operation.get("responses", {}).get("422")
            if unprocessable:
                unprocessable["content"] = {"application/json": {"schema": ref}}
    components = schema.get("components", {}).get("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components.update(_spec_components(components))
    app.openapi_schema = schema
    return schema


def _spec_components(taken: dict[str, Any]) -> dict[str, Any]:
    """The edit spec's JSON Schema as components: ``EditSpec`` (what ``RenderCreate.spec`` refers
    to) and one per model it uses, generated from the engine's pydantic models."""
    spec = spec_json_schema("api", ref_template="#/components/schemas/{model}")
    spec.pop("$schema")
    models = {**spec.pop("$defs"), "EditSpec": spec}
    clashes = sorted(name for name in models if name in taken)
    if clashes:
        raise RuntimeError(f"API schemas and edit spec models share component names: {clashes}")
    return models
