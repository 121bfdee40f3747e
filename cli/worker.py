"""``reelforge worker``: a Celery worker that renders the jobs ``serve`` enqueues on Redis."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from cli.common import needs, report_ffmpeg


def register(app: typer.Typer) -> None:
    @app.command("worker")
    def worker(
        concurrency: Annotated[
            int, typer.Option("--concurrency", "-c", min=1, max=64, help="renders at once (pool processes)")
        ] = max(1, os.cpu_count() or 1),
        loglevel: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING, ERROR")] = "INFO",
    ) -> None:
        """Render jobs from REELFORGE_QUEUE_URL (Redis) on this machine; run it on as many as you like.
        Needs the API's REELFORGE_DATABASE_URL (PostgreSQL across machines) and REELFORGE_STORAGE_URL."""
        with needs("celery"):
            from api.core.config import Settings
            from api.jobs.celery_app import run_worker

        logging.basicConfig(level=loglevel.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        report_ffmpeg()
        settings = Settings()
        if not settings.queue_url:
            typer.echo("error: set REELFORGE_QUEUE_URL=redis://... (where `serve` enqueues)", err=True)
            raise typer.Exit(2)
        run_worker(settings, concurrency, loglevel.upper())
