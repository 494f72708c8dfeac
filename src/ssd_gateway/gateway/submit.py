"""The outbound path of one transfer (ARCHITECTURE.md §1), up to the outbox.

validate → decide on registry state → evidence entry → (permit) render, validate and sign →
outbox row, in ONE database transaction; the broker is told only after it commits. A denied
transfer is indexed and logged, never queued.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ssd_gateway.contracts import AuditEvent, MessageFormat
from ssd_gateway.delivery import Dispatcher, NewTransfer, enqueue
from ssd_gateway.exceptions import PeerRefused
from ssd_gateway.gateway import effects, transfers
from ssd_gateway.gateway.outbound import render_signed
from ssd_gateway.gateway.requests import child_id_of, consent_contract
from ssd_gateway.gateway.runtime import ANONYMOUS_CHILD_ID, Gateway
from ssd_gateway.logs import get_logger
from ssd_gateway.model import Consent, Message, Underretning
from ssd_gateway.policy import Decision

log = get_logger(__name__)


@dataclass(frozen=True)
class Submitted:
    """The result of submitting one message: its transfer id, state and decision."""

    transfer_id: str
    state: str
    decision: dict[str, Any]


def submit(gateway: Gateway, message: Message, fmt: MessageFormat, actor: str,
           dispatch: Dispatcher | None = None) -> Submitted:
    """Decide, log and (if permitted) queue ``message``; one transaction."""
    if message.sender.org_id != gateway.party.org_id:
        raise PeerRefused("the sender of a submitted message must be this gateway's organisation")
    _check_peer(gateway, message, fmt)
    transfer_id = str(uuid.uuid4())
    with gateway.sessions.begin() as session:
        at = gateway.now()
        decision = gateway.decide(session, message, at, carried=carried_consents(message))
        gateway.record(session, decision_event(gateway, message, decision, transfer_id, at,
                                               actor))
        child = child_id_of(message)
        transfers.add(session, transfer_id, message, child, fmt, decision.as_dict(), at)
        if not decision.permitted:
            gateway.metrics.denials.labels(message.kind, decision.codes[0]).inc()
            log.info("transfer_denied", transfer_id=transfer_id, kind=message.kind,
                     peer=message.recipient.org_id, reasons=list(decision.codes))
            return Submitted(transfer_id, "denied", decision.as_dict())
        _queue(gateway, session, message, fmt, transfer_id, actor, dispatch)
        effects.after_submit(gateway, session, message, at)
    gateway.metrics.transfers.labels(message.kind, "pending", "permit").inc()
    log.info("transfer_queued", transfer_id=transfer_id, kind=message.kind, format=fmt,
             peer=message.recipient.org_id, basis=decision.basis)
    return Submitted(transfer_id, "pending", decision.as_dict())


def carried_consents(message: Message) -> list[dict[str, Any]] | None:
    """The consent a consent message carries, as a contract object (decided with it)."""
    record = message.record
    return [consent_contract(record)] if isinstance(record, Consent) else None


def _check_peer(gateway: Gateway, message: Message, fmt: MessageFormat) -> None:
    peer = gateway.directory.get(message.recipient.org_id)
    if not peer.accepts(message.kind, fmt):
        raise PeerRefused(f"peer {peer.org_id} does not accept {message.kind} as {fmt}")


def _queue(gateway: Gateway, session: Session, message: Message, fmt: MessageFormat,
           transfer_id: str, actor: str, dispatch: Dispatcher | None) -> None:
    rendered = render_signed(message, fmt, gateway.key)
    acute = isinstance(message.record, Underretning) and message.record.suspected_violence_or_abuse
    enqueue(session, NewTransfer(
        kind=message.kind, peer=message.recipient.org_id, format=fmt, body=rendered.body,
        message_id=rendered.message_header_id, bundle_id=rendered.bundle_id,
        consent_id=message.consent_id, acute=acute, sender=gateway.party.org_id,
        transfer_id=transfer_id,
    ), audit=gateway.audit, actor=actor, dispatch=dispatch)


def decision_event(gateway: Gateway, message: Message, decision: Decision, transfer_id: str,
                   at: Any, actor: str) -> AuditEvent:
    """The evidence entry of one decision (codes and ids only)."""
    data = decision.as_dict()
    child = child_id_of(message)
    return AuditEvent(
        kind="decision", at=at, actor=actor, transfer_id=transfer_id,
        child_id=None if child in (None, ANONYMOUS_CHILD_ID) else child,
        sender_org=message.sender.org_id, recipient_org=message.recipient.org_id,
        sender_sector=message.sender.sector.value,
        recipient_sector=message.recipient.sector.value, record_kind=message.kind,
        basis=data["basis"], decision=data["decision"], reason_codes=decision.codes,
        rule_pack=data["rule_pack"], consent_id=data.get("consent_id"),
        meeting_id=data.get("meeting_id"),
        detail={"obligations": list(data["obligations"]), "warnings": list(data["warnings"]),
                "record_id": message.record.id, "meeting_ordinal": data.get("meeting_ordinal"),
                "direction": "outbound",
                "withheld": "do_not_contact_parents" in data["obligations"]},
    )
