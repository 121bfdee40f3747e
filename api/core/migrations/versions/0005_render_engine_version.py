"""renders keep the engine version their resolved spec was made for

Revision ID: 0005_render_engine_version
Revises: 0004_sound_hashes
Create Date: 2026-11-30 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_render_engine_version"
down_revision = "0004_sound_hashes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("renders") as batch:
        batch.add_column(sa.Column("engine_version", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("renders") as batch:
        batch.drop_column("engine_version")
