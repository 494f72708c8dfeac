"""Login sessions for the web pages, kept in the database (a random cookie, stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from ssd_gateway.accounts import AccountRow, Principal
from ssd_gateway.db import Base

COOKIE = "ssd_session"
LIFETIME = timedelta(hours=8)


class WebSessionRow(Base):
    """One logged-in browser."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, username: str) -> str:
    """Start a web session for ``username`` and return the cookie value."""
    token = secrets.token_urlsafe(32)
    session.add(WebSessionRow(token_hash=_digest(token), username=username,
                              expires_at=datetime.now(UTC) + LIFETIME))
    return token


def principal_for(session: Session, token: str | None) -> Principal | None:
    """Return the logged-in principal for a cookie value, or None."""
    if not token:
        return None
    row = session.get(WebSessionRow, _digest(token))
    if row is None:
        return None
    # SQLite hands back naive datetimes; they were written in UTC
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires < datetime.now(UTC):
        return None
    account = session.get(AccountRow, row.username)
    return Principal(name=account.username, role=account.role) if account else None


def close_session(session: Session, token: str | None) -> None:
    """End a web session."""
    if token:
        row = session.get(WebSessionRow, _digest(token))
        if row is not None:
            session.delete(row)
