"""``reelforge serve``: the API and, in the embedded default, its render workers."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from cli.common import needs, report_ffmpeg


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
        workers: Annotated[
            int | None, typer.Option(help="render worker processes (default REELFORGE_WORKERS)")
        ] = None,
        migrate: Annotated[
            bool, typer.Option(help="apply migrations first (default: embedded SQLite only)")
        ] = False,
    ) -> None:
        """Start the HTTP API (uvicorn); queued and orphaned renders resume automatically.
        With REELFORGE_QUEUE_URL set it only enqueues: `reelforge worker` processes render."""
        with needs("server"):
            import uvicorn

            from api.core import db
            from api.core.config import Settings
            from api.core.warmup import start_warmup
            from api.main import create_app

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        report_ffmpeg()
        overrides: dict[str, object] = {}
        if workers is not None:
            overrides["workers"] = workers
        settings = Settings(**overrides)  # type: ignore[arg-type]
        if settings.public_url is None:
            settings.public_url = f"http://{host}:{port}"
        if migrate or settings.is_embedded_db:
            db.upgrade(settings.db_url)
        start_warmup()
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=False)
