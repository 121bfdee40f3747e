"""``reelforge users create NAME [--json]``: a user and their bearer token (shown once)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.common import fail, needs


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="API users and their tokens.", no_args_is_help=True)

    @group.command("create")
    def create(
        name: Annotated[str, typer.Argument(help="a unique @handle: letters, digits, _ and .")],
        as_json: Annotated[bool, typer.Option("--json", help='print {"id", "name", "token"}')] = False,
    ) -> None:
        """Create a user; the token is printed once and stored only as a hash."""
        with needs("server"):
            from sqlalchemy.exc import IntegrityError

            from api.core import db
            from api.core.auth import create_user
            from api.core.config import Settings
            from editor.errors import Conflict, ReelForgeError

        settings = Settings()
        if settings.is_embedded_db:
            db.upgrade(settings.db_url)
        engine = db.make_engine(settings.db_url)
        try:
            with db.make_sessionmaker(engine)() as session:
                user, token = create_user(session, name)
                session.commit()
        except IntegrityError:  # created by someone else between the check and the commit
            fail(Conflict(f"a user named {name!r} already exists"), debug=False)
        except ReelForgeError as exc:
            fail(exc, debug=False)
        finally:
            engine.dispose()
        if as_json:
            typer.echo(json.dumps({"id": user.id, "name": user.name, "token": token}))
        else:
            typer.echo(f"created user {user.name} ({user.id})\ntoken (shown once): {token}")

    app.add_typer(group, name="users")
