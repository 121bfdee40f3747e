"""videos: published renders with reuse rights, their uses by other renders, and the link from a
video's original sound to the video

Revision ID: 0006_videos
Revises: 0005_render_engine_version
Create Date: 2026-12-20 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_videos"
down_revision = "0005_render_engine_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "videos",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("allow_duet", sa.Boolean(), nullable=False),
        sa.Column("allow_stitch", sa.Boolean(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["renders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.create_index(
            "ix_videos_owner_published", ["owner_id", "published", "published_at"], unique=False
        )
    op.create_table(
        "video_uses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("video_id", sa.String(length=32), nullable=False),
        sa.Column("render_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["render_id"], ["renders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["video_id"], ["videos.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("render_id", "video_id", "kind"),
    )
    with op.batch_alter_table("video_uses", schema=None) as batch_op:
        batch_op.create_index("ix_video_uses_video", ["video_id", "used_at"], unique=False)
    with op.batch_alter_table("sounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("video_id", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_sounds_video_id", ["video_id"], unique=False)
        batch_op.create_foreign_key("fk_sounds_video_id", "videos", ["video_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("sounds", schema=None) as batch_op:
        batch_op.drop_constraint("fk_sounds_video_id", type_="foreignkey")
        batch_op.drop_index("ix_sounds_video_id")
        batch_op.drop_column("video_id")
    with op.batch_alter_table("video_uses", schema=None) as batch_op:
        batch_op.drop_index("ix_video_uses_video")
    op.drop_table("video_uses")
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_index("ix_videos_owner_published")
    op.drop_table("videos")
