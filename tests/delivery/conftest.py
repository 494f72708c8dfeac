"""Delivery fixtures: a migrated outbox on SQLite and on PostgreSQL (own schema per test)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from ssd_gateway.db import make_engine, make_sessionmaker
from ssd_gateway.delivery import NewTransfer
from ssd_gateway.delivery.testing import test_audit_metadata
from ssd_gateway.migrations import upgrade

START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


@dataclass
class Outbox:
    """A migrated database holding the outbox (and the test audit table)."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name


class FakeClock:
    """A clock that only moves when told."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)


def new_transfer(n: int, *, consent: str | None = None, acute: bool = False,
                 peer: str = "org-b", kind: str = "stafetlog") -> NewTransfer:
    """A small transfer numbered ``n`` (unique message, bundle and key per run)."""
    tag = uuid.uuid4().hex[:8]
    return NewTransfer(kind=kind, peer=peer, format="fhir", body=b'{"n": %d}' % n,
                       message_id=f"msg-{n}-{tag}", bundle_id=f"bundle-{n}-{tag}",
                       consent_id=consent, acute=acute, sender="org-a")


def _prepare(url: str) -> Outbox:
    upgrade(url)
    engine = make_engine(url)
    test_audit_metadata.create_all(engine)
    return Outbox(url, engine, make_sessionmaker(engine))


@pytest.fixture
def sqlite_outbox(tmp_path: object) -> Iterator[Outbox]:
    """A migrated SQLite outbox in a temporary file."""
    outbox = _prepare(f"sqlite:///{tmp_path}/gateway.db")
    yield outbox
    outbox.engine.dispose()


def pg_schema_url(base: str, schema: str) -> str:
    """``base`` with ``search_path`` set to ``schema`` for every connection."""
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def pg_outbox(postgres_url: str) -> Iterator[Outbox]:
    """A migrated outbox in a fresh PostgreSQL schema ``dlv_<random>``, dropped afterwards."""
    schema = f"dlv_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    outbox = _prepare(pg_schema_url(postgres_url, schema))
    yield outbox
    outbox.engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def outbox(request: pytest.FixtureRequest) -> Outbox:
    """The outbox on each backend in turn."""
    name = "sqlite_outbox" if request.param == "sqlite" else "pg_outbox"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
