"""``reelforge users create NAME [--json]``: a user and their bearer token (shown once)."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="API users and their tokens.", no_args_is_help=True)

    @group.command("create")
    def create(
        name: Annotated[str, typer.Argument(help="a unique user name")],
        as_json: Annotated[bool, typer.Option("--json", help='print {"id", "name", "token"}')] = False,
    ) -> None:
        """Create a user; the token is printed once and stored only as a hash."""
        from sqlalchemy.exc import IntegrityError

        from api import db
        from api.auth import create_user
        from api.config import Settings

        if not 1 <= len(name) <= 100:
            raise typer.BadParameter("the name must be 1 to 100 characters")
        settings = Settings()
        if settings.is_embedded_db:
            db.upgrade(settings.db_url)
        engine = db.make_engine(settings.db_url)
        try:
            with db.make_sessionmaker(engine)() as session:
                user, token = create_user(session, name)
                session.commit()
        except IntegrityError:
            typer.echo(f"error: a user named {name!r} already exists", err=True)
            raise typer.Exit(1) from None
        finally:
            engine.dispose()
        if as_json:
            typer.echo(json.dumps({"id": user.id, "name": user.name, "token": token}))
        else:
            typer.echo(f"created user {user.name} ({user.id})\ntoken (shown once): {token}")

    app.add_typer(group, name="users")
