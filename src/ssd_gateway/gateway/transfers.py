"""The gateway's index of its own transfers: what each one carried and how it was decided.

The outbox (``delivery``) holds bytes and states; this index holds what the gateway needs to
answer questions about a transfer later: the record kind and id, the record it refers to (the
underretning of a receipt or feedback request, the stafetlog of a handover), the child, and
the decision. Denied transfers are here too: they never reach the outbox.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ssd_gateway.db import Base
from ssd_gateway.model import Message


class TransferIndexRow(Base):
    """One transfer this gateway decided (permitted and queued, or denied)."""

    __tablename__ = "gateway_transfers"
    transfer_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[str] = mapped_column(String(128), index=True)
    ref_id: Mapped[str | None] = mapped_column(String(128), index=True, nullable=True)
    child_id: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    peer: Mapped[str] = mapped_column(String(128), index=True)
    format: Mapped[str] = mapped_column(String(8))
    decision: Mapped[str] = mapped_column(String(8), index=True)
    decision_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def ref_of(message: Message) -> str | None:
    """The id of the record a message refers to (underretning, stafetlog), if any."""
    record = message.record
    for name in ("underretning_id", "stafetlog_id"):
        value = getattr(record, name, None)
        if value:
            return str(value)
    return None


def add(session: Session, transfer_id: str, message: Message, child_id: str | None, fmt: str,
        decision: dict[str, Any], at: datetime) -> TransferIndexRow:
    """Index a decided transfer."""
    row = TransferIndexRow(
        transfer_id=transfer_id, message_id=message.message_id, kind=message.kind,
        record_id=message.record.id, ref_id=ref_of(message), child_id=child_id,
        peer=message.recipient.org_id, format=fmt, decision=decision["decision"],
        decision_json=json.dumps(decision, ensure_ascii=False), created_at=at)
    session.add(row)
    return row


def get(session: Session, transfer_id: str) -> TransferIndexRow | None:
    """The index row of one transfer."""
    return session.get(TransferIndexRow, transfer_id)


def sent_refering_to(session: Session, kind: str, ref_id: str) -> list[TransferIndexRow]:
    """Permitted transfers of ``kind`` that refer to record ``ref_id``."""
    query = select(TransferIndexRow).where(TransferIndexRow.kind == kind,
                                           TransferIndexRow.ref_id == ref_id,
                                           TransferIndexRow.decision == "permit")
    return list(session.scalars(query))
