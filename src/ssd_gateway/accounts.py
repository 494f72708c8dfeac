"""Local accounts for the web pages and per-system API tokens for the local API.

Passwords are hashed with scrypt (stdlib ``hashlib``), tokens with SHA-256 (they are long and
random, so a slow hash adds nothing). A token is shown once, when it is created.

Roles of accounts: ``compliance`` (evidence log, disclosure reports), ``operations`` (queues,
dead letters, quarantine, alerts), ``admin`` (both). Scopes of tokens: ``submit``, ``read``,
``consents``, ``handover``, ``policy``, ``operations``; a token is bound to one organisation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ssd_gateway.db import Base
from ssd_gateway.exceptions import GatewayError

ROLES = frozenset({"compliance", "operations", "admin"})
SCOPES = frozenset({"submit", "read", "consents", "handover", "policy", "operations"})
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class AuthError(GatewayError):
    """Wrong credentials, unknown token, or a role/scope that does not allow the action."""

    code = "UNAUTHORISED"


class AccountRow(Base):
    """A person who logs into the web pages."""

    __tablename__ = "accounts"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TokenRow(Base):
    """An API token of one journal system, scoped to one organisation."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    org_id: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account (role) or a system token (organisation and scopes)."""

    name: str
    role: str | None = None
    org_id: str | None = None
    scopes: frozenset[str] = frozenset()

    def may(self, need: str) -> bool:
        """Return True if this principal has role or scope ``need`` (admin has every role).

        ``need`` may name alternatives joined by ``_or_``, e.g. ``compliance_or_operations``.
        """
        wanted = set(need.split("_or_"))
        if self.role == "admin" and wanted & ROLES:
            return True
        return self.role in wanted or bool(wanted & self.scopes)


def hash_password(password: str) -> str:
    """Return ``scrypt$salt$hash`` for ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Return True if ``password`` matches the stored scrypt hash (constant time)."""
    _scheme, salt_hex, digest_hex = stored.split("$")
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


def add_account(session: Session, username: str, password: str, role: str) -> None:
    """Create or replace an account."""
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}; use one of {sorted(ROLES)}")
    if len(password) < 10:
        raise AuthError("password must have at least 10 characters")
    session.merge(AccountRow(username=username, password_hash=hash_password(password),
                             role=role, created_at=datetime.now(UTC)))


def login(session: Session, username: str, password: str) -> Principal:
    """Return the account's principal, or raise AuthError."""
    row = session.get(AccountRow, username)
    if row is None or not check_password(password, row.password_hash):
        raise AuthError("wrong username or password")
    return Principal(name=row.username, role=row.role)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, org_id: str, scopes: set[str], label: str) -> str:
    """Create a token for ``org_id`` with ``scopes``; return it (it is never shown again)."""
    unknown = scopes - SCOPES
    if unknown or not scopes:
        raise AuthError(f"unknown or no scopes {sorted(unknown)}; use {sorted(SCOPES)}")
    token = "ssd_" + secrets.token_urlsafe(32)
    session.add(TokenRow(id=secrets.token_hex(8), token_hash=_token_digest(token), org_id=org_id,
                         scopes=json.dumps(sorted(scopes)), label=label,
                         created_at=datetime.now(UTC)))
    return token


def authenticate_token(session: Session, token: str) -> Principal:
    """Return the principal of a valid, unrevoked token, or raise AuthError."""
    row = session.scalar(select(TokenRow).where(TokenRow.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None:
        raise AuthError("unknown or revoked token")
    return Principal(name=f"token:{row.id}", org_id=row.org_id,
                     scopes=frozenset(json.loads(row.scopes)))


def revoke_token(session: Session, token_id: str) -> None:
    """Revoke a token by its id."""
    row = session.get(TokenRow, token_id)
    if row is None:
        raise AuthError(f"no token {token_id}")
    row.revoked_at = datetime.now(UTC)
