"""Decisions with registry state: fill a request's consents, §49a history and log state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ssd_gateway.policy import Decision, decide
from ssd_gateway.policy.request import COPENHAGEN
from ssd_gateway.registry.consents import list_consents
from ssd_gateway.registry.meetings import meeting_history, record_meeting
from ssd_gateway.registry.stafetlog import stafetlog_state


def hydrate_request(
    session: Session, request: Mapping[str, Any], *, stafetlog_id: str | None = None
) -> dict[str, Any]:
    """A copy of ``request`` whose consents and ssd_history come from the registry.

    With ``stafetlog_id`` the transfer also gets that log's status and holder.
    """
    child_id = request["child"]["id"]
    hydrated = dict(request)
    hydrated["consents"] = list_consents(session, child_id)
    hydrated["ssd_history"] = meeting_history(session, child_id)
    if stafetlog_id is not None:
        transfer = dict(request["transfer"])
        transfer["stafetlog"] = stafetlog_state(session, stafetlog_id)
        hydrated["transfer"] = transfer
    return hydrated


def decide_with_registry(
    session: Session,
    request: Mapping[str, Any],
    *,
    stafetlog_id: str | None = None,
    now: datetime | None = None,
    record: bool = True,
) -> Decision:
    """Decide ``request`` on registry state; a permitted §49a meeting enters the ledger."""
    decision = decide(hydrate_request(session, request, stafetlog_id=stafetlog_id), now=now)
    if record and decision.permitted and decision.basis == "ssd_49a" and decision.meeting_id:
        meeting = request["transfer"]["meeting"]
        at = meeting.get("at") or request["at"]
        moment = datetime.fromisoformat(at)
        record_meeting(
            session, request["child"]["id"], decision.meeting_id,
            moment if moment.tzinfo else moment.replace(tzinfo=COPENHAGEN),
            follow_up_of=meeting.get("follow_up_of"),
            special_case_justification=meeting.get("special_case_justification"),
        )
    return decision
