"""Accounts and API tokens: hashed at rest, checked on use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from ssd_gateway.accounts import (
    AccountRow,
    AuthError,
    TokenRow,
    add_account,
    authenticate_token,
    create_token,
    login,
    revoke_token,
)
from ssd_gateway.db import Base, make_engine


@pytest.fixture
def session() -> Iterator[Session]:
    """A session on a fresh in-memory SQLite database."""
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s


def test_password_is_stored_hashed_and_checked(session: Session) -> None:
    """The stored hash is not the password; the right password logs in, a wrong one fails."""
    add_account(session, "kirsten", "korrekt-hest-batteri", "compliance")
    row = session.get(AccountRow, "kirsten")
    assert row is not None and "korrekt" not in row.password_hash
    assert login(session, "kirsten", "korrekt-hest-batteri").role == "compliance"
    with pytest.raises(AuthError):
        login(session, "kirsten", "forkert-hest-batteri")


def test_token_is_scoped_and_revocable(session: Session) -> None:
    """A token authenticates to its organisation and scopes until it is revoked."""
    token = create_token(session, "skole-valby", {"submit", "read"}, "Skolesystem")
    principal = authenticate_token(session, token)
    assert principal.org_id == "skole-valby"
    assert principal.may("submit") and not principal.may("operations")
    row = session.query(TokenRow).one()
    assert token not in row.token_hash
    revoke_token(session, row.id)
    with pytest.raises(AuthError):
        authenticate_token(session, token)


def test_unknown_role_and_scope_are_refused(session: Session) -> None:
    """Roles and scopes come from fixed lists."""
    with pytest.raises(AuthError):
        add_account(session, "x", "long-enough-pw", "superuser")
    with pytest.raises(AuthError):
        create_token(session, "org", {"everything"}, "x")
