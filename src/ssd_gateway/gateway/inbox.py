"""The inbound path: what happens to a message after the federation server has identified the
peer, checked that it is the message's sender and verified the signature.

1. Duplicates (MedCom): both ids seen → the original acknowledgement, nothing processed.
2. Read the message. Unreadable: an underretning goes to manual review and is answered ``ok``
   with a warning (never bounced for its format); anything else is quarantined with its
   reasons and answered ``fatal-error``.
3. It must be addressed to us.
4. Inbound policy check, before anything is stored; a deny is answered ``fatal-error`` with
   the reason codes.
5. Store, apply the registry effects, log the evidence, answer ``ok`` with the warnings.
The acknowledgement is remembered in the same transaction as the message.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from ssd_gateway.contracts import (
    FHIR_MEDIA_TYPE,
    XML_MEDIA_TYPE,
    Acknowledgement,
    AuditEvent,
    MessageFormat,
)
from ssd_gateway.exceptions import PeerRefused, Problem, RecordInvalid, UnsafeInput
from ssd_gateway.gateway import effects, received
from ssd_gateway.gateway.requests import child_id_of, consent_contract
from ssd_gateway.gateway.revocation import apply_notice
from ssd_gateway.gateway.runtime import ANONYMOUS_CHILD_ID, Gateway
from ssd_gateway.gateway.submit import carried_consents, decision_event
from ssd_gateway.logs import get_logger
from ssd_gateway.model import Consent, Message, Underretning
from ssd_gateway.peers import Peer
from ssd_gateway.quarantine import NewEntry
from ssd_gateway.transport.acks import sign_ack, sign_ack_bundle
from ssd_gateway.transport.envelope import Envelope, envelope_of
from ssd_gateway.transport.inbox import ReceivedMessages

log = get_logger(__name__)
MANUAL_REVIEW_WARNING = "UNDERRETNING_MANUAL_REVIEW"
NOT_FOR_US = Problem("MessageHeader.destination", "MESSAGE_WRONG_RECIPIENT",
                     "meddelelsen er ikke adresseret til denne organisation",
                     "the message is not addressed to this organisation")
NOT_A_PARTY = Problem("Consent.provision.actor", "REVOCATION_NOT_A_PARTY",
                      "kun en organisation, som samtykket omfatter, kan tilbagekalde det her",
                      "only an organisation the consent covers can revoke it here")
_UNDERRETNING_XML = b"urn:ssd-gateway:underretning:1"


class GatewayInbox:
    """The gateway's ``transport.Inbox``."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.answers = ReceivedMessages()

    def receive(self, peer: Peer, format: MessageFormat, body: bytes) -> Acknowledgement:
        """Answer one verified message from ``peer`` (see the module docstring)."""
        envelope = envelope_of(format, body)
        with self.gateway.sessions.begin() as session:
            earlier = self.answers.seen(session, peer.org_id, envelope.bundle_id,
                                        envelope.message_id)
            if earlier is not None:
                return earlier
            ack = self._process(session, peer, format, body, envelope)
            ack = replace(ack, body=self._render(format, body, ack))
            self.gateway.metrics.inbound.labels(format, ack.code).inc()
            log.info("message_received", bundle_id=envelope.bundle_id, peer=peer.org_id,
                     format=format, ack=ack.code, issues=[p.code for p in ack.issues],
                     warnings=list(ack.warnings))
            return self.answers.remember(session, peer.org_id, format, envelope.bundle_id,
                                         envelope.message_id, ack)

    def _process(self, session: Session, peer: Peer, format: MessageFormat, body: bytes,
                 envelope: Envelope) -> Acknowledgement:
        at = self.gateway.now()
        try:
            message = read_message(format, body)
        except (RecordInvalid, UnsafeInput) as exc:
            problems = exc.problems if isinstance(exc, RecordInvalid) else [
                Problem("", exc.code, str(exc), str(exc))]
            return self._unreadable(session, peer, format, body, envelope, problems, at)
        if message.recipient.org_id != self.gateway.party.org_id:
            return _ack(envelope, "fatal-error", issues=(NOT_FOR_US,))
        if isinstance(message.record, Consent) and message.record.revoked_at is not None:
            return self._revocation(session, peer, envelope, message, at)
        decision = self.gateway.decide(session, message, at, carried=carried_consents(message))
        event = decision_event(self.gateway, message, decision, envelope.bundle_id, at,
                               actor=peer.org_id)
        self.gateway.record(session, replace(event, detail={**event.detail,
                                                            "direction": "inbound"}))
        if not decision.permitted:
            issues = tuple(Problem("", r.code, r.message, r.message_en)
                           for r in decision.reasons)
            return _ack(envelope, "fatal-error", issues=issues)
        row = self._store(session, peer, format, body, envelope, message, at,
                          decision.as_dict()["obligations"])
        effects.after_receive(self.gateway, session, message, at, row)
        return _ack(envelope, "ok", warnings=tuple(decision.as_dict()["warnings"]))

    def _revocation(self, session: Session, peer: Peer, envelope: Envelope, message: Message,
                    at: datetime) -> Acknowledgement:
        """A revoked consent from a peer: never refused; our copy and waiting transfers stop."""
        assert isinstance(message.record, Consent)
        try:
            apply_notice(self.gateway, session, consent_contract(message.record), peer.org_id,
                         at)
        except PeerRefused:
            return _ack(envelope, "fatal-error", issues=(NOT_A_PARTY,))
        return _ack(envelope, "ok")

    def _store(self, session: Session, peer: Peer, format: MessageFormat, body: bytes,
               envelope: Envelope, message: Message, at: datetime,
               obligations: list[str]) -> received.InboundRow:
        record = message.record
        child = child_id_of(message)
        return received.store(
            session, peer_org_id=peer.org_id, bundle_id=envelope.bundle_id,
            message_id=envelope.message_id, kind=message.kind, format=format,
            status=received.ACCEPTED, record_id=record.id,
            child_id=None if child == ANONYMOUS_CHILD_ID else child, received_at=at,
            body=body, receipt_due=_receipt_due(obligations),
            acute=isinstance(record, Underretning) and record.suspected_violence_or_abuse)

    def _unreadable(self, session: Session, peer: Peer, format: MessageFormat, body: bytes,
                    envelope: Envelope, problems: list[Problem],
                    at: datetime) -> Acknowledgement:
        problem_data = [{"path": p.path, "code": p.code, "message": p.message_da,
                         "message_en": p.message_en} for p in problems]
        if _looks_like_underretning(format, body):
            received.store(session, peer_org_id=peer.org_id, bundle_id=envelope.bundle_id,
                           message_id=envelope.message_id, kind="underretning", format=format,
                           status=received.MANUAL_REVIEW, received_at=at, body=body,
                           problems=json.dumps(problem_data, ensure_ascii=False))
            self._event(session, "inbound", peer, envelope, at, "manual_review", problems)
            return _ack(envelope, "ok", warnings=(MANUAL_REVIEW_WARNING,))
        self.gateway.quarantine.add(NewEntry(
            source="federation", reason_codes=sorted({p.code for p in problems}),
            problems=problem_data, payload=body,
            content_type=FHIR_MEDIA_TYPE if format == "fhir" else XML_MEDIA_TYPE,
            origin=peer.org_id, scope="message", received_at=at))
        self._event(session, "quarantine", peer, envelope, at, "quarantined", problems)
        return _ack(envelope, "fatal-error", issues=tuple(problems))

    def _event(self, session: Session, kind: Any, peer: Peer, envelope: Envelope,
               at: datetime, outcome: str, problems: list[Problem]) -> None:
        self.gateway.record(session, AuditEvent(
            kind=kind, at=at, actor=peer.org_id, transfer_id=envelope.bundle_id,
            sender_org=peer.org_id, recipient_org=self.gateway.party.org_id,
            reason_codes=tuple(sorted({p.code for p in problems})),
            detail={"outcome": outcome, "message_id": envelope.message_id}))

    def _render(self, format: MessageFormat, body: bytes, ack: Acknowledgement) -> bytes:
        """The acknowledgement, answering the real request, signed with our key."""
        if format == "xml":
            from ssd_gateway.xml import make_acknowledgement_xml

            return sign_ack("xml", make_acknowledgement_xml(
                ack.message_id, ack.bundle_id, ack.code, ack.issues, ack.warnings),
                self.gateway.key)
        from ssd_gateway.fhir import make_acknowledgement

        return sign_ack_bundle(make_acknowledgement(
            json.loads(body), ack.code, ack.issues, ack.warnings, sender=self.gateway.party),
            self.gateway.key)


