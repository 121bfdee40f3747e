"""``reelforge db upgrade`` (schema migrations) and ``db reanalyze`` (sounds analysed by an older version)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import needs


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)

    @group.command("upgrade")
    def upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
        """Apply migrations to REELFORGE_DATABASE_URL (default: SQLite under REELFORGE_HOME)."""
        with needs("server"):
            from api.core import db
            from api.core.config import Settings

        settings = Settings()
        db.upgrade(settings.db_url, revision)
        typer.echo(f"database at revision {revision}")

    @group.command("reanalyze")
    def reanalyze() -> None:
        """Re-analyse the sounds an older ReelForge analysed (after an upgrade that adds analysis
        fields: phrases, key, highlights); renders meanwhile analyse such sounds again themselves."""
        with needs("server"):
            from api.core.config import Settings
            from api.core.context import Services
            from api.services.reanalysis import reanalyze as run

        services = Services.build(Settings())
        try:

            def report(sound_id: str, error: str | None) -> None:
                typer.echo(f"sound {sound_id}: " + ("analysed" if error is None else f"failed: {error}"))

            updated, failed = run(services, report)
        finally:
            services.close()
        typer.echo(f"{updated} sound(s) re-analysed, {failed} failed")
        if failed:
            typer.echo(f"error: {failed} sound(s) could not be analysed: fix or delete them", err=True)
            raise typer.Exit(1)

    app.add_typer(group, name="db")
