"""Bearer tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.models import User
from editor.errors import Conflict, SpecError


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


HANDLE = re.compile(r"^[A-Za-z0-9_.]{1,30}$")


def create_user(session: Session, name: str) -> tuple[User, str]:
    """A new user and their token (the only time the token exists in clear).

    Names are @handles (letters, digits, ``_``, ``.``; unique ignoring case): credits print them.
    """
    if not HANDLE.match(name):
        reason = "a user name is 1-30 letters, digits, '_' or '.' (it is shown as @name in credits)"
        raise SpecError.at("name", reason)
    if session.scalar(select(User.id).where(func.lower(User.name) == name.lower())) is not None:
        raise Conflict(f"a user named {name!r} already exists", code="user_exists")
    token = "rf_" + secrets.token_urlsafe(32)
    user = User(name=name, token_hash=hash_token(token))
    session.add(user)
    session.flush()
    return user, token


def user_for_token(session: Session, token: str) -> User | None:
    return session.scalar(select(User).where(User.token_hash == hash_token(token)))
