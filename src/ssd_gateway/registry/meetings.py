"""The §49a meeting ledger: which SSD meetings each child has had (one initial, one follow-up)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ssd_gateway.policy.request import normalise_child_id
from ssd_gateway.registry._query import execute
from ssd_gateway.registry.tables import SSDMeetingRecord

_TABLE = SSDMeetingRecord.__table__
#: the child's meetings, oldest first; built once so that SQLAlchemy's statement cache hits
_BY_CHILD = (
    select(_TABLE.c.meeting_id, _TABLE.c.at, _TABLE.c.follow_up_of)
    .where(_TABLE.c.child_id == bindparam("child_id"))
    .order_by(_TABLE.c.at, _TABLE.c.meeting_id)
)


def record_meeting(
    session: Session,
    child_id: str,
    meeting_id: str,
    at: datetime,
    *,
    follow_up_of: str | None = None,
    special_case_justification: str | None = None,
) -> bool:
    """Add a meeting to the child's ledger; False if it was already there (counted once)."""
    if session.get(SSDMeetingRecord, meeting_id) is not None:
        return False
    session.add(SSDMeetingRecord(
        meeting_id=meeting_id,
        child_id=normalise_child_id(child_id),
        at=at,
        follow_up_of=follow_up_of,
        special_case_justification=special_case_justification,
    ))
    session.flush()
    return True


def meeting_history(session: Session, child_id: str) -> list[dict[str, Any]]:
    """The child's §49a meetings, oldest first, as the contract's ``ssd_history`` entries."""
    history = []
    for row in execute(session, _BY_CHILD, {"child_id": normalise_child_id(child_id)}):
        entry: dict[str, Any] = {"meeting_id": row[0], "at": row[1].isoformat()}
        if row[2]:
            entry["follow_up_of"] = row[2]
        history.append(entry)
    return history