def read_message(format: MessageFormat, body: bytes) -> Message:
    """Read a FHIR Bundle or XML message (as verified) into a canonical message."""
    if format == "xml":
        from ssd_gateway.xml import xml_to_message

        return xml_to_message(body)
    from ssd_gateway.fhir import bundle_to_message

    try:
        bundle = json.loads(body)
    except ValueError:
        raise RecordInvalid([Problem("", "json_invalid", "ugyldig JSON", "invalid JSON")]) from None
    return bundle_to_message(bundle)


def _receipt_due(obligations: list[str]) -> date | None:
    for obligation in obligations:
        if obligation.startswith("receipt_due:"):
            return date.fromisoformat(obligation.removeprefix("receipt_due:"))
    return None


def _looks_like_underretning(format: MessageFormat, body: bytes) -> bool:
    if format == "xml":
        return _UNDERRETNING_XML in body
    try:
        header = json.loads(body)["entry"][0]["resource"]
        return bool(header["eventCoding"]["code"] == "underretning")
    except (ValueError, KeyError, IndexError, TypeError):
        return False


def _ack(envelope: Envelope, code: Any, *, issues: tuple[Problem, ...] = (),
         warnings: tuple[str, ...] = ()) -> Acknowledgement:
    return Acknowledgement(code, envelope.message_id, envelope.bundle_id, issues=issues,
                           warnings=warnings)
