"""durable outbox: webhook deliveries as rows; media processing claims with a start time;
an index for the per-user queue quota

Revision ID: 0003_durable_outbox
Revises: 0002_scale_out
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003_durable_outbox"
down_revision = "0002_scale_out"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("render_id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["render_id"], ["renders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("render_id", "event"),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False)

    with op.batch_alter_table("renders", schema=None) as batch_op:
        batch_op.create_index("ix_renders_owner_status", ["owner_id", "status"], unique=False)

    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(sa.Column("processing_started_at", sa.DateTime(timezone=True), nullable=True))
    # a media row already ``processing`` counts from now: if its process died, it becomes stale after
    # ``media_processing_timeout`` like any other claim
    media = sa.table(
        "media", sa.column("status", sa.String()), sa.column("processing_started_at", sa.DateTime(timezone=True))
    )
    op.execute(
        media.update()
        .where(media.c.status == "processing")
        .values(processing_started_at=datetime.now(UTC))
    )


def downgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_column("processing_started_at")
    with op.batch_alter_table("renders", schema=None) as batch_op:
        batch_op.drop_index("ix_renders_owner_status")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_due")
    op.drop_table("webhook_deliveries")
