"""A message becomes a policy decision request (``decision.schema.json``).

The message says who sends what to whom; the registries add what the gateway knows: the
child's consents, its §49a meeting history, the stafetlog's holder and status, and whether
the notifier asked for feedback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ssd_gateway.model import (
    Consent,
    FeedbackAnswer,
    Message,
    SSDExchange,
    SSDMeeting,
    Stafetlog,
    Underretning,
)


@dataclass(frozen=True)
class Known:
    """What the gateway knows beyond the message (consents, §49a history and the stafetlog's
    state are added from the registries when the request is hydrated)."""

    child: dict[str, Any]
    meeting: dict[str, Any] | None = None
    feedback_requested: bool = False
    feedback_notifier_kind: str | None = None


def consent_contract(consent: Consent) -> dict[str, Any]:
    """A consent record as the decision contract's ``consent`` object."""
    data: dict[str, Any] = consent.model_dump(mode="json", exclude_none=True)
    data.pop("kind", None)
    return data


def child_id_of(message: Message) -> str | None:
    """The id of the child a message is about (None for an anonymous consultation)."""
    record = message.record
    child = getattr(record, "child", None)
    if child is not None:
        return str(child.id)
    child_id = getattr(record, "child_id", None)
    return str(child_id) if child_id is not None else None


def _party(party: Any) -> dict[str, Any]:
    data = {"org_id": party.org_id, "sector": party.sector.value,
            "performs_public_task": party.performs_public_task}
    if party.municipality:
        data["municipality"] = party.municipality
    return data


def _underretning(record: Underretning) -> dict[str, Any]:
    informed = record.parents_informed
    data: dict[str, Any] = {
        "notifier_kind": record.notifier.kind.value,
        "suspected_violence_or_abuse": record.suspected_violence_or_abuse,
        "parents_informed": informed.informed,
        "withhold_from_parents": record.withhold_from_parents,
    }
    reason = informed.reason_not_informed or record.withhold_reason
    if reason:
        data["reason_parents_not_informed"] = reason
    return data


def _feedback(record: FeedbackAnswer, known: Known) -> dict[str, Any]:
    data: dict[str, Any] = {"requested": known.feedback_requested,
                            "outcome": record.outcome.value, "content": record.content,
                            "parents_accepted_fuller_feedback":
                                record.parents_accepted_fuller_feedback}
    if known.feedback_notifier_kind:
        data["notifier_kind"] = known.feedback_notifier_kind
    return data


def _stafetlog(message: Message) -> dict[str, Any] | None:
    """A full stafetlog carries its own state (handovers get it from the registry)."""
    record = message.record
    if isinstance(record, Stafetlog):
        return {"status": record.status.value,
                "holder_org_id": record.holder.org_id if record.holder else None}
    return None


def _meeting(message: Message, known: Known) -> dict[str, Any] | None:
    record = message.record
    if isinstance(record, SSDMeeting):
        meeting = {"id": record.id, "at": record.at.isoformat()}
        if record.follow_up_of:
            meeting["follow_up_of"] = record.follow_up_of
        if record.special_case_justification:
            meeting["special_case_justification"] = record.special_case_justification
        return meeting
    if isinstance(record, SSDExchange) or message.meeting_id:
        return known.meeting
    return None


def transfer_of(message: Message, known: Known) -> dict[str, Any]:
    """The ``transfer`` object of the decision request for ``message``."""
    record = message.record
    transfer: dict[str, Any] = {
        "kind": record.kind, "sender": _party(message.sender),
        "recipient": _party(message.recipient), "purpose": message.purpose.value,
        "categories": [c.value for c in message.categories],
        "basis": message.basis.value if message.basis else None,
    }
    if message.consent_id:
        transfer["consent_id"] = message.consent_id
    if isinstance(record, Underretning):
        transfer["underretning"] = _underretning(record)
    if isinstance(record, FeedbackAnswer):
        transfer["feedback"] = _feedback(record, known)
    stafetlog = _stafetlog(message)
    if stafetlog is not None:
        transfer["stafetlog"] = {k: v for k, v in stafetlog.items() if v is not None}
    meeting = _meeting(message, known)
    if meeting is not None:
        transfer["meeting"] = meeting
    if record.kind == "anonymous_consultation":
        transfer["payload"] = record.model_dump(mode="json", exclude_none=True)
    return transfer


def decision_request(message: Message, known: Known, at: datetime,
                     rule_pack: str, profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole decision request for ``message`` at moment ``at``."""
    request: dict[str, Any] = {
        "at": at.isoformat(), "rule_pack": rule_pack, "transfer": transfer_of(message, known),
        "child": known.child, "consents": [], "ssd_history": [],
    }
    if profile:
        request["profile"] = profile
    return request
