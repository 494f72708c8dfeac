"""What a transfer changes in this gateway's registries, and when.

- Outbound, when queued: a new stafetlog opens in the registry with its holder; a handover
  offer is recorded as pending (the holder stays holder); a receipt marks the underretning.
- Inbound, when accepted: a consent is registered; an unknown stafetlog is recorded with the
  sender's holder; a handover offer to us is recorded as pending (a withdrawal notice, the
  offer with state ``withdrawn``, drops it); an acceptance of our offer makes the accepting
  organisation holder (a refusal drops the offer).
- Outbound, when acknowledged ``ok``: our acceptance of a handover makes us holder; our
  refusal drops the offer. So the holder changes on both sides only once the acceptance has
  travelled, and never while an offer is unanswered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ssd_gateway.contracts import AuditEvent
from ssd_gateway.exceptions import NotFound
from ssd_gateway.gateway import received
from ssd_gateway.gateway.requests import consent_contract
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.model import (
    Consent,
    FeedbackRequest,
    HandoverState,
    Message,
    Receipt,
    Stafetlog,
    StafetlogHandoverAnswer,
    StafetlogHandoverOffer,
)
from ssd_gateway.registry import (
    accept_handover,
    drop_offer,
    list_consents,
    offer_handover,
    open_stafetlog,
    register_consent,
    stafetlog_state,
)
from ssd_gateway.registry.tables import StafetlogRecord


def _known_log(session: Session, log_id: str) -> bool:
    try:
        stafetlog_state(session, log_id)
    except NotFound:
        return False
    return True


def _ensure_log(session: Session, log_id: str, child_id: str, holder: str, at: datetime) -> None:
    if not _known_log(session, log_id):
        open_stafetlog(session, log_id, child_id, holder, at)


def after_submit(gateway: Gateway, session: Session, message: Message, at: datetime) -> None:
    """Registry changes of a permitted, queued outbound message."""
    record = message.record
    if isinstance(record, Stafetlog) and record.holder is not None:
        _ensure_log(session, record.id, record.child.id, record.holder.org_id, at)
    elif isinstance(record, StafetlogHandoverOffer) and _withdrawn(record):
        _handover_event(gateway, session, message, at, "withdrawal_sent")  # dropped already
    elif isinstance(record, StafetlogHandoverOffer):
        offer_handover(session, record.stafetlog_id, record.from_org_id, record.to_org_id, at)
        _handover_event(gateway, session, message, at, "offered")
    elif isinstance(record, Receipt):
        row = received.by_record(session, record.underretning_id, "underretning")
        if row is not None:
            row.receipt_sent_at = at
    elif isinstance(record, Consent):
        _register(session, record)


def after_receive(gateway: Gateway, session: Session, message: Message, at: datetime,
                  row: received.InboundRow) -> None:
    """Registry changes of an accepted inbound message."""
    record = message.record
    if isinstance(record, Consent):
        _register(session, record)
    elif isinstance(record, Stafetlog) and record.holder is not None:
        _ensure_log(session, record.id, record.child.id, record.holder.org_id, at)
    elif isinstance(record, StafetlogHandoverOffer) and _withdrawn(record):
        _drop_withdrawn(session, row, record, at)
        _handover_event(gateway, session, message, at, "offer_withdrawn")
    elif isinstance(record, StafetlogHandoverOffer) and _earlier_rows(session, row, record):
        # its withdrawal notice overtook it: the offer is not open
        _handover_event(gateway, session, message, at, "offer_received_withdrawn")
    elif isinstance(record, StafetlogHandoverOffer):
        _ensure_log(session, record.stafetlog_id, record.child_id, record.from_org_id, at)
        offer_handover(session, record.stafetlog_id, record.from_org_id, record.to_org_id, at)
        _handover_event(gateway, session, message, at, "offer_received")
    elif isinstance(record, StafetlogHandoverAnswer):
        _apply_answer(gateway, session, message, record, at)
    elif isinstance(record, FeedbackRequest):
        underretning = received.by_record(session, record.underretning_id, "underretning")
        if underretning is not None:
            underretning.feedback_requested = True
            underretning.feedback_notifier_kind = record.notifier_kind.value


def after_acked(gateway: Gateway, session: Session, message: Message, at: datetime) -> None:
    """Registry changes once an outbound message is acknowledged ``ok``."""
    if isinstance(message.record, StafetlogHandoverAnswer):
        _apply_answer(gateway, session, message, message.record, at)


def _apply_answer(gateway: Gateway, session: Session, message: Message,
                  answer: StafetlogHandoverAnswer, at: datetime) -> None:
    if answer.accepted:
        accept_handover(session, answer.stafetlog_id, answer.org_id, at)
    else:
        drop_offer(session, answer.stafetlog_id, at)
    _handover_event(gateway, session, message, at, "accepted" if answer.accepted else "refused")


def _withdrawn(offer: StafetlogHandoverOffer) -> bool:
    return offer.state is HandoverState.WITHDRAWN


def _earlier_rows(session: Session, row: received.InboundRow,
                  offer: StafetlogHandoverOffer) -> list[received.InboundRow]:
    """Messages received before ``row`` that carried the same offer id."""
    return [r for r in received.all_by_record(session, offer.id, offer.kind) if r.id != row.id]


def _drop_withdrawn(session: Session, row: received.InboundRow,
                    offer: StafetlogHandoverOffer, at: datetime) -> None:
    """Drop the offer in our registry if it is still the one on offer to us: it arrived
    (before its withdrawal) and no newer offer from the same sender has replaced it."""
    earlier = _earlier_rows(session, row, offer)
    if not earlier or received.other_since(session, offer.kind, row.peer_org_id, row.child_id,
                                           earlier[0].received_at, offer.id):
        return
    record = session.get(StafetlogRecord, offer.stafetlog_id)
    if (record is not None and record.status == "open"
            and record.offered_to_org_id == offer.to_org_id):
        drop_offer(session, offer.stafetlog_id, at)


def _register(session: Session, consent: Consent) -> None:
    """Register a consent this gateway does not hold yet (a resend changes nothing)."""
    if any(c["id"] == consent.id for c in list_consents(session, consent.child_id)):
        return
    register_consent(session, consent_contract(consent))


def _handover_event(gateway: Gateway, session: Session, message: Message, at: datetime,
                    what: str) -> None:
    record = message.record
    gateway.record(session, AuditEvent(
        kind="handover", at=at, actor=gateway.party.org_id,
        child_id=getattr(record, "child_id", None), sender_org=message.sender.org_id,
        recipient_org=message.recipient.org_id, record_kind=message.kind,
        detail={"stafetlog_id": getattr(record, "stafetlog_id", None), "step": what}))
