"""Retention of message bodies, as seen from the evidence log.

The log never holds a body, so the retention job (in ``delivery``) can delete bodies without
touching the log, and verification never reads them. What the log adds is *evidence of the
deletion itself*: the job calls ``record_body_purge`` in the same transaction as its DELETE,
so "bodies of transfers delivered before D were deleted on E" is itself a sealed entry.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from ssd_gateway.audit.store import AuditLog
from ssd_gateway.contracts import AuditEvent


def record_body_purge(session: Session, log: AuditLog, *, count: int, delivered_before: date,
                      retention_days: int, actor: str = "retention",
                      at: datetime | None = None) -> None:
    """Append an ``operator_action`` entry saying how many bodies were deleted, and up to when."""
    log.append(session, AuditEvent(
        kind="operator_action", at=at or datetime.now(UTC), actor=actor,
        detail={"action": "purge_bodies", "count": count,
                "delivered_before": delivered_before.isoformat(),
                "retention_days": retention_days}))
