"""Bearer tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, name: str) -> tuple[User, str]:
    """A new user and their token (the only time the token exists in clear)."""
    token = "rf_" + secrets.token_urlsafe(32)
    user = User(name=name, token_hash=hash_token(token))
    session.add(user)
    session.flush()
    return user, token


def user_for_token(session: Session, token: str) -> User | None:
    return session.scalar(select(User).where(User.token_hash == hash_token(token)))
