"""The outbox: one row per transfer, the single source of truth for delivery.

``enqueue()`` writes the row and its evidence entry in the caller's transaction; the broker
is told about the row only after that transaction commits (``Dispatcher``), and only ever
carries the row id. If the broker loses the message, the sweeper finds the row again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, LargeBinary, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ssd_gateway.contracts import AuditEvent, AuditSink, MessageFormat, OutboundMessage
from ssd_gateway.db import Base
from ssd_gateway.delivery.states import TransferState
from ssd_gateway.delivery.timeutil import Clock, UTCDateTime, utcnow

log = logging.getLogger(__name__)

#: tells the broker that row ``transfer_id`` wants delivery (``acute`` goes first)
Dispatcher = Callable[[str, bool], None]

_DISPATCH_KEY = "ssd_delivery_dispatch"


class Transfer(Base):
    """One message on its way to one peer."""

    __tablename__ = "delivery_transfer"
    __table_args__ = (
        Index("ix_delivery_transfer_due", "state", "next_attempt_at"),
        Index("ix_delivery_transfer_consent", "consent_id"),
        Index("ix_delivery_transfer_peer", "peer"),
        Index("ix_delivery_transfer_created", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default=TransferState.PENDING.value)
    kind: Mapped[str] = mapped_column(String(60))
    peer: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(10))
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    message_id: Mapped[str] = mapped_column(String(200))
    bundle_id: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    sender: Mapped[str] = mapped_column(String(200), default="")
    consent_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    acute: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    ack_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the peer's last acknowledgement as received, signed: the proof of its answer
    ack_body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    body_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: when the attempt budget and the maximum age start counting (reset by operator retry)
    budget_from: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def outbound(self) -> OutboundMessage:
        """The message to hand to a ``Transport``."""
        if self.body is None:
            raise ValueError(f"transfer {self.id} has no body left to send")
        fmt: MessageFormat = "fhir" if self.format == "fhir" else "xml"
        return OutboundMessage(
            transfer_id=self.id, peer_org_id=self.peer, format=fmt, body=self.body,
            message_id=self.message_id, bundle_id=self.bundle_id,
        )


@dataclass(frozen=True)
class NewTransfer:
    """What a caller knows about a transfer before it is queued."""

    kind: str
    peer: str
    format: MessageFormat
    body: bytes
    message_id: str
    bundle_id: str
    idempotency_key: str | None = None
    consent_id: str | None = None
    acute: bool = False
    sender: str = ""
    #: the caller's id for the transfer (so its decision and evidence share it); new if None
    transfer_id: str | None = None


def enqueue(
    session: Session,
    new: NewTransfer,
    *,
    audit: AuditSink,
    actor: str,
    clock: Clock = utcnow,
    dispatch: Dispatcher | None = None,
) -> Transfer:
    """Add ``new`` to the outbox in ``session`` with its audit entry; commit is the caller's.

    The idempotency key defaults to the bundle id (one send of one bundle). If ``dispatch`` is
    given, the broker is told after the session commits; never before, so a worker can never
    look for a row that is not yet visible, and a rollback sends nothing.
    """
    now = clock()
    row = Transfer(
        id=new.transfer_id or str(uuid.uuid4()), state=TransferState.PENDING.value,
        kind=new.kind, peer=new.peer,
        format=new.format, body=new.body, message_id=new.message_id, bundle_id=new.bundle_id,
        idempotency_key=new.idempotency_key or new.bundle_id, sender=new.sender,
        consent_id=new.consent_id, acute=new.acute, attempts=0, next_attempt_at=now,
        dispatched_at=now if dispatch else None, created_at=now, updated_at=now,
        budget_from=now,
    )
    session.add(row)
    audit.append(session, AuditEvent(
        kind="send_attempt", at=now, actor=actor, transfer_id=row.id, recipient_org=new.peer,
        record_kind=new.kind, consent_id=new.consent_id,
        detail={"event": "queued", "acute": new.acute, "format": new.format},
    ))
    if dispatch is not None:
        dispatch_after_commit(session, dispatch, row.id, new.acute)
    return row


def find_by_key(session: Session, idempotency_key: str) -> Transfer | None:
    """The transfer queued under ``idempotency_key``, if any."""
    return session.scalars(
        select(Transfer).where(Transfer.idempotency_key == idempotency_key)
    ).one_or_none()


def dispatch_after_commit(session: Session, dispatch: Dispatcher, transfer_id: str,
                          acute: bool) -> None:
    """Call ``dispatch(transfer_id, acute)`` once ``session`` commits; forget it on rollback."""
    pending: list[tuple[Dispatcher, str, bool]] | None = session.info.get(_DISPATCH_KEY)
    if pending is None:
        pending = session.info[_DISPATCH_KEY] = []
        event.listen(session, "after_commit", _run_dispatches)
        event.listen(session, "after_rollback", _drop_dispatches)
    pending.append((dispatch, transfer_id, acute))


def _run_dispatches(session: Session) -> None:
    pending = session.info.get(_DISPATCH_KEY) or []
    batch, pending[:] = list(pending), []
    for dispatch, transfer_id, acute in sorted(batch, key=lambda item: not item[2]):
        try:
            dispatch(transfer_id, acute)
        except Exception as exc:  # the sweeper will find the row; the broker is only a hint
            log.warning("dispatch failed for transfer %s (%s); the sweeper will retry",
                        transfer_id, type(exc).__name__)


def _drop_dispatches(session: Session) -> None:
    pending = session.info.get(_DISPATCH_KEY)
    if pending:
        pending.clear()
