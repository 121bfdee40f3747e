"""Database tables (SQLAlchemy 2). Changes here need an Alembic revision in ``api/core/migrations``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Media(Base):
    __tablename__ = "media"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(255))
    declared_size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, processing, ready, rejected
    upload_key: Mapped[str] = mapped_column(String(512))
    multipart_upload_id: Mapped[str | None] = mapped_column(String(1024))
    key: Mapped[str | None] = mapped_column(String(512))
    thumbnail_key: Mapped[str | None] = mapped_column(String(512))
    content_type: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    duration: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    has_audio: Mapped[bool | None] = mapped_column(Boolean)
    reject_code: Mapped[str | None] = mapped_column(String(40))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 0003: when the current ``processing`` claim was taken (null otherwise); a claim older than
    # ``media_processing_timeout`` belonged to a process that died and may be taken over
    processing_started_at: Mapped[datetime | None] = mapped_column()


class Sound(Base):
    __tablename__ = "sounds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    license: Mapped[str] = mapped_column(String(64))
    allow_reuse: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("sounds.id", ondelete="SET NULL"))
    original_id: Mapped[str | None] = mapped_column(ForeignKey("sounds.id", ondelete="SET NULL"))
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fingerprint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 0006: the published video whose soundtrack this is (its "original sound"); its lineage runs
    # through that video's render to every sound and video the render borrowed
    video_id: Mapped[str | None] = mapped_column(ForeignKey("videos.id", ondelete="SET NULL"), index=True)


class SoundHash(Base):
    """The duplicate-detection lookup table (0004): one row per landmark hash of an *original* sound
    (``original_id`` null) whose fingerprint is of the current version; ``find_original`` reads only
    the rows of the query's hashes. ``Sound.fingerprint`` stays the record of truth these rows are
    built from, and only ``api.services.sounds.write_fingerprint`` writes either. Hashes are uint32, hence
    BIGINT. The primary key leads with ``sound_id``, so it also serves the cascade and rebuilds."""

    __tablename__ = "sound_hashes"
    __table_args__ = (Index("ix_sound_hashes_hash", "hash"),)

    sound_id: Mapped[str] = mapped_column(ForeignKey("sounds.id", ondelete="CASCADE"), primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    frame: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class SoundUse(Base):
    """One row per (render, sound) that succeeded: the usage count and trending read from here."""

    __tablename__ = "sound_uses"
    __table_args__ = (UniqueConstraint("render_id", "sound_id"), Index("ix_sound_uses_used_at", "used_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sound_id: Mapped[str] = mapped_column(ForeignKey("sounds.id", ondelete="CASCADE"), index=True)
    render_id: Mapped[str] = mapped_column(ForeignKey("renders.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class Render(Base):
    __tablename__ = "renders"
    __table_args__ = (
        UniqueConstraint("owner_id", "idempotency_key"),
        Index("ix_renders_claim", "status", "created_at"),
        Index("ix_renders_owner_status", "owner_id", "status"),  # the per-user queue quota
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # resolved at submit: presets merged (0005)
    engine_version: Mapped[str | None] = mapped_column(String(40))  # the engine it was resolved for
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    request_hash: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None] = mapped_column(Text)
    credits: Mapped[list[Any] | None] = mapped_column(JSON)
    warnings: Mapped[list[Any] | None] = mapped_column(JSON)
    output_key: Mapped[str | None] = mapped_column(String(512))
    output_duration: Mapped[float | None] = mapped_column(Float)
    output_size: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    # scale-out (0002): last hand-over to the broker; the committed result still waiting to be copied
    # to ``output_key``; how long the successful attempt ran and how long the render waited first
    enqueued_at: Mapped[datetime | None] = mapped_column()
    staged_key: Mapped[str | None] = mapped_column(String(512))
    run_seconds: Mapped[float | None] = mapped_column(Float)
    wait_seconds: Mapped[float | None] = mapped_column(Float)


class RenderPiece(Base):
    """One piece of a split render's attempt (0007): any worker may claim it with a lease, render
    it and upload it to ``output_key``; the attempt's coordinator renders the sound, joins the
    pieces and keeps those it rendered itself locally (``output_key`` null)."""

    __tablename__ = "render_pieces"

    render_id: Mapped[str] = mapped_column(ForeignKey("renders.id", ondelete="CASCADE"), primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # the piece's own edit, its time from 0
    start: Mapped[float] = mapped_column(Float)
    duration: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # running, done, failed
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    tries: Mapped[int] = mapped_column(Integer, default=0)
    output_key: Mapped[str | None] = mapped_column(String(512))
    error_message: Mapped[str | None] = mapped_column(Text)
    seconds: Mapped[float | None] = mapped_column(Float)  # what rendering it cost (the cost model)


class Video(Base):
    """A published render (0006). Its id is the render's, so ``video:<id>`` and ``/v1/renders/<id>``
    name the same thing; ``published`` false (unpublished by DELETE) keeps the row for the credits
    and lineage of what was made from it, and makes it invisible to everyone else. Whether its
    sound may be borrowed is its original sound's ``allow_reuse`` (one switch, not two)."""

    __tablename__ = "videos"
    __table_args__ = (Index("ix_videos_owner_published", "owner_id", "published", "published_at"),)

    id: Mapped[str] = mapped_column(ForeignKey("renders.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    allow_duet: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_stitch: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VideoUse(Base):
    """One row per (render, borrowed video, kind) of a render that succeeded: derivatives and trending
    read from here. ``kind`` is ``stitch`` (a clip) or ``duet`` (a layer or a layout)."""

    __tablename__ = "video_uses"
    __table_args__ = (
        UniqueConstraint("render_id", "video_id", "kind"),
        Index("ix_video_uses_video", "video_id", "used_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    render_id: Mapped[str] = mapped_column(ForeignKey("renders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """The webhook outbox: one row per (render, event), written in the transaction that ends the
    render or right after it, and delivered by ``api.jobs.webhooks.WebhookSender`` in any process.
    ``next_attempt_at`` is both the retry time of a ``pending`` row and, while an attempt runs, its
    lease: claiming a due row moves it forward, so no other dispatcher takes the row meanwhile."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("render_id", "event"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    render_id: Mapped[str] = mapped_column(ForeignKey("renders.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(2048))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()


class Worker(Base):
    """A render worker process (a Celery worker node or an embedded ``serve``) and its heartbeat.
    Its running renders are those whose ``lease_owner`` starts with ``<id>/``."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # celery, embedded
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    concurrency: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Maintenance(Base):
    """When a periodic task last ran anywhere: a compare-and-set on ``last_run_at`` elects one runner."""

    __tablename__ = "maintenance"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column()


TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
