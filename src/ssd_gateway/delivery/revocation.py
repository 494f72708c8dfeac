"""Revocation fan-out: when a consent is revoked, stop what has not left and tell who has data.

``revoke_consent_fanout`` runs in the caller's transaction (the registry's revocation):

- every ``pending`` or ``transient_error`` transfer relying on the consent becomes
  ``cancelled`` (evidence: one ``cancellation`` per transfer, reason ``CONSENT_REVOKED``);
  a transfer ``sending`` at this moment is re-decided by its worker right before the send
  and also stops there, or it was already past that point and counts as received;
- every peer that acknowledged data under the consent gets one notification transfer
  (kind ``consent-revoked-notice``), idempotent per (consent, peer): revoking twice
  notifies once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ssd_gateway.contracts import AuditEvent, AuditSink, MessageFormat
from ssd_gateway.delivery.outbox import Dispatcher, NewTransfer, Transfer, enqueue, find_by_key
from ssd_gateway.delivery.states import WAITING, TransferState
from ssd_gateway.delivery.timeutil import Clock, utcnow

NOTICE_KIND = "consent-revoked-notice"


@dataclass(frozen=True)
class Notice:
    """A rendered revocation notice for one peer, with the ids its acknowledgement names."""

    format: MessageFormat
    body: bytes
    message_id: str
    bundle_id: str


#: renders the notice for one peer: ``(consent_id, peer, revoked_at) -> Notice``
NoticeRenderer = Callable[[str, str, datetime], Notice]


def json_notice(consent_id: str, peer: str, revoked_at: datetime) -> Notice:
    """A minimal JSON notice (tests); the gateway renders a signed consent message instead."""
    body = {"type": NOTICE_KIND, "consent_id": consent_id, "recipient": peer,
            "revoked_at": revoked_at.isoformat()}
    key = f"revocation:{consent_id}:{peer}"
    return Notice("fhir", json.dumps(body, sort_keys=True).encode(), key, key)


@dataclass(frozen=True)
class FanoutResult:
    """What a revocation did to the outbox."""

    cancelled: tuple[str, ...]
    notices: tuple[str, ...]
    notified_peers: tuple[str, ...]


def revoke_consent_fanout(
    session: Session,
    consent_id: str,
    *,
    actor: str,
    audit: AuditSink,
    clock: Clock = utcnow,
    render_notice: NoticeRenderer = json_notice,
    dispatch: Dispatcher | None = None,
) -> FanoutResult:
    """Cancel undelivered transfers under ``consent_id`` and queue a notice per recipient."""
    now = clock()
    cancelled = _cancel_waiting(session, consent_id, actor, audit, now)
    peers = sorted(set(session.scalars(select(Transfer.peer).where(
        Transfer.consent_id == consent_id, Transfer.state == TransferState.ACKED.value))))
    notices: list[str] = []
    for peer in peers:
        key = f"revocation:{consent_id}:{peer}"
        if find_by_key(session, key) is not None:
            continue
        notice = render_notice(consent_id, peer, now)
        row = enqueue(session, NewTransfer(
            kind=NOTICE_KIND, peer=peer, format=notice.format, body=notice.body,
            message_id=notice.message_id, bundle_id=notice.bundle_id, idempotency_key=key,
            sender=actor, consent_id=None,
        ), audit=audit, actor=actor, clock=clock, dispatch=dispatch)
        notices.append(row.id)
    session.flush()
    return FanoutResult(tuple(cancelled), tuple(notices), tuple(peers))


def _cancel_waiting(session: Session, consent_id: str, actor: str, audit: AuditSink,
                    now: datetime) -> list[str]:
    rows = session.scalars(select(Transfer).where(
        Transfer.consent_id == consent_id,
        Transfer.state.in_([state.value for state in WAITING]),
    ).order_by(Transfer.id).with_for_update()).all()
    for row in rows:
        row.state = TransferState.CANCELLED.value
        row.last_error = "CONSENT_REVOKED"
        row.dispatched_at = None
        row.updated_at = now
        audit.append(session, AuditEvent(
            kind="cancellation", at=now, actor=actor, transfer_id=row.id,
            recipient_org=row.peer, record_kind=row.kind, consent_id=consent_id,
            decision="deny", reason_codes=("CONSENT_REVOKED",),
        ))
    return [row.id for row in rows]
