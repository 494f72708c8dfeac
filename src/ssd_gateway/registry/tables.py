"""The registry's tables on the shared declarative ``Base``.

Moments are stored as UTC and read back as aware UTC datetimes (``UTCDateTime``), so that
SQLite and PostgreSQL compare revocations the same way. Migrations belong to integration.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Index, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from ssd_gateway.db import Base


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store ``value`` as naive UTC; a naive value must already be UTC."""
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read back as aware UTC."""
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ConsentRecord(Base):
    """A registered consent (samtykke), as the decision contract shapes it.

    ``document`` holds the consent exactly as ``list_consents`` returns it (JSON text, one
    ``orjson.loads`` per row); the other columns are what the registry filters and updates on.
    A revocation updates ``revoked_at`` and the document together.
    """

    __tablename__ = "registry_consents"
    __table_args__ = (Index("ix_registry_consents_child_id", "child_id", "id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32))
    signed_at: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expired: Mapped[bool] = mapped_column(Boolean, default=False)
    document: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SSDMeetingRecord(Base):
    """A §49a meeting in the ledger that counts meetings per child."""

    __tablename__ = "registry_ssd_meetings"
    __table_args__ = (Index("ix_registry_ssd_meetings_child_at", "child_id", "at"),)

    meeting_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    follow_up_of: Mapped[str | None] = mapped_column(String(64), nullable=True)
    special_case_justification: Mapped[str | None] = mapped_column(Text, nullable=True)


class StafetlogRecord(Base):
    """Who holds a stafetlog, and any handover on offer."""

    __tablename__ = "registry_stafetlogs"

    log_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    holder_org_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    offered_to_org_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
