"""Revoking a consent: effective for every transfer not yet delivered, and told to every
organisation that already received data under it.

The notice is a signed consent message whose consent carries ``revoked_at``; a receiving
gateway applies it as a revocation of its own copy and cancels its own waiting transfers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ssd_gateway.contracts import AuditEvent
from ssd_gateway.delivery import Dispatcher, FanoutResult, revoke_consent_fanout
from ssd_gateway.delivery import operations as ops
from ssd_gateway.delivery.revocation import Notice
from ssd_gateway.delivery.states import WAITING
from ssd_gateway.exceptions import NotFound, PeerRefused
from ssd_gateway.gateway.envelope import envelope_for
from ssd_gateway.gateway.outbound import render_signed
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.model import parse_record
from ssd_gateway.policy.request import Party as PolicyParty
from ssd_gateway.policy.request import parse_consent
from ssd_gateway.registry import list_consents, revoke_consent
from ssd_gateway.registry.tables import ConsentRecord


def consent_contract(session: Session, consent_id: str) -> dict[str, Any]:
    """The registered consent ``consent_id`` as a contract object; NotFound if unknown."""
    child_id = session.scalar(select(ConsentRecord.child_id).where(ConsentRecord.id == consent_id))
    if child_id is None:
        raise NotFound(f"no consent {consent_id}")
    return next(c for c in list_consents(session, child_id) if c["id"] == consent_id)


def revoke(gateway: Gateway, consent_id: str, at: datetime, actor: str,
           dispatch: Dispatcher | None = None) -> FanoutResult:
    """Revoke locally, cancel waiting transfers and notify earlier recipients; one transaction."""
    with gateway.sessions.begin() as session:
        consent = consent_contract(session, consent_id)
        revoke_consent(session, consent_id, at)
        _event(gateway, session, consent, at, actor, "revoked_here")

        def notice(cid: str, peer: str, when: datetime) -> Notice:
            return _signed_notice(gateway, {**consent, "revoked_at": at.isoformat()}, peer)

        return revoke_consent_fanout(session, consent_id, actor=actor, audit=gateway.audit,
                                     clock=gateway.now, render_notice=notice, dispatch=dispatch)


def apply_notice(gateway: Gateway, session: Session, consent: dict[str, Any], sender: str,
                 at: datetime) -> int:
    """A peer told us a consent was revoked: revoke our copy, cancel our waiting transfers.

    Only an organisation our copy of the consent covers may revoke it here (PeerRefused).
    """
    try:
        ours = consent_contract(session, consent["id"])
    except NotFound:
        return 0
    peer = gateway.directory.get(sender)
    if not parse_consent(ours).covers(PolicyParty(peer.org_id, peer.sector, peer.municipality,
                                                  performs_public_task=False)):
        raise PeerRefused("a consent can only be revoked by an organisation it covers")
    revoke_consent(session, consent["id"], datetime.fromisoformat(consent["revoked_at"]))
    _event(gateway, session, consent, at, sender, "notice_received")
    waiting = ops.matching_ids(session, ops.TransferFilter(consent_id=consent["id"],
                                                           states=tuple(WAITING)))
    ops.cancel_transfers(session, waiting, actor=sender, audit=gateway.audit)
    return len(waiting)


def _signed_notice(gateway: Gateway, consent: dict[str, Any], peer_id: str) -> Notice:
    record = parse_record({"kind": "consent", **consent})
    message = envelope_for(record, gateway.party, gateway.peer_party(peer_id),
                           consent_id=consent["id"])
    rendered = render_signed(message, "fhir", gateway.key)
    return Notice("fhir", rendered.body, rendered.message_header_id, rendered.bundle_id)


def _event(gateway: Gateway, session: Session, consent: dict[str, Any], at: datetime,
           actor: str, step: str) -> None:
    gateway.record(session, AuditEvent(
        kind="revocation", at=at, actor=actor, child_id=consent["child_id"],
        consent_id=consent["id"], basis="consent", detail={"step": step}))
