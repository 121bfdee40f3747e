"""``reelforge db upgrade``: apply the schema migrations."""

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

    app.add_typer(group, name="db")
