"""The local API's services over one running gateway (``api.app.GatewayServices``).

Each method checks that the calling token belongs to this gateway's organisation, then calls
the part that owns the work; every change goes through ``submit`` (decided, logged, queued)
or an audited registry/outbox operation.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ssd_gateway.accounts import Principal
from ssd_gateway.api.errors import Conflict, Forbidden
from ssd_gateway.api.schemas import HandoverAnswerBody, HandoverOfferBody, TransferView
from ssd_gateway.contracts import AuditEvent
from ssd_gateway.delivery import Dispatcher
from ssd_gateway.delivery import operations as ops
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.exceptions import NotFound, RecordInvalid
from ssd_gateway.gateway import received, transfers
from ssd_gateway.gateway.envelope import envelope_for
from ssd_gateway.gateway.inbox import read_message
from ssd_gateway.gateway.revocation import revoke
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.gateway.submit import submit
from ssd_gateway.gateway.transfers import TransferIndexRow
from ssd_gateway.health import Check, readiness
from ssd_gateway.model import (
    HandoverState,
    Person,
    StafetlogHandoverAnswer,
    StafetlogHandoverOffer,
    parse_message,
    parse_record,
)
from ssd_gateway.policy import decide
from ssd_gateway.policy.explain import explain
from ssd_gateway.registry import list_consents, register_consent
from ssd_gateway.registry.tables import StafetlogRecord


class Services:
    """What the local API asks of the gateway."""

    def __init__(self, gateway: Gateway, dispatch: Dispatcher | None = None) -> None:
        self.gateway = gateway
        self.dispatch = dispatch
        self.sessions: sessionmaker[Session] = gateway.sessions

    # health and policy -------------------------------------------------------------------
    def readiness(self) -> list[Check]:
        """The readiness checks of this gateway's settings."""
        return readiness(self.gateway.settings)

    def metrics_exposition(self) -> bytes:
        """Prometheus text exposition."""
        return self.gateway.metrics.exposition()

    def decide(self, request: dict[str, Any]) -> dict[str, Any]:
        """A decision per decision.schema.json."""
        return decide(request).as_dict()

    def explain(self, request: dict[str, Any], lang: str) -> dict[str, Any]:
        """The decision, and the same explained for a person."""
        decision = decide(request)
        return {"decision": decision.as_dict(), "explanation": explain(decision, lang=lang)}

    # transfers ---------------------------------------------------------------------------
    def _own(self, who: Principal) -> None:
        # a token is bound to one organisation, whatever its scopes (accounts have none)
        if who.org_id is not None and who.org_id != self.gateway.party.org_id:
            raise Forbidden(f"this token belongs to another organisation ({who.org_id}), "
                            f"not to {self.gateway.party.org_id}")

    def submit(self, message: dict[str, Any], fmt: str, who: Principal) -> TransferView:
        """Validate, decide, render, sign and queue one message."""
        self._own(who)
        parsed = parse_message(message)
        done = submit(self.gateway, parsed, _fmt(fmt), who.name, self.dispatch)
        return self.transfer(done.transfer_id, who)

    def submit_mapped(self, mapping_id: str, export: bytes, fmt: str,
                      who: Principal, to: str | None) -> dict[str, Any]:
        """Map a journal export and submit each record to ``to``; report per record."""
        from ssd_gateway.mapping import Mapped, find_mapping, map_bytes
        from ssd_gateway.quarantine.remap import keep_rejected

        self._own(who)
        if not to:
            raise RecordInvalid([_problem("to", "the recipient organisation (?to=) is required")])
        recipient = self.gateway.peer_party(to)
        send_as = _fmt(fmt)
        mapping = find_mapping(mapping_id)
        results: list[dict[str, Any]] = []
        for outcome, quarantine_id in keep_rejected(map_bytes(mapping, export),
                                                    self.gateway.quarantine, mapping, who.name):
            if isinstance(outcome, Mapped):
                message = envelope_for(outcome.record, self.gateway.party, recipient)
                done = submit(self.gateway, message, send_as, who.name, self.dispatch)
                results.append({"index": outcome.index, "status": "submitted",
                                "record_id": outcome.record.id, "transfer_id": done.transfer_id,
                                "state": done.state, "decision": done.decision["decision"],
                                "reasons": [r["code"] for r in done.decision["reasons"]]})
            else:
                results.append({"index": outcome.index, "status": "quarantined",
                                "quarantine_id": quarantine_id,
                                "problems": [_mapping_problem(p) for p in outcome.problems]})
        submitted = [r for r in results if r["status"] == "submitted"]
        return {"mapping": mapping.id, "version": mapping.version, "to": to,
                "summary": {"records": len(results), "submitted": len(submitted),
                            "denied": sum(r["state"] == "denied" for r in submitted),
                            "quarantined": len(results) - len(submitted)},
                "records": results}

    def transfer(self, transfer_id: str, who: Principal) -> TransferView:
        """One transfer: its decision and delivery state."""
        self._own(who)
        with self.sessions() as session:
            index = transfers.get(session, transfer_id)
            if index is None:
                raise NotFound(f"no transfer {transfer_id}")
            return _view(index, session.get(Transfer, transfer_id))

    def transfers(self, who: Principal, state: str | None, kind: str | None,
                  peer: str | None, limit: int, offset: int) -> list[TransferView]:
        """Transfers, newest first, with filters."""
        self._own(who)
        query = select(transfers.TransferIndexRow, Transfer).outerjoin(
            Transfer, Transfer.id == transfers.TransferIndexRow.transfer_id)
        if kind:
            query = query.where(transfers.TransferIndexRow.kind == kind)
        if peer:
            query = query.where(transfers.TransferIndexRow.peer == peer)
        if state == "denied":
            query = query.where(transfers.TransferIndexRow.decision == "deny")
        elif state:
            query = query.where(Transfer.state == state)
        query = query.order_by(transfers.TransferIndexRow.created_at.desc())
        with self.sessions() as session:
            rows = session.execute(query.limit(limit).offset(offset)).all()
            return [_view(index, row) for index, row in rows]

    # consents ----------------------------------------------------------------------------
    def register_consent(self, consent: dict[str, Any], who: Principal) -> dict[str, Any]:
        """Validate and register a consent (audited)."""
        self._own(who)
        record = parse_record({"kind": "consent", **consent})
        data = record.model_dump(mode="json", exclude_none=True)
        data.pop("kind")
        with self.sessions.begin() as session:
            register_consent(session, data)
            self._audit(session, who, "register_consent", consent_id=record.id,
                        child_id=data["child_id"])
        return {"id": record.id, "status": "registered"}

    def consents(self, child_id: str, who: Principal) -> list[dict[str, Any]]:
        """Every consent about one child (revoked and expired included)."""
        self._own(who)
        with self.sessions() as session:
            return list_consents(session, child_id)

    def revoke_consent(self, consent_id: str, at: datetime | None,
                       who: Principal) -> dict[str, Any]:
        """Revoke: stop waiting transfers, tell earlier recipients (audited)."""
        self._own(who)
        result = revoke(self.gateway, consent_id, at or self.gateway.now(), who.name,
                        self.dispatch)
        return {"id": consent_id, "status": "revoked", "cancelled": list(result.cancelled),
                "notified": list(result.notified_peers)}

    # stafetlog relay ---------------------------------------------------------------------
    def offer_handover(self, stafetlog_id: str, body: HandoverOfferBody,
                       who: Principal) -> dict[str, Any]:
        """Offer the relay of a stafetlog this gateway holds."""
        self._own(who)
        with self.sessions() as session:
            log = session.get(StafetlogRecord, stafetlog_id)
            if log is None:
                raise NotFound(f"no stafetlog {stafetlog_id}")
            child_id = log.child_id
        to_person = Person(id=body.to_person_id) if body.to_person_id else None
        offer = StafetlogHandoverOffer(
            id=str(uuid.uuid4()), stafetlog_id=stafetlog_id, child_id=child_id,
            from_org_id=self.gateway.party.org_id, to_org_id=body.to_org_id, to_person=to_person,
            offered_at=self.gateway.now(), note=body.note)
        message = envelope_for(offer, self.gateway.party, self.gateway.peer_party(body.to_org_id))
        done = submit(self.gateway, message, "fhir", who.name, self.dispatch)
        return {"offer_id": offer.id, "transfer_id": done.transfer_id, "state": done.state,
                "decision": done.decision}

    def answer_handover(self, offer_id: str, accept: bool, body: HandoverAnswerBody,
                        who: Principal) -> dict[str, Any]:
        """Accept or refuse an offer received by this gateway; the answer travels back."""
        self._own(who)
        with self.sessions() as session:
            rows = received.all_by_record(session, offer_id, "stafetlog_handover_offer")
            messages = [read_message(r.format, r.body)  # type: ignore[arg-type]
                        for r in rows if r.body is not None]
        offers = [m.record for m in messages if isinstance(m.record, StafetlogHandoverOffer)]
        if not offers:
            raise NotFound(f"no received handover offer {offer_id}")
        if any(o.state is not HandoverState.OFFERED for o in offers):
            raise Conflict(f"offer {offer_id} was withdrawn by the sender",
                           code="HANDOVER_NOT_OPEN")
        offer, record = messages[0], offers[0]
        answer = StafetlogHandoverAnswer(
            id=str(uuid.uuid4()), offer_id=offer_id, stafetlog_id=record.stafetlog_id,
            child_id=record.child_id, accepted=accept, answered_by=Person(id=body.person_id),
            org_id=self.gateway.party.org_id, answered_at=self.gateway.now())
        message = envelope_for(answer, self.gateway.party, offer.sender)
        done = submit(self.gateway, message, "fhir", who.name, self.dispatch)
        return {"answer_id": answer.id, "accepted": accept, "transfer_id": done.transfer_id,
                "state": done.state, "decision": done.decision}

    def withdraw_handover(self, offer_id: str, who: Principal) -> dict[str, Any]:
        """Withdraw an unanswered offer: cancel it if still queued, drop it in the registry.

        An offer that may have reached the receiver (not cancelled before sending) is
        followed by a withdrawal notice, the offer again with state ``withdrawn``, so that the
        receiver can no longer accept it.
        """
        from ssd_gateway.registry import drop_offer

        self._own(who)
        with self.sessions.begin() as session:
            index = session.scalars(select(transfers.TransferIndexRow).where(
                transfers.TransferIndexRow.record_id == offer_id,
                transfers.TransferIndexRow.kind == "stafetlog_handover_offer")).first()
            if index is None or index.ref_id is None:
                raise NotFound(f"no handover offer {offer_id}")
            log = session.get(StafetlogRecord, index.ref_id)
            if log is None or log.offered_to_org_id is None or log.offered_to_org_id != index.peer:
                raise Conflict(f"offer {offer_id} is no longer open (answered or withdrawn)",
                               code="HANDOVER_NOT_OPEN")
            cancelled = ops.cancel_transfers(session, [index.transfer_id], actor=who.name,
                                             audit=self.gateway.audit)
            drop_offer(session, index.ref_id, self.gateway.now())
            self._audit(session, who, "withdraw_handover", offer_id=offer_id)
            withdrawal = None if cancelled else self._withdrawal(index)
        result: dict[str, Any] = {"offer_id": offer_id, "status": "withdrawn",
                                  "cancelled": bool(cancelled)}
        if withdrawal is not None:
            # an acceptance crossing this notice is still refused by our inbox
            message = envelope_for(withdrawal, self.gateway.party,
                                   self.gateway.peer_party(withdrawal.to_org_id))
            done = submit(self.gateway, message, "fhir", who.name, self.dispatch)
            result["notice_transfer_id"] = done.transfer_id
        return result

    def _withdrawal(self, index: TransferIndexRow) -> StafetlogHandoverOffer:
        """The withdrawal notice of the offer ``index`` records (built from the index, which
        outlives the message body)."""
        assert index.ref_id is not None and index.child_id is not None
        created = index.created_at
        return StafetlogHandoverOffer(
            id=index.record_id, stafetlog_id=index.ref_id, child_id=index.child_id,
            from_org_id=self.gateway.party.org_id, to_org_id=index.peer,
            offered_at=created if created.tzinfo else created.replace(tzinfo=UTC),
            state=HandoverState.WITHDRAWN, decided_at=self.gateway.now())

    # operations --------------------------------------------------------------------------
    def operator_retry(self, transfer_id: str, who: Principal, reason: str) -> TransferView:
        """Retry a failing or dead transfer now (audited); 409 if its state does not allow it."""
        before = self.transfer(transfer_id, who)
        with self.sessions.begin() as session:
            done = ops.retry_transfers(session, [transfer_id], actor=who.name,
                                       audit=self.gateway.audit)
        if not done:
            raise _conflict(before, "retry")
        if self.dispatch is not None:
            self.dispatch(transfer_id, False)
        return self.transfer(transfer_id, who)

    def operator_cancel(self, transfer_id: str, who: Principal, reason: str) -> TransferView:
        """Cancel an undelivered transfer (audited); 409 if it was sent, denied or done."""
        before = self.transfer(transfer_id, who)
        with self.sessions.begin() as session:
            done = ops.cancel_transfers(session, [transfer_id], actor=who.name,
                                        audit=self.gateway.audit)
        if not done:
            raise _conflict(before, "cancel")
        return self.transfer(transfer_id, who)

    # helpers -----------------------------------------------------------------------------
    def _audit(self, session: Session, who: Principal, action: str, *,
               child_id: str | None = None, **detail: Any) -> None:
        self.gateway.record(session, AuditEvent(
            kind="operator_action", at=self.gateway.now(), actor=who.name, child_id=child_id,
            consent_id=detail.get("consent_id"), detail={"action": action, **detail}))


