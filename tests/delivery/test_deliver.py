"""deliver(): claim with a lease, re-decide, send, record; on both database backends."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

from sqlalchemy import select

from ssd_gateway.contracts import Acknowledgement, OutboundMessage
from ssd_gateway.delivery import (
    Outcome,
    RetryPolicy,
    SenderNotice,
    Transfer,
    TransferState,
    deliver,
    enqueue,
    permit_all,
)
from ssd_gateway.delivery.testing import CountingTransport, TableAuditSink, test_audit_table
from ssd_gateway.exceptions import PermanentDeliveryError
from tests.delivery.conftest import FakeClock, Outbox, new_transfer

POLICY = RetryPolicy(max_attempts=3, max_age=timedelta(hours=1), base_seconds=2,
                     cap_seconds=60, lease=timedelta(seconds=30))


def _queue(outbox: Outbox, clock: FakeClock, n: int = 1, **kw: object) -> Transfer:
    with outbox.sessions() as session, session.begin():
        return enqueue(session, new_transfer(n, **kw), audit=TableAuditSink(),  # type: ignore[arg-type]
                       actor="org-a", clock=clock)


def _run(outbox: Outbox, transfer_id: str, transport: object, clock: FakeClock,
         **kw: object) -> Outcome:
    result = deliver(transfer_id, session_factory=outbox.sessions, transport=transport,  # type: ignore[arg-type]
                     redecide=kw.pop("redecide", permit_all), audit=TableAuditSink(),  # type: ignore[arg-type]
                     clock=clock, policy=POLICY, rng=random.Random(7), **kw)  # type: ignore[arg-type]
    return result.outcome


def _row(outbox: Outbox, transfer_id: str) -> Transfer:
    with outbox.sessions() as session:
        row = session.get(Transfer, transfer_id)
        assert row is not None
        return row


def _audit_kinds(outbox: Outbox, transfer_id: str) -> list[str]:
    with outbox.sessions() as session:
        return list(session.scalars(select(test_audit_table.c.kind).where(
            test_audit_table.c.transfer_id == transfer_id).order_by(test_audit_table.c.seq)))


def test_ok_acknowledgement_acks_and_a_second_delivery_does_nothing(outbox: Outbox) -> None:
    """An ``ok`` makes the row acked with evidence; delivering it again sends nothing."""
    clock, transport = FakeClock(), CountingTransport()
    row = _queue(outbox, clock)
    assert _run(outbox, row.id, transport, clock) is Outcome.ACKED
    assert _run(outbox, row.id, transport, clock) is Outcome.SKIPPED
    stored = _row(outbox, row.id)
    assert (stored.state, stored.attempts, stored.ack_code) == ("acked", 1, "ok")
    assert sum(transport.ledger.receipts.values()) == 1
    assert _audit_kinds(outbox, row.id) == ["send_attempt", "acknowledgement"]


def test_recoverable_error_backs_off_with_full_jitter_then_delivers(outbox: Outbox) -> None:
    """A recoverable failure schedules the next try in the row within the jitter ceiling."""
    clock, transport = FakeClock(), CountingTransport()
    row = _queue(outbox, clock)
    transport.down = True
    assert _run(outbox, row.id, transport, clock) is Outcome.RETRY
    stored = _row(outbox, row.id)
    assert stored.state == TransferState.TRANSIENT_ERROR
    assert clock.now <= stored.next_attempt_at <= clock.now + timedelta(seconds=2)
    assert "DELIVERY_TRANSIENT" in (stored.last_error or "")
    transport.down = False
    clock.now = stored.next_attempt_at - timedelta(microseconds=1)
    assert _run(outbox, row.id, transport, clock) is Outcome.SKIPPED  # not due yet
    clock.now = stored.next_attempt_at
    assert _run(outbox, row.id, transport, clock) is Outcome.ACKED


def test_transient_error_acknowledgement_is_retried(outbox: Outbox) -> None:
    """A receiver's ``transient-error`` answer counts as recoverable."""
    clock = FakeClock()
    row = _queue(outbox, clock)

    class Busy:
        def send(self, message: OutboundMessage) -> Acknowledgement:
            return Acknowledgement("transient-error", message.message_id, message.bundle_id)

    assert _run(outbox, row.id, Busy(), clock) is Outcome.RETRY
    assert _row(outbox, row.id).ack_code == "transient-error"


