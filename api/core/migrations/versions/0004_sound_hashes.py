"""sound hashes: the duplicate-detection lookup table, backfilled from the originals' fingerprints

Revision ID: 0004_sound_hashes
Revises: 0003_durable_outbox
Create Date: 2026-12-16 10:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004_sound_hashes"
down_revision = "0003_durable_outbox"
branch_labels = None
depends_on = None

FINGERPRINT_VERSION = 1  # the version whose hashes the table holds (api.services.sounds.FINGERPRINT_VERSION then)
SOUNDS_PER_BATCH = 25  # a 15-min sound's JSON holds ~160k pairs: keep a page of them small
ROWS_PER_INSERT = 10_000


def upgrade() -> None:
    op.create_table(
        "sound_hashes",
        sa.Column("sound_id", sa.String(length=32), nullable=False),
        sa.Column("hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("frame", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["sound_id"], ["sounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sound_id", "hash", "frame"),
    )
    _backfill()
    # after the bulk load: building the index once is cheaper than maintaining it row by row
    with op.batch_alter_table("sound_hashes", schema=None) as batch_op:
        batch_op.create_index("ix_sound_hashes_hash", ["hash"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # statistics now, not at autovacuum's leisure: without them the planner scans the whole
        # table for ``hash IN (...)`` (measured: 0.3 s vs 25 ms on 160k rows)
        op.execute("ANALYZE sound_hashes")


def _backfill() -> None:
    """The postings of every original sound with a current fingerprint, read from its JSON
    ``{"version", "pairs": [[hash, frame], ...], "duration"}`` a page of sounds at a time."""
    conn = op.get_bind()
    sounds = sa.table(
        "sounds",
        sa.column("id", sa.String()),
        sa.column("original_id", sa.String()),
        sa.column("fingerprint", sa.JSON()),
    )
    hashes = sa.table(
        "sound_hashes",
        sa.column("sound_id", sa.String()),
        sa.column("hash", sa.BigInteger()),
        sa.column("frame", sa.Integer()),
    )
    last = ""
    while True:
        page = conn.execute(
            sa.select(sounds.c.id, sounds.c.fingerprint)
            .where(sounds.c.original_id.is_(None), sounds.c.fingerprint.is_not(None), sounds.c.id > last)
            .order_by(sounds.c.id)
            .limit(SOUNDS_PER_BATCH)
        ).all()
        if not page:
            return
        rows: list[dict[str, Any]] = []
        for sound_id, stored in page:
            if not isinstance(stored, dict) or stored.get("version") != FINGERPRINT_VERSION:
                continue
            for h, t in sorted({(int(h), int(t)) for h, t in stored.get("pairs") or ()}):
                rows.append({"sound_id": sound_id, "hash": h, "frame": t})
            if len(rows) >= ROWS_PER_INSERT:
                conn.execute(hashes.insert(), rows)
                rows = []
        if rows:
            conn.execute(hashes.insert(), rows)
        last = page[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("sound_hashes", schema=None) as batch_op:
        batch_op.drop_index("ix_sound_hashes_hash")
    op.drop_table("sound_hashes")
