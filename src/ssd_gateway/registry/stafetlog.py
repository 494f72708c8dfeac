"""Stafetlog holder state: exactly one holder while open; handover is offer, then accept.

Until the new holder accepts, the old one remains holder; a refused or withdrawn offer
changes nothing; closing (archive or destroy) is the only way to have no holder, and a closed
log is never reopened (001:214-216, 001:566-568, 001:1608-1624).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ssd_gateway.exceptions import GatewayError, NotFound
from ssd_gateway.policy.request import normalise_child_id
from ssd_gateway.registry.tables import StafetlogRecord


class StafetlogStateError(GatewayError):
    """A change the stafetlog's state does not allow (not the holder, no offer, closed)."""

    code = "STAFETLOG_STATE"


def _open_log(session: Session, log_id: str) -> StafetlogRecord:
    record = session.get(StafetlogRecord, log_id)
    if record is None:
        raise NotFound(f"stafetlog {log_id}")
    if record.status != "open":
        raise StafetlogStateError(f"stafetlog {log_id} is {record.status}")
    return record


def open_stafetlog(
    session: Session, log_id: str, child_id: str, holder_org_id: str, at: datetime
) -> None:
    """Open a new log with its first stafetholder."""
    if session.get(StafetlogRecord, log_id) is not None:
        raise StafetlogStateError(f"stafetlog {log_id} exists; a new concern opens a new log")
    session.add(StafetlogRecord(
        log_id=log_id, child_id=normalise_child_id(child_id), status="open",
        holder_org_id=holder_org_id, offered_to_org_id=None, updated_at=at,
    ))
    session.flush()


def offer_handover(session: Session, log_id: str, from_org_id: str, to_org_id: str,
                   at: datetime) -> None:
    """The holder offers the log to ``to_org_id``; the holder stays holder until accepted."""
    record = _open_log(session, log_id)
    if record.holder_org_id != from_org_id:
        raise StafetlogStateError("only the stafetholder can offer a handover")
    record.offered_to_org_id, record.updated_at = to_org_id, at
    session.flush()


def accept_handover(session: Session, log_id: str, org_id: str, at: datetime) -> None:
    """The offered organisation accepts and becomes the holder."""
    record = _open_log(session, log_id)
    if record.offered_to_org_id != org_id:
        raise StafetlogStateError("no handover is on offer to this organisation")
    record.holder_org_id, record.offered_to_org_id, record.updated_at = org_id, None, at
    session.flush()


def drop_offer(session: Session, log_id: str, at: datetime) -> None:
    """A refused, withdrawn or expired offer: nothing changes but the offer is gone."""
    record = _open_log(session, log_id)
    record.offered_to_org_id, record.updated_at = None, at
    session.flush()


def close_stafetlog(session: Session, log_id: str, status: str, at: datetime) -> None:
    """Archive or destroy the log; it then has no holder and is never reopened."""
    if status not in ("archived", "destroyed"):
        raise StafetlogStateError("a log is closed as archived or destroyed")
    record = _open_log(session, log_id)
    record.status, record.holder_org_id, record.offered_to_org_id = status, None, None
    record.updated_at = at
    session.flush()


def stafetlog_state(session: Session, log_id: str) -> dict[str, Any]:
    """The log's state as the contract's ``transfer.stafetlog`` object."""
    record = session.get(StafetlogRecord, log_id)
    if record is None:
        raise NotFound(f"stafetlog {log_id}")
    state: dict[str, Any] = {"status": record.status}
    if record.holder_org_id:
        state["holder_org_id"] = record.holder_org_id
    return state