def test_fatal_error_and_permanent_exception_go_to_dead_letters(outbox: Outbox) -> None:
    """``fatal-error`` and ``PermanentDeliveryError`` end as dead letters, sender told."""
    clock, notices = FakeClock(), list[SenderNotice]()
    fatal_row, raising_row = _queue(outbox, clock, 1), _queue(outbox, clock, 2)

    class Refuses:
        def send(self, message: OutboundMessage) -> Acknowledgement:
            if message.transfer_id == raising_row.id:
                raise PermanentDeliveryError("bad certificate")
            return Acknowledgement("fatal-error", message.message_id, message.bundle_id)

    for row in (fatal_row, raising_row):
        assert _run(outbox, row.id, Refuses(), clock, notify=notices.append) is Outcome.DEAD
        assert _row(outbox, row.id).state == TransferState.DEAD
        assert _audit_kinds(outbox, row.id)[-1] == "dead_letter"
    assert [n.state for n in notices] == [TransferState.DEAD, TransferState.DEAD]


def test_exhausted_attempts_end_in_dead_letters(outbox: Outbox) -> None:
    """After ``max_attempts`` recoverable failures the row is dead, not retried forever."""
    clock, transport = FakeClock(), CountingTransport()
    transport.down = True
    row = _queue(outbox, clock)
    outcomes = []
    for _ in range(POLICY.max_attempts):
        outcomes.append(_run(outbox, row.id, transport, clock))
        clock.advance(seconds=POLICY.cap_seconds)
    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.DEAD]
    stored = _row(outbox, row.id)
    assert (stored.state, stored.attempts) == ("dead", 3)
    assert "ATTEMPTS_EXHAUSTED" in (stored.last_error or "")


def test_too_old_row_is_dead_lettered_without_sending(outbox: Outbox) -> None:
    """A row older than ``max_age`` when claimed goes to dead letters and is not sent."""
    clock, transport = FakeClock(), CountingTransport()
    row = _queue(outbox, clock)
    clock.advance(hours=2)
    assert _run(outbox, row.id, transport, clock) is Outcome.DEAD
    assert _row(outbox, row.id).last_error == "MAX_AGE_EXCEEDED"
    assert transport.ledger.receipts == {}


def test_redecision_denial_cancels_and_tells_the_sender(outbox: Outbox) -> None:
    """A refusal at send time cancels the row with reasons; nothing reaches the peer."""
    clock, transport, notices = FakeClock(), CountingTransport(), list[SenderNotice]()
    row = _queue(outbox, clock, consent="c-1")
    outcome = _run(outbox, row.id, transport, clock, notify=notices.append,
                   redecide=lambda r: (False, ["CONSENT_REVOKED"]))
    assert outcome is Outcome.CANCELLED
    assert _row(outbox, row.id).state == TransferState.CANCELLED
    assert transport.ledger.receipts == {}
    assert notices == [SenderNotice(row.id, "org-a", TransferState.CANCELLED,
                                    ("CONSENT_REVOKED",))]
    assert _audit_kinds(outbox, row.id)[-1] == "cancellation"


def test_expired_lease_is_reclaimed_and_the_stale_worker_cannot_overwrite(outbox: Outbox) -> None:
    """A worker that stalls past its lease loses the row; its late answer is ignored."""
    clock, transport = FakeClock(), CountingTransport()
    row = _queue(outbox, clock)
    stalled = threading.Event()
    results: list[Outcome] = []

    class Stalls:
        def send(self, message: OutboundMessage) -> Acknowledgement:
            stalled.wait(10)  # the first worker hangs until the second one has acked
            raise PermanentDeliveryError("late")

    first = threading.Thread(target=lambda: results.append(_run(outbox, row.id, Stalls(), clock)))
    first.start()
    while _row(outbox, row.id).state != TransferState.SENDING:
        pass
    assert _run(outbox, row.id, transport, clock) is Outcome.SKIPPED  # lease still held
    clock.advance(seconds=31)
    assert _run(outbox, row.id, transport, clock) is Outcome.ACKED
    stalled.set()
    first.join()
    assert results == [Outcome.SKIPPED]
    assert _row(outbox, row.id).state == TransferState.ACKED


