"""The outbox table, enqueue and its audit entry, and the migration."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ssd_gateway.db import Base
from ssd_gateway.delivery import Transfer, TransferState, enqueue
from ssd_gateway.delivery.testing import TableAuditSink, test_audit_table
from tests.delivery.conftest import FakeClock, Outbox, new_transfer


def _count(outbox: Outbox, what: object) -> int:
    with outbox.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)  # type: ignore[arg-type]


def test_migration_matches_the_models(outbox: Outbox) -> None:
    """The first migration creates exactly the tables the delivery models declare."""
    with outbox.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = [d for d in compare_metadata(context, Base.metadata)
                if not (d[0] == "remove_table" and d[1].name == "delivery_test_audit")]
    assert diff == []


def test_enqueue_writes_row_and_audit_entry_together(outbox: Outbox) -> None:
    """A committed enqueue leaves one pending row and one audit entry naming it."""
    clock = FakeClock()
    with outbox.sessions() as session, session.begin():
        row = enqueue(session, new_transfer(1), audit=TableAuditSink(), actor="org-a",
                      clock=clock)
    with outbox.sessions() as session:
        stored = session.get(Transfer, row.id)
        assert stored is not None and stored.state == TransferState.PENDING
        assert stored.next_attempt_at == clock.now
        audit = session.execute(select(test_audit_table)).all()
    assert [(a.kind, a.transfer_id) for a in audit] == [("send_attempt", row.id)]


def test_rollback_discards_row_audit_and_dispatch(outbox: Outbox) -> None:
    """If the caller's transaction rolls back, no row, no audit entry and no broker message."""
    dispatched: list[str] = []
    with outbox.sessions() as session:
        session.begin()
        enqueue(session, new_transfer(1), audit=TableAuditSink(), actor="org-a",
                dispatch=lambda tid, acute: dispatched.append(tid))
        session.rollback()
    assert _count(outbox, Transfer) == 0
    assert _count(outbox, test_audit_table) == 0
    assert dispatched == []


def test_dispatch_happens_only_after_commit(outbox: Outbox) -> None:
    """The broker hears of a row only once it is committed (acute rows first)."""
    dispatched: list[tuple[str, bool]] = []
    with outbox.sessions() as session:
        session.begin()
        normal = enqueue(session, new_transfer(1), audit=TableAuditSink(), actor="a",
                         dispatch=lambda tid, acute: dispatched.append((tid, acute)))
        acute = enqueue(session, new_transfer(2, acute=True), audit=TableAuditSink(),
                        actor="a", dispatch=lambda tid, acute: dispatched.append((tid, acute)))
        session.flush()
        assert dispatched == []
        session.commit()
    assert dispatched == [(acute.id, True), (normal.id, False)]


def test_idempotency_key_is_unique(outbox: Outbox) -> None:
    """Queuing the same bundle twice is refused by the database."""
    transfer = new_transfer(1)
    with outbox.sessions() as session, session.begin():
        enqueue(session, transfer, audit=TableAuditSink(), actor="a")
    with pytest.raises(IntegrityError), outbox.sessions() as session, session.begin():
        enqueue(session, transfer, audit=TableAuditSink(), actor="a")
