"""Delivery of one outbox row: claim with a lease, re-decide, send, record the answer.

A plain function, testable without Celery; the Celery task only calls it. Each step runs in its
own short transaction and nothing is held open while the peer is being called:

1. **claim**: ``pending``/``transient_error`` rows that are due, or ``sending`` rows whose lease
   expired, become ``sending`` with ``attempts + 1`` and a new lease. PostgreSQL first takes the
   row with ``SELECT … FOR UPDATE SKIP LOCKED`` (a busy row is skipped, not waited for) inside
   one conditional ``UPDATE … RETURNING`` that every backend applies, so two workers can never
   both claim, and the claim costs one statement.
   A row past its attempt budget or maximum age becomes ``dead`` here instead.
2. **re-decide**: ``redecide(row)`` runs immediately before sending; a refusal (a consent revoked
   while the row waited) makes it ``cancelled`` with the reason codes, and the sender is told.
3. **send** through the ``Transport``.
4. **record**, fenced by the attempt number taken at claim time, so a worker that lost its lease
   can never overwrite a newer outcome: ``ok`` → ``acked``; ``transient-error`` or
   ``RecoverableDeliveryError`` → ``transient_error`` with ``next_attempt_at`` after a
   full-jitter backoff; ``fatal-error`` or ``PermanentDeliveryError`` → ``dead``. The peer's
   signed acknowledgement is kept on the row (``ack_body``) and its SHA-256 in the evidence
   entry, so the sender can later prove what the receiver answered.

Delivering a row that is acked, cancelled, leased by another worker or not yet due does nothing.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from ssd_gateway.contracts import Acknowledgement, AuditEvent, AuditKind, AuditSink, Transport
from ssd_gateway.delivery.backoff import RetryPolicy
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.delivery.states import WAITING, TransferState
from ssd_gateway.delivery.timeutil import Clock, utcnow
from ssd_gateway.exceptions import DeliveryError, PermanentDeliveryError, RecoverableDeliveryError

log = logging.getLogger(__name__)

SessionFactory = Callable[[], Session] | sessionmaker[Any]
#: the policy engine, asked again at send time: ``(permitted, reason_codes)``
Redecide = Callable[[Transfer], tuple[bool, Sequence[str]]]


class Outcome(StrEnum):
    """What one call of ``deliver`` did."""

    ACKED = "acked"
    RETRY = "retry"
    DEAD = "dead"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class SenderNotice:
    """Tells the submitting side that its transfer stopped for good (cancelled or dead)."""

    transfer_id: str
    sender: str
    state: TransferState
    reason_codes: tuple[str, ...]


Notify = Callable[[SenderNotice], None]
#: applies the effects of an ``ok`` inside the transaction that records it
OnAcked = Callable[[Session, Transfer], None]


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one ``deliver`` call."""

    transfer_id: str
    outcome: Outcome
    attempts: int = 0
    next_attempt_at: datetime | None = None
    reason_codes: tuple[str, ...] = field(default=())


def permit_all(_row: Transfer) -> tuple[bool, Sequence[str]]:
    """A ``redecide`` that permits everything (tests and demos only)."""
    return True, ()


def claimable(now: datetime) -> ColumnElement[bool]:
    """Rows a worker may take at ``now``: due and waiting, or sending with an expired lease."""
    waiting = [state.value for state in WAITING]
    return or_(
        and_(Transfer.state.in_(waiting), Transfer.next_attempt_at <= now),
        and_(Transfer.state == TransferState.SENDING.value, Transfer.lease_until < now),
    )


