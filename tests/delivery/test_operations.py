"""Sweeper, operator controls, revocation fan-out and retention, on both databases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from ssd_gateway.cli.app import build
from ssd_gateway.delivery import Sweeper, Transfer, TransferState, enqueue, revoke_consent_fanout
from ssd_gateway.delivery.operations import (
    TransferFilter,
    cancel_transfers,
    dead_letters,
    list_transfers,
    matching_ids,
    purge_dead,
    retry_transfers,
)
from ssd_gateway.delivery.retention import purge_acked_bodies
from ssd_gateway.delivery.testing import TableAuditSink, test_audit_table
from tests.delivery.conftest import FakeClock, Outbox, new_transfer


def _queue(outbox: Outbox, clock: FakeClock, count: int, **kw: object) -> list[Transfer]:
    with outbox.sessions() as session, session.begin():
        return [enqueue(session, new_transfer(i, **kw), audit=TableAuditSink(),  # type: ignore[arg-type]
                        actor="org-a", clock=clock) for i in range(count)]


def _set(outbox: Outbox, ids: list[str], **values: object) -> None:
    with outbox.sessions() as session, session.begin():
        for transfer_id in ids:
            row = session.get(Transfer, transfer_id)
            for key, value in values.items():
                setattr(row, key, value)


def test_sweeper_dispatches_due_rows_acute_first_and_respects_the_cap(outbox: Outbox) -> None:
    """Due rows are dispatched acute first, at most ``max_queued`` waiting, never twice early."""
    clock = FakeClock()
    normal = _queue(outbox, clock, 3)
    acute = _queue(outbox, clock, 1, acute=True)
    sent: list[tuple[str, bool]] = []
    sweeper = Sweeper(outbox.sessions, lambda t, a: sent.append((t, a)), clock=clock,
                      max_queued=3, redispatch_after=timedelta(minutes=5))
    assert sweeper.sweep_once() == 3
    assert sent[0] == (acute[0].id, True)
    assert sweeper.sweep_once() == 0  # three stamped rows fill the cap
    clock.advance(minutes=6)  # their messages were lost: dispatched again
    assert sweeper.sweep_once() == 3
    assert {t for t, _ in sent} <= {r.id for r in normal + acute} and len(sent) == 6


def test_sweeper_reclaims_expired_leases_and_skips_future_rows(outbox: Outbox) -> None:
    """A ``sending`` row past its lease is dispatched; a row backing off is not."""
    clock = FakeClock()
    dead_worker, backing_off = _queue(outbox, clock, 2)
    _set(outbox, [dead_worker.id], state="sending", lease_until=clock.now + timedelta(seconds=30))
    _set(outbox, [backing_off.id], state="transient_error",
         next_attempt_at=clock.now + timedelta(minutes=1))
    sent: list[str] = []
    sweeper = Sweeper(outbox.sessions, lambda t, a: sent.append(t), clock=clock)
    assert sweeper.sweep_once() == 0
    clock.advance(seconds=31)
    assert sweeper.sweep_once() == 1 and sent == [dead_worker.id]


def test_failed_dispatch_is_unstamped_for_the_next_sweep(outbox: Outbox) -> None:
    """When the broker is down, rows are left for the next sweep instead of waiting out
    ``redispatch_after``."""
    clock = FakeClock()
    _queue(outbox, clock, 2)

    def broker_down(_t: str, _a: bool) -> None:
        raise ConnectionError("broker down")

    assert Sweeper(outbox.sessions, broker_down, clock=clock).sweep_once() == 0
    sent: list[str] = []
    assert Sweeper(outbox.sessions, lambda t, a: sent.append(t), clock=clock).sweep_once() == 2


def test_operator_actions_filter_change_and_audit(outbox: Outbox) -> None:
    """Filters select rows; retry/cancel/purge change only allowed states and audit each."""
    clock = FakeClock()
    rows = _queue(outbox, clock, 4)
    to_c = _queue(outbox, clock, 2, peer="org-c")
    _set(outbox, [rows[0].id, rows[1].id], state="dead", attempts=8)
    with outbox.sessions() as session:
        assert len(list_transfers(session, TransferFilter(peer="org-c"), clock=clock)) == 2
        assert len(dead_letters(session, clock=clock)) == 2
        assert matching_ids(session, TransferFilter(older_than=timedelta(days=1)),
                            clock=clock) == []
    audit = TableAuditSink()
    with outbox.sessions() as session, session.begin():
        assert retry_transfers(session, [rows[0].id, rows[2].id], actor="ops-anna",
                               audit=audit, clock=clock) == 2
        assert cancel_transfers(session, [r.id for r in to_c], actor="ops-anna", audit=audit,
                                clock=clock) == 2
        assert purge_dead(session, [rows[1].id, rows[3].id], actor="ops-anna", audit=audit,
                          clock=clock) == 1
    with outbox.sessions() as session:
        retried = session.get(Transfer, rows[0].id)
        assert retried is not None and (retried.state, retried.attempts) == ("pending", 0)
        assert session.get(Transfer, rows[1].id) is None
        actions = session.execute(select(test_audit_table.c.actor, test_audit_table.c.kind)
                                  .where(test_audit_table.c.kind == "operator_action")).all()
    assert actions == [("ops-anna", "operator_action")] * 5


def test_revocation_cancels_waiting_and_notifies_each_recipient_once(outbox: Outbox) -> None:
    """Waiting transfers under the consent are cancelled; each peer that had data under it
    gets one notice; a second revocation adds nothing."""
    clock = FakeClock()
    waiting = _queue(outbox, clock, 3, consent="c-1")
    delivered = _queue(outbox, clock, 2, consent="c-1", peer="org-c")
    untouched = _queue(outbox, clock, 1, consent="c-2")
    _set(outbox, [r.id for r in delivered], state="acked")
    for _ in range(2):
        with outbox.sessions() as session, session.begin():
            result = revoke_consent_fanout(session, "c-1", actor="registry",
                                           audit=TableAuditSink(), clock=clock)
    assert result.cancelled == () and result.notices == ()  # the second run
    with outbox.sessions() as session:
        by_id = {r.id: r for r in session.scalars(select(Transfer))}
    assert {by_id[r.id].state for r in waiting} == {TransferState.CANCELLED}
    assert by_id[untouched[0].id].state == TransferState.PENDING
    notices = [r for r in by_id.values() if r.kind == "consent-revoked-notice"]
    assert [(n.peer, n.state) for n in notices] == [("org-c", "pending")]


def test_retention_deletes_old_acked_bodies_and_keeps_rows(outbox: Outbox) -> None:
    """Bodies of transfers acked more than N days ago go; rows and fresh bodies stay."""
    clock = FakeClock()
    old, fresh, waiting = _queue(outbox, clock, 3)
    _set(outbox, [old.id], state="acked", acked_at=clock.now - timedelta(days=31))
    _set(outbox, [fresh.id], state="acked", acked_at=clock.now - timedelta(days=1))
    assert purge_acked_bodies(outbox.sessions, timedelta(days=30), clock=clock, batch=1) == 1
    with outbox.sessions() as session:
        bodies = {r.id: r.body for r in session.scalars(select(Transfer))}
    assert bodies[old.id] is None and bodies[fresh.id] and bodies[waiting.id]


def test_queue_cli_lists_retries_and_audits(sqlite_outbox: Outbox, tmp_path: Path,
                                            monkeypatch: object) -> None:
    """``ssd-gateway queue list/dead-letters/retry/show`` work against the outbox."""
    rows = _queue(sqlite_outbox, FakeClock(), 2)
    _set(sqlite_outbox, [rows[0].id], state="dead")
    monkeypatch.setenv("SSD_DATABASE_URL", sqlite_outbox.url)  # type: ignore[attr-defined]
    runtime = ["--runtime", "ssd_gateway.delivery.testing:loopback_runtime"]
    runner, app = CliRunner(), build()
    listed = runner.invoke(app, ["queue", "list", "--json", *runtime])
    assert listed.exit_code == 0, listed.output
    assert listed.output.count('"id"') == 2 and "body" not in listed.output.replace(
        "body_size", "")
    dead = runner.invoke(app, ["queue", "dead-letters", "--json", *runtime])
    assert rows[0].id in dead.output and rows[1].id not in dead.output
    retried = runner.invoke(app, ["queue", "retry", "--actor", "ops-bo", *runtime])
    assert retried.exit_code == 0 and "retry: 1 of 1" in retried.output, retried.output
    shown = runner.invoke(app, ["queue", "show", rows[0].id, *runtime])
    assert '"state": "pending"' in shown.output
    with sqlite_outbox.sessions() as session:
        assert session.scalar(select(test_audit_table.c.actor).where(
            test_audit_table.c.kind == "operator_action")) == "ops-bo"
