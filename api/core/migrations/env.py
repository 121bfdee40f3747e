"""Alembic environment: the URL comes from the Config built by ``api.core.db.alembic_config``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from api.core.models import Base

config = context.config


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "alembic needs sqlalchemy.url (use api.core.db.alembic_config)"
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
