"""What this gateway received: each accepted message, the manual-review queue for underretninger
that could not be read, and the receipt deadline of each underretning.

An underretning is never bounced for its format (DOMAIN.md §3.3): a malformed one is stored
here with status ``manual_review`` and answered ``ok`` with a warning. Bodies are kept for
the retention period only; the row (ids, kind, times, codes) stays.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ssd_gateway.db import Base

ACCEPTED = "accepted"
MANUAL_REVIEW = "manual_review"


class InboundRow(Base):
    """One message received from a peer."""

    __tablename__ = "inbound_messages"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    peer_org_id: Mapped[str] = mapped_column(String(128), index=True)
    bundle_id: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    format: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20), index=True)
    record_id: Mapped[str | None] = mapped_column(String(128), index=True, nullable=True)
    child_id: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    problems: Mapped[str | None] = mapped_column(Text, nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    receipt_due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    receipt_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                             nullable=True)
    acute: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback_notifier_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)


def store(session: Session, **values: object) -> InboundRow:
    """Add one received message and return its row."""
    row = InboundRow(id=str(uuid.uuid4()), **values)
    session.add(row)
    return row


def by_record(session: Session, record_id: str, kind: str) -> InboundRow | None:
    """The accepted message that carried record ``record_id`` of ``kind``."""
    query = select(InboundRow).where(InboundRow.record_id == record_id, InboundRow.kind == kind,
                                     InboundRow.status == ACCEPTED)
    return session.scalars(query.order_by(InboundRow.received_at.desc())).first()


def all_by_record(session: Session, record_id: str, kind: str) -> list[InboundRow]:
    """Every accepted message that carried record ``record_id`` of ``kind``, oldest first
    (a handover offer and its withdrawal notice share the offer's id)."""
    query = select(InboundRow).where(InboundRow.record_id == record_id, InboundRow.kind == kind,
                                     InboundRow.status == ACCEPTED)
    return list(session.scalars(query.order_by(InboundRow.received_at)))


def other_since(session: Session, kind: str, peer_org_id: str, child_id: str | None,
                since: datetime, record_id: str) -> bool:
    """Whether ``peer_org_id`` sent another record of ``kind`` about the child after
    ``since`` (a newer handover offer superseding the one ``record_id`` names)."""
    query = select(InboundRow.id).where(
        InboundRow.kind == kind, InboundRow.status == ACCEPTED,
        InboundRow.peer_org_id == peer_org_id, InboundRow.child_id == child_id,
        InboundRow.received_at > since, InboundRow.record_id != record_id)
    return session.scalars(query.limit(1)).first() is not None


def manual_review(session: Session) -> list[InboundRow]:
    """Underretninger waiting for a person to read them, oldest first."""
    query = select(InboundRow).where(InboundRow.status == MANUAL_REVIEW)
    return list(session.scalars(query.order_by(InboundRow.received_at)))


def receipts_overdue(session: Session, today: date) -> list[InboundRow]:
    """Accepted underretninger whose receipt deadline has passed without a receipt."""
    query = select(InboundRow).where(InboundRow.kind == "underretning",
                                     InboundRow.receipt_due < today,
                                     InboundRow.receipt_sent_at.is_(None))
    return list(session.scalars(query.order_by(InboundRow.receipt_due)))


def purge_bodies(session: Session, before: datetime) -> int:
    """Delete bodies of accepted messages received before ``before``; keep the rows.

    Underretninger waiting for manual review keep theirs until a person has read them.
    """
    rows = session.scalars(select(InboundRow).where(InboundRow.received_at < before,
                                                    InboundRow.status == ACCEPTED,
                                                    InboundRow.body.is_not(None)))
    count = 0
    for row in rows:
        row.body = None
        count += 1
    return count