def test_concurrent_deliveries_of_one_row_send_once(outbox: Outbox) -> None:
    """Eight threads delivering the same row: exactly one send, one ack."""
    clock, transport = FakeClock(), CountingTransport()
    row = _queue(outbox, clock)
    outcomes: list[Outcome] = []
    threads = [threading.Thread(target=lambda: outcomes.append(
        _run(outbox, row.id, transport, clock))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted([Outcome.ACKED] + [Outcome.SKIPPED] * 7)
    assert sum(transport.ledger.receipts.values()) == 1


def test_backoff_ceiling_doubles_up_to_the_cap() -> None:
    """The full-jitter ceiling is base·2^(n-1), capped; draws stay within [0, ceiling]."""
    policy = RetryPolicy(base_seconds=2, cap_seconds=600)
    assert [policy.ceiling(n) for n in (1, 2, 3, 9, 10, 50)] == [2, 4, 8, 512, 600, 600]
    rng = random.Random(1)
    draws = [policy.delay(4, rng).total_seconds() for _ in range(500)]
    assert all(0 <= d <= 16 for d in draws) and max(draws) > 12 and min(draws) < 4


def test_on_acked_commits_with_the_acknowledgement_or_not_at_all(outbox: Outbox) -> None:
    """The ack hook runs in the ack's transaction: if it fails, the row is not recorded acked."""
    import pytest

    clock, transport = FakeClock(), CountingTransport()
    seen: list[str] = []
    row = _queue(outbox, clock)
    assert _run(outbox, row.id, transport, clock,
                on_acked=lambda session, r: seen.append(r.id)) is Outcome.ACKED
    assert seen == [row.id] and _row(outbox, row.id).state == "acked"

    def broken(session: object, r: Transfer) -> None:
        raise RuntimeError("effect failed")

    other = _queue(outbox, clock, 2)
    with pytest.raises(RuntimeError):
        _run(outbox, other.id, transport, clock, on_acked=broken)
    stored = _row(outbox, other.id)
    assert stored.state == "sending" and stored.ack_code is None
    assert _audit_kinds(outbox, other.id) == ["send_attempt"]


def test_the_signed_acknowledgement_is_kept_with_its_digest_in_the_evidence(
        outbox: Outbox) -> None:
    """Each answer's bytes land on the row and their SHA-256 in the evidence entry."""
    import hashlib
    import json

    clock = FakeClock()
    answers = iter([("transient-error", b"signed-transient"), ("ok", b"signed-ok")])

    class Answers:
        def send(self, message: OutboundMessage) -> Acknowledgement:
            code, body = next(answers)
            return Acknowledgement(code, message.message_id, message.bundle_id,  # type: ignore[arg-type]
                                   body=body)

    row = _queue(outbox, clock)
    transport = Answers()
    assert _run(outbox, row.id, transport, clock) is Outcome.RETRY
    assert _row(outbox, row.id).ack_body == b"signed-transient"
    clock.advance(minutes=5)
    assert _run(outbox, row.id, transport, clock) is Outcome.ACKED
    assert _row(outbox, row.id).ack_body == b"signed-ok"
    with outbox.sessions() as session:
        details = [json.loads(d) for d in session.scalars(
            select(test_audit_table.c.detail).where(
                test_audit_table.c.transfer_id == row.id,
                test_audit_table.c.kind == "acknowledgement").order_by(test_audit_table.c.seq))]
    assert [d["ack_sha256"] for d in details] == [
        hashlib.sha256(b"signed-transient").hexdigest(), hashlib.sha256(b"signed-ok").hexdigest()]
