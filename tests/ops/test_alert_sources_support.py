"""Shared helpers of the operations tests: a real sandbox gateway on SQLite with a settable
clock, and state seeded through public functions (outbox ``enqueue``, ``deliver`` with a stub
transport, the registries, ``received.store``, ``QuarantineStore.add``). Holds no tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ssd_gateway.audit import AuditLog
from ssd_gateway.contracts import Acknowledgement, OutboundMessage
from ssd_gateway.delivery import NewTransfer, RetryPolicy, deliver, enqueue, permit_all
from ssd_gateway.delivery.deliver import DeliveryResult
from ssd_gateway.exceptions import PermanentDeliveryError, RecoverableDeliveryError
from ssd_gateway.gateway import received
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.quarantine.store import NewEntry
from ssd_gateway.registry import register_consent
from ssd_gateway.sandbox import write_sandbox
from ssd_gateway.settings import load_settings

#: a Tuesday morning in Copenhagen
NOW = datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
CHILD = "120119-4321"
PEER = "skole-valby"
OTHER_PEER = "bfa-kbh"


@dataclass
class Clock:
    """A settable clock for the gateway (``gateway.clock``)."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward."""
        self.now += timedelta(**delta)
        return self.now


@dataclass
class StubTransport:
    """A transport that answers with ``outcome``: ``ok``, ``transient`` or ``permanent``."""

    outcome: str = "ok"
    sent: list[str] = field(default_factory=list)

    def send(self, message: OutboundMessage) -> Acknowledgement:
        self.sent.append(message.transfer_id)
        if self.outcome == "transient":
            raise RecoverableDeliveryError("connection refused")
        if self.outcome == "permanent":
            raise PermanentDeliveryError("certificate rejected")
        return Acknowledgement("ok", message.message_id, message.bundle_id)


def open_gateway(tmp_path: Path, clock: Clock | None = None, **overrides: Any) -> Gateway:
    """The daycare's sandbox gateway (CA, own certificate, peer directory) on SQLite."""
    gateways = write_sandbox(tmp_path / "sandbox")
    gateway = Gateway.open(load_settings(gateways[0].config, **overrides))
    # Gateway.open creates the tables but not the evidence log's state row (the migrations
    # do); without it nothing can be appended to the log
    AuditLog.create_tables(gateway.engine)
    gateway.clock = clock or Clock()
    return gateway


def queue(gw: Gateway, peer: str = PEER, kind: str = "stafetlog", acute: bool = False) -> str:
    """Put one transfer for ``peer`` in the outbox; return its id."""
    bundle = str(uuid.uuid4())
    with gw.sessions.begin() as session:
        row = enqueue(session, NewTransfer(
            kind=kind, peer=peer, format="fhir", body=b'{"resourceType": "Bundle"}',
            message_id=f"msg-{bundle}", bundle_id=bundle, acute=acute),
            audit=gw.audit, actor="test", clock=gw.now)
        return row.id


def attempt(gw: Gateway, transfer_id: str, outcome: str) -> DeliveryResult:
    """Try to deliver ``transfer_id`` once with a transport answering ``outcome``."""
    return deliver(transfer_id, session_factory=gw.sessions, transport=StubTransport(outcome),
                   redecide=permit_all, audit=gw.audit, clock=gw.now,
                   policy=RetryPolicy(max_attempts=50, max_age=timedelta(days=30)))


def dead_letter(gw: Gateway, peer: str = PEER) -> str:
    """A transfer to ``peer`` that died on a permanent error."""
    transfer_id = queue(gw, peer)
    assert attempt(gw, transfer_id, "permanent").outcome.value == "dead"
    return transfer_id


def failing(gw: Gateway, peer: str = PEER) -> str:
    """A transfer to ``peer`` whose first attempt failed transiently."""
    transfer_id = queue(gw, peer)
    assert attempt(gw, transfer_id, "transient").outcome.value == "retry"
    return transfer_id


def underretning(gw: Gateway, received_at: datetime, receipt_due: date | None,
                 status: str = received.ACCEPTED, record_id: str = "und-1") -> str:
    """Store a received underretning (as the inbox does); return its row id."""
    with gw.sessions.begin() as session:
        row = received.store(
            session, peer_org_id=PEER, bundle_id=str(uuid.uuid4()),
            message_id=str(uuid.uuid4()), kind="underretning", format="fhir", status=status,
            record_id=record_id if status == received.ACCEPTED else None,
            child_id=CHILD if status == received.ACCEPTED else None, received_at=received_at,
            receipt_due=receipt_due)
        return row.id


def mark_receipt_sent(gw: Gateway, row_id: str, at: datetime) -> None:
    """What the gateway does when the receipt for an underretning is sent."""
    with gw.sessions.begin() as session:
        row = session.get(received.InboundRow, row_id)
        assert row is not None
        row.receipt_sent_at = at


def consent(gw: Gateway, consent_id: str, signed: date, valid_until: date | None,
            child: str = CHILD) -> None:
    """Register a consent for ``child`` signed on ``signed``."""
    data: dict[str, Any] = {
        "id": consent_id, "child_id": child,
        "granted_by": [{"person_id": "mor-1", "role": "custody_holder"}],
        "signed_at": signed.isoformat(), "form": "written",
        "parties": [{"sector": "daycare"}, {"sector": "school"}],
        "categories": ["identity", "school"], "purposes": ["transition"],
        "purpose_text": "Overgang", "consequences_explained": True}
    if valid_until is not None:
        data["valid_until"] = valid_until.isoformat()
    with gw.sessions.begin() as session:
        register_consent(session, data)


def quarantine(gw: Gateway, codes: tuple[str, ...] = ("xml_invalid",)) -> int:
    """Quarantine an unreadable inbound message; return the entry id."""
    return gw.quarantine.add(NewEntry(
        source="federation", reason_codes=list(codes),
        problems=[{"path": "/Bundle/entry/0", "code": c, "message": f"fejl {c}",
                   "message_en": f"problem {c}"} for c in codes],
        payload=b"<secret>Hans Hansen 120119-4321</secret>", content_type="application/xml",
        origin=PEER, scope="message", received_at=gw.now()))
