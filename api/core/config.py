"""All configuration of the API service, read once from ``REELFORGE_*`` environment variables."""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from editor.home import data_home
from editor.probe import Limits

MB = 1 << 20


class Settings(BaseSettings):
    """Embedded defaults: SQLite + a local folder under ``home``; nothing else to install."""

    model_config = SettingsConfigDict(env_prefix="REELFORGE_", extra="ignore")

    home: Path = Field(
        default_factory=data_home, description="data folder (editor.home: one for CLI and API)"
    )
    database_url: str | None = Field(default=None, description="sqlite:///... or postgresql+psycopg://...")
    storage_url: str | None = Field(default=None, description="file:///abs/path or s3://bucket/prefix")
    public_url: str | None = Field(default=None, description="base URL clients reach the API at")

    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_path_style: bool = False
    s3_public_endpoint_url: str | None = Field(
        default=None,
        description="the endpoint clients reach the store at, for presigned URLs (default: s3_endpoint_url)",
    )

    max_upload_bytes: int = Field(default=1024 * MB, ge=1)
    max_json_bytes: int = Field(
        default=256 * 1024, ge=1024, description="request bodies but uploads: larger is a 413 unread"
    )
    max_json_depth: int = Field(
        default=32, ge=8, le=256, description="nesting of a JSON body: deeper is a 422"
    )
    multipart_threshold: int = Field(default=100 * MB, ge=5 * MB)
    multipart_part_size: int = Field(default=64 * MB, ge=5 * MB)
    max_media_seconds: float = Field(default=15 * 60.0, gt=0)
    max_user_bytes: int = Field(
        default=20 * 1024 * MB,
        ge=1,
        description="stored bytes per user: media (declared while pending), renders",
    )
    max_pending_uploads: int = Field(default=20, ge=1, description="uploads per user not completed yet")
    max_concurrent_renders: int = Field(default=2, ge=1, description="running renders per user")
    max_queued_renders: int = Field(default=200, ge=1, description="queued renders per user")
    requests_per_minute: int = Field(default=600, ge=1)
    presign_seconds: int = Field(default=600, ge=30, le=7 * 24 * 3600)

    queue_url: str | None = Field(
        default=None, description="unset: embedded render workers; redis://...: Celery workers on Redis"
    )
    workers: int = Field(default=2, ge=0, le=64, description="embedded render worker processes")
    split_pieces: int = Field(
        default=1,
        ge=1,
        le=16,
        description="cut edits of 20 s or more into up to this many pieces that idle workers render",
    )
    lease_seconds: float = Field(default=30.0, gt=0)
    poll_seconds: float = Field(default=0.5, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    render_timeout: float = Field(default=3600.0, gt=0)
    heartbeat_seconds: float = Field(default=5.0, gt=0, description="worker heartbeat and sweep interval")
    requeue_seconds: float = Field(
        default=60.0, gt=0, description="re-enqueue queued renders the broker lost after this long"
    )
    storage_retries: int = Field(default=5, ge=0, description="retries of a transient storage error")
    storage_backoff: float = Field(default=0.5, gt=0, description="first retry delay; doubles, max 8 s")
    janitor_seconds: float = Field(default=300.0, gt=0, description="how often the janitor runs")
    janitor_max_age: float = Field(
        default=3600.0, gt=0, description="temporary objects and stale multipart uploads older than this go"
    )
    preview_grace: float = Field(
        default=120.0,
        ge=0,
        description="how long a finished render's preview stays for players still on it",
    )
    media_processing_timeout: float | None = Field(
        default=None,
        gt=0,
        description="a media claim older than this is taken over (unset: render_timeout + 600 s)",
    )
    docs: bool = Field(
        default=True, description="serve /docs, /redoc and /openapi.json (without a token); false: 404"
    )
    admin_token: SecretStr | None = Field(default=None, description="bearer token of /v1/admin and /metrics")

    webhook_secret: SecretStr | None = None
    webhook_allow_private: bool = Field(
        default=False, description="tests only: allow loopback/private targets"
    )
    webhook_attempts: int = Field(default=5, ge=1)
    webhook_backoff: float = Field(default=1.0, gt=0)

    signing_key: SecretStr | None = Field(default=None, description="HMAC key of local presigned URLs")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home.resolve() / 'reelforge.db'}"

    @property
    def storage(self) -> str:
        return self.storage_url or (self.home.resolve() / "storage").as_uri()

    @property
    def queue(self) -> Literal["embedded", "celery"]:
        """The mode follows ``queue_url``: no URL, embedded threads; a Redis URL, Celery workers."""
        return "celery" if self.queue_url else "embedded"

    @property
    def is_embedded_db(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def work_dir(self) -> Path:
        return self.home.resolve() / "work"

    @property
    def media_claim_timeout(self) -> float:
        """After this long a ``processing`` media claim is presumed dead (its transcode is bounded by
        ``render_timeout``; the margin covers copying the upload in and the result out)."""
        return self.media_processing_timeout or self.render_timeout + 600.0

    def limits(self) -> Limits:
        return Limits(max_bytes=self.max_upload_bytes, max_duration=self.max_media_seconds)

    @cached_property
    def webhook_key(self) -> bytes:
        return self._secret(self.webhook_secret, "webhook.key")

    @cached_property
    def url_key(self) -> bytes:
        return self._secret(self.signing_key, "signing.key")

    def _secret(self, configured: SecretStr | None, name: str) -> bytes:
        """A configured secret, else one generated once and kept in ``home`` (mode 0600)."""
        if configured is not None:
            return configured.get_secret_value().encode()
        path = self.home.resolve() / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
            tmp.write_text(secrets.token_hex(32))
            tmp.chmod(0o600)
            with contextlib.suppress(FileExistsError):  # another process won the race: use theirs
                os.link(tmp, path)
            tmp.unlink()
        return path.read_text().strip().encode()
