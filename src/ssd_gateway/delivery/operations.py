"""Operator controls over the outbox: list, show, retry, cancel, dead letters, purge.

Plain functions over a session, used by ``ssd-gateway queue …`` and (later) the local API.
Every action that changes something appends an ``operator_action`` evidence entry per transfer
(who, what, when) in the same transaction as the change; the caller commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from ssd_gateway.contracts import AuditEvent, AuditSink
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.delivery.states import RETRYABLE, WAITING, TransferState
from ssd_gateway.delivery.timeutil import Clock, utcnow
from ssd_gateway.exceptions import NotFound

Progress = Callable[[int], None]


@dataclass(frozen=True)
class TransferFilter:
    """Which transfers an operator means; empty fields match everything."""

    peer: str | None = None
    states: tuple[TransferState, ...] = ()
    kind: str | None = None
    older_than: timedelta | None = None
    newer_than: timedelta | None = None
    consent_id: str | None = None
    ids: tuple[str, ...] = ()

    def apply(self, query: Select[Any], now: datetime) -> Select[Any]:
        """Narrow ``query`` (over ``Transfer``) to this filter."""
        conditions: list[Any] = []
        if self.peer:
            conditions.append(Transfer.peer == self.peer)
        if self.states:
            conditions.append(Transfer.state.in_([state.value for state in self.states]))
        if self.kind:
            conditions.append(Transfer.kind == self.kind)
        if self.older_than is not None:
            conditions.append(Transfer.created_at <= now - self.older_than)
        if self.newer_than is not None:
            conditions.append(Transfer.created_at >= now - self.newer_than)
        if self.consent_id:
            conditions.append(Transfer.consent_id == self.consent_id)
        if self.ids:
            conditions.append(Transfer.id.in_(self.ids))
        return query.where(*conditions)


@dataclass(frozen=True)
class TransferSummary:
    """One outbox row as an operator sees it (never the message body)."""

    id: str
    state: str
    kind: str
    peer: str
    acute: bool
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    consent_id: str | None
    message_id: str
    created_at: datetime
    updated_at: datetime
    body_size: int | None

    @classmethod
    def of(cls, row: Transfer) -> TransferSummary:
        """Summarise ``row``."""
        return cls(
            id=row.id, state=row.state, kind=row.kind, peer=row.peer, acute=row.acute,
            attempts=row.attempts, next_attempt_at=row.next_attempt_at,
            last_error=row.last_error, consent_id=row.consent_id, message_id=row.message_id,
            created_at=row.created_at, updated_at=row.updated_at,
            body_size=None if row.body is None else len(row.body),
        )


def list_transfers(session: Session, where: TransferFilter = TransferFilter(), *,
                   limit: int | None = 100, clock: Clock = utcnow) -> list[TransferSummary]:
    """Transfers matching ``where``, acute first, then oldest first."""
    query = where.apply(select(Transfer), clock()).order_by(
        Transfer.acute.desc(), Transfer.created_at, Transfer.id)
    if limit is not None:
        query = query.limit(limit)
    return [TransferSummary.of(row) for row in session.scalars(query)]


def dead_letters(session: Session, where: TransferFilter = TransferFilter(), *,
                 limit: int | None = 100, clock: Clock = utcnow) -> list[TransferSummary]:
    """Dead-lettered transfers matching ``where``."""
    dead = TransferFilter(**{**where.__dict__, "states": (TransferState.DEAD,)})
    return list_transfers(session, dead, limit=limit, clock=clock)


def show_transfer(session: Session, transfer_id: str) -> TransferSummary:
    """One transfer, or ``NotFound``."""
    row = session.get(Transfer, transfer_id)
    if row is None:
        raise NotFound(f"transfer {transfer_id}")
    return TransferSummary.of(row)


def matching_ids(session: Session, where: TransferFilter, *, clock: Clock = utcnow) -> list[str]:
    """Ids of every transfer matching ``where`` (for bulk actions with progress)."""
    return list(session.scalars(where.apply(select(Transfer.id), clock()).order_by(Transfer.id)))


def retry_transfers(session: Session, ids: Sequence[str], *, actor: str, audit: AuditSink,
                    clock: Clock = utcnow, progress: Progress | None = None) -> int:
    """Make dead, failed or waiting transfers due now with a fresh attempt budget."""
    return _act(session, ids, "retry", RETRYABLE, actor, audit, clock, progress, _retry_row)


def cancel_transfers(session: Session, ids: Sequence[str], *, actor: str, audit: AuditSink,
                     clock: Clock = utcnow, progress: Progress | None = None) -> int:
    """Cancel transfers that have not been sent (``pending``/``transient_error``)."""
    return _act(session, ids, "cancel", WAITING, actor, audit, clock, progress, _cancel_row)


def purge_dead(session: Session, ids: Sequence[str], *, actor: str, audit: AuditSink,
               clock: Clock = utcnow, progress: Progress | None = None) -> int:
    """Delete dead-letter rows for good (their evidence entries stay in the audit log)."""
    return _act(session, ids, "purge_dead", frozenset({TransferState.DEAD}), actor, audit,
                clock, progress, lambda s, row, now: s.execute(
                    delete(Transfer).where(Transfer.id == row.id)))


def _retry_row(_session: Session, row: Transfer, now: datetime) -> None:
    row.state = TransferState.PENDING.value
    row.attempts = 0
    row.next_attempt_at = now
    row.dispatched_at = None
    row.budget_from = now
    row.last_error = None
    row.updated_at = now


def _cancel_row(_session: Session, row: Transfer, now: datetime) -> None:
    row.state = TransferState.CANCELLED.value
    row.last_error = "CANCELLED_BY_OPERATOR"
    row.dispatched_at = None
    row.updated_at = now


def _act(session: Session, ids: Iterable[str], action: str, allowed: frozenset[TransferState],
         actor: str, audit: AuditSink, clock: Clock, progress: Progress | None,
         change: Callable[[Session, Transfer, datetime], Any]) -> int:
    now = clock()
    done = 0
    states = [state.value for state in allowed]
    for transfer_id in ids:
        row = session.scalars(select(Transfer).where(
            Transfer.id == transfer_id, Transfer.state.in_(states)).with_for_update()
        ).one_or_none()
        if row is not None:
            audit.append(session, AuditEvent(
                kind="operator_action", at=now, actor=actor, transfer_id=row.id,
                recipient_org=row.peer, record_kind=row.kind, consent_id=row.consent_id,
                detail={"action": action, "from_state": row.state},
            ))
            change(session, row, now)
            done += 1
        if progress is not None:
            progress(1)
    session.flush()
    return done