@dataclass
class _Delivery:
    """One ``deliver`` call: its dependencies and the claimed row."""

    transfer_id: str
    session_factory: SessionFactory
    transport: Transport
    redecide: Redecide
    audit: AuditSink
    clock: Clock
    policy: RetryPolicy
    notify: Notify | None
    rng: random.Random | None
    actor: str
    on_acked: OnAcked | None = None

    def run(self) -> DeliveryResult:
        row = self._claim()
        if isinstance(row, DeliveryResult):
            return row
        permitted, reasons = self.redecide(row)
        if not permitted:
            return self._stop(row, TransferState.CANCELLED, tuple(reasons) or ("DENIED",),
                              "cancellation")
        try:
            ack = self.transport.send(row.outbound())
        except RecoverableDeliveryError as exc:
            return self._retry(row, (exc.code,), _describe(exc))
        except PermanentDeliveryError as exc:
            return self._stop(row, TransferState.DEAD, (exc.code,), "dead_letter", _describe(exc))
        return self._record(row, ack)

    # -- claim -------------------------------------------------------------------------------

    def _claim(self) -> Transfer | DeliveryResult:
        now = self.clock()
        with self.session_factory() as session, session.begin():
            row = self._take(session, now)
            if row is None:
                self._forget_dispatch(session)
                return DeliveryResult(self.transfer_id, Outcome.SKIPPED)
            expired = self._expiry_reason(row, now)
            if expired is not None:
                row.attempts -= 1  # this claim never sent anything
                return self._finish_dead(session, row, now, expired)
            session.expunge(row)
        return row

    def _take(self, session: Session, now: datetime) -> Transfer | None:
        """Claim the row in one statement: conditional ``UPDATE … RETURNING`` the row.

        On PostgreSQL the ``UPDATE`` only touches the row if ``SELECT … FOR UPDATE SKIP
        LOCKED`` (a sub-select of the same statement) gets its lock, so a busy row is skipped,
        not waited for; SQLite serialises writers and the conditional ``UPDATE`` is the claim.
        One round trip instead of lock, update and re-read.
        """
        claim = update(Transfer).where(Transfer.id == self.transfer_id, claimable(now))
        if session.get_bind().dialect.name == "postgresql":
            claim = claim.where(Transfer.id.in_(
                select(Transfer.id).where(Transfer.id == self.transfer_id, claimable(now))
                .with_for_update(skip_locked=True)
            ))
        return session.scalars(
            claim.values(
                state=TransferState.SENDING.value, attempts=Transfer.attempts + 1,
                lease_until=now + self.policy.lease, dispatched_at=None, updated_at=now,
            ).returning(Transfer).execution_options(synchronize_session=False,
                                                    populate_existing=True)
        ).one_or_none()

    def _forget_dispatch(self, session: Session) -> None:
        """A consumed trigger for a row we did not take: let the sweeper count it as idle."""
        session.execute(
            update(Transfer).where(
                Transfer.id == self.transfer_id,
                Transfer.state.in_([state.value for state in WAITING]),
                Transfer.dispatched_at.is_not(None),
            ).values(dispatched_at=None).execution_options(synchronize_session=False)
        )

    def _expiry_reason(self, row: Transfer, now: datetime) -> str | None:
        if row.attempts > self.policy.max_attempts:
            return "ATTEMPTS_EXHAUSTED"
        if now - row.budget_from > self.policy.max_age:
            return "MAX_AGE_EXCEEDED"
        return None

    def _finish_dead(self, session: Session, row: Transfer, now: datetime,
                     reason: str) -> DeliveryResult:
        row.state = TransferState.DEAD.value
        row.lease_until = None
        row.last_error = reason
        row.updated_at = now
        self._audit(session, row, "dead_letter", now, (reason,), {"attempts": row.attempts})
        log.warning("transfer %s dead letter: %s", row.id, reason)
        notice = SenderNotice(row.id, row.sender, TransferState.DEAD, (reason,))
        self._notify_later(session, notice)
        return DeliveryResult(row.id, Outcome.DEAD, row.attempts, reason_codes=(reason,))

    # -- record ------------------------------------------------------------------------------

    def _record(self, row: Transfer, ack: Acknowledgement) -> DeliveryResult:
        codes = tuple(problem.code for problem in ack.issues)
        proof = _Proof.of(ack)
        if ack.code == "ok":
            return self._acked(row, proof)
        if ack.code == "transient-error":
            return self._retry(row, codes or ("TRANSIENT_ERROR",), "transient-error", proof)
        return self._stop(row, TransferState.DEAD, codes or ("FATAL_ERROR",), "dead_letter",
                          "fatal-error", proof)

    def _acked(self, row: Transfer, proof: _Proof) -> DeliveryResult:
        now = self.clock()
        values = {"state": TransferState.ACKED.value, "ack_code": "ok", "acked_at": now,
                  "lease_until": None, "last_error": None, **proof.values}
        with self.session_factory() as session, session.begin():
            if not self._fenced_update(session, row, now, values):
                return DeliveryResult(row.id, Outcome.SKIPPED, row.attempts)
            self._audit(session, row, "acknowledgement", now, (),
                        {"ack": "ok", "attempt": row.attempts, **proof.detail})
            if self.on_acked is not None:
                self.on_acked(session, row)
        log.info("transfer %s acked on attempt %d", row.id, row.attempts)
        return DeliveryResult(row.id, Outcome.ACKED, row.attempts)

    def _retry(self, row: Transfer, codes: tuple[str, ...], error: str,
               proof: _Proof | None = None) -> DeliveryResult:
        now = self.clock()
        proof = proof or _Proof()
        if row.attempts >= self.policy.max_attempts:
            return self._stop(row, TransferState.DEAD, (*codes, "ATTEMPTS_EXHAUSTED"),
                              "dead_letter", error, proof)
        if now - row.budget_from > self.policy.max_age:
            return self._stop(row, TransferState.DEAD, (*codes, "MAX_AGE_EXCEEDED"),
                              "dead_letter", error, proof)
        due = now + self.policy.delay(row.attempts, self.rng)
        values = {"state": TransferState.TRANSIENT_ERROR.value, "next_attempt_at": due,
                  "lease_until": None, "last_error": error, "ack_code": "transient-error",
                  **proof.values}
        with self.session_factory() as session, session.begin():
            if not self._fenced_update(session, row, now, values):
                return DeliveryResult(row.id, Outcome.SKIPPED, row.attempts)
            self._audit(session, row, "acknowledgement", now, codes,
                        {"ack": "transient-error", "attempt": row.attempts, **proof.detail})
        log.info("transfer %s attempt %d failed (%s); next at %s", row.id, row.attempts,
                 ",".join(codes), due.isoformat())
        return DeliveryResult(row.id, Outcome.RETRY, row.attempts, due, codes)

    def _stop(self, row: Transfer, state: TransferState, codes: tuple[str, ...],
              kind: AuditKind, error: str | None = None,
              proof: _Proof | None = None) -> DeliveryResult:
        now = self.clock()
        proof = proof or _Proof()
        values = {"state": state.value, "lease_until": None,
                  "last_error": ",".join(codes) + (f" ({error})" if error else ""),
                  **proof.values}
        with self.session_factory() as session, session.begin():
            if not self._fenced_update(session, row, now, values):
                return DeliveryResult(row.id, Outcome.SKIPPED, row.attempts)
            self._audit(session, row, kind, now, codes, {"attempt": row.attempts,
                                                         **proof.detail})
        log.warning("transfer %s %s: %s", row.id, state.value, ",".join(codes))
        if self.notify is not None:
            self.notify(SenderNotice(row.id, row.sender, state, codes))
        outcome = Outcome.CANCELLED if state is TransferState.CANCELLED else Outcome.DEAD
        return DeliveryResult(row.id, outcome, row.attempts, reason_codes=codes)

    def _fenced_update(self, session: Session, row: Transfer, now: datetime,
                       values: dict[str, Any]) -> bool:
        result = session.execute(
            update(Transfer).where(
                Transfer.id == row.id, Transfer.state == TransferState.SENDING.value,
                Transfer.attempts == row.attempts,
            ).values(updated_at=now, **values).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            log.warning("transfer %s: lease lost before attempt %d was recorded", row.id,
                        row.attempts)
            return False
        return True

    def _audit(self, session: Session, row: Transfer, kind: AuditKind, now: datetime,
               codes: tuple[str, ...], detail: dict[str, Any]) -> None:
        self.audit.append(session, AuditEvent(
            kind=kind, at=now, actor=self.actor, transfer_id=row.id, recipient_org=row.peer,
            record_kind=row.kind, consent_id=row.consent_id, reason_codes=codes,
            decision="deny" if kind == "cancellation" else None, detail=detail,
        ))

    def _notify_later(self, session: Session, notice: SenderNotice) -> None:
        if self.notify is None:
            return
        notify = self.notify
        event.listen(session, "after_commit", lambda _s: notify(notice), once=True)


@dataclass(frozen=True)
class _Proof:
    """The peer's signed acknowledgement, kept on the row; its digest goes in the evidence."""

    body: bytes = b""

    @classmethod
    def of(cls, ack: Acknowledgement) -> _Proof:
        """The proof an acknowledgement carries (none if it came without its bytes)."""
        return cls(ack.body or b"")

    @property
    def values(self) -> dict[str, Any]:
        """Row values: the body, when there is one."""
        return {"ack_body": self.body} if self.body else {}

    @property
    def detail(self) -> dict[str, Any]:
        """Evidence detail: the SHA-256 of the body, when there is one."""
        return {"ack_sha256": hashlib.sha256(self.body).hexdigest()} if self.body else {}


def _describe(exc: DeliveryError) -> str:
    return f"{exc.code}: {type(exc).__name__}: {str(exc)[:300]}"


def deliver(
    transfer_id: str,
    *,
    session_factory: SessionFactory,
    transport: Transport,
    redecide: Redecide,
    audit: AuditSink,
    clock: Clock = utcnow,
    policy: RetryPolicy | None = None,
    notify: Notify | None = None,
    rng: random.Random | None = None,
    actor: str = "delivery",
    on_acked: OnAcked | None = None,
) -> DeliveryResult:
    """Deliver outbox row ``transfer_id`` once, if it is due; see the module docstring.

    ``on_acked(session, row)`` runs inside the transaction that records an ``ok``, so what an
    acknowledgement changes commits together with it (or not at all).
    """
    return _Delivery(
        transfer_id=transfer_id, session_factory=session_factory, transport=transport,
        redecide=redecide, audit=audit, clock=clock, policy=policy or RetryPolicy(),
        notify=notify, rng=rng, actor=actor, on_acked=on_acked,
    ).run()
