"""Everything a request or a job needs, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.core.config import Settings
from api.core.db import make_engine, make_sessionmaker
from api.core.ratelimit import RateLimiter
from api.core.storage import Storage, make_storage
from api.jobs.webhooks import WebhookSender


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]  # for requests that only read (GET): never wait on writers
    storage: Storage
    limiter: RateLimiter
    webhooks: WebhookSender
    base_url: str | None = field(default=None)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = make_engine(settings.db_url)
        reader = make_engine(settings.db_url, readonly=True) if settings.is_embedded_db else engine
        sessions, readers = make_sessionmaker(engine), make_sessionmaker(reader)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            readers=readers,
            storage=make_storage(settings),
            limiter=RateLimiter(settings.requests_per_minute),
            webhooks=WebhookSender(settings, sessions, readers),  # dispatching starts with Maintenance
            base_url=settings.public_url,
        )

    def absolute(self, url: str, base_url: str | None = None) -> str:
        """Local presigned URLs are paths on this API; make them absolute."""
        if url.startswith("/"):
            base = (base_url or self.base_url or "http://127.0.0.1:8000").rstrip("/")
            return base + url
        return url

    def close(self) -> None:
        self.webhooks.close()
        self.engine.dispose()
        reader = self.readers.kw.get("bind")
        if reader is not None and reader is not self.engine:
            reader.dispose()
