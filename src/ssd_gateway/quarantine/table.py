"""The ``quarantine`` table: one row per rejected record, document or inbound message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ssd_gateway.db import Base

#: an entry waits for a retry while ``open``; a successful retry makes it ``resolved``
STATUSES = ("open", "resolved")


class QuarantineEntry(Base):
    """Rejected input with its reasons; generic over where it came from."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: what put it here: ``mapping`` (a journal export), ``federation`` (an inbound message)…
    source: Mapped[str] = mapped_column(String(64), index=True)
    #: the file name, the peer's org id or the API client: where it came from
    origin: Mapped[str | None] = mapped_column(String(512))
    mapping_id: Mapped[str | None] = mapped_column(String(200), index=True)
    mapping_version: Mapped[str | None] = mapped_column(String(64))
    record_kind: Mapped[str | None] = mapped_column(String(64))
    #: ``record`` (the payload is one record) or ``document`` (the whole input)
    scope: Mapped[str] = mapped_column(String(16), default="record")
    location: Mapped[str | None] = mapped_column(Text)
    reason_codes: Mapped[list[str]] = mapped_column(JSON)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