def _fmt(fmt: str) -> Any:
    if fmt not in ("fhir", "xml"):
        raise RecordInvalid([_problem("format", "format must be fhir or xml")])
    return fmt


def _problem(path: str, text: str) -> Any:
    from ssd_gateway.exceptions import Problem

    return Problem(path, "invalid_parameter", text, text)


def _mapping_problem(problem: Any) -> dict[str, Any]:
    """A mapping problem in the shape of a problem's ``errors[]`` entry, with its source."""
    return {"path": problem.target, "code": problem.code, "message": problem.message_da,
            "message_en": problem.message_en, "source": problem.location.to_json()}


def _conflict(view: TransferView, action: str) -> Conflict:
    if view.state == "denied":
        return Conflict(f"transfer {view.id} was denied by the policy engine and never queued; "
                        f"fix the reasons and submit again", code="TRANSFER_DENIED",
                        errors=[{"path": "decision", "code": r["code"], "rule": r.get("rule"),
                                 "message": r.get("message"), "message_en": r.get("message_en")}
                                for r in view.reasons])
    return Conflict(f"cannot {action} transfer {view.id} in state {view.state}",
                    errors=[{"path": "state", "code": view.state}])


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; the gateway stores UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _view(index: transfers.TransferIndexRow, row: Transfer | None) -> TransferView:
    import json

    decision = json.loads(index.decision_json)
    return TransferView(
        id=index.transfer_id, state=row.state if row is not None else "denied",
        kind=index.kind, peer=index.peer, format=index.format,
        decision=decision["decision"], basis=decision.get("basis"),
        reasons=decision.get("reasons", []), obligations=decision.get("obligations", []),
        attempts=row.attempts if row is not None else 0,
        last_error=row.last_error if row is not None else None,
        created_at=_utc(index.created_at),
        updated_at=_utc(row.updated_at) if row is not None else None)
