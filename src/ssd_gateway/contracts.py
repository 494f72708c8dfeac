"""The seams between the gateway's parts, pinned so the parts can be built separately.

- ``Transport``: hands one rendered, signed message to a peer and returns its
  ``Acknowledgement``; raises ``RecoverableDeliveryError``/``PermanentDeliveryError``
  (``ssd_gateway.exceptions``) and nothing else. Implementations: the httpx mTLS client in
  ``transport``, and the in-memory fake in ``ssd_gateway.testing``.
- ``AuditSink``: appends one ``AuditEvent`` inside the caller's database session, so that an
  outbox row and its evidence entry commit (or roll back) together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from ssd_gateway.exceptions import Problem

AckCode = Literal["ok", "transient-error", "fatal-error"]
MessageFormat = Literal["fhir", "xml"]

FHIR_MEDIA_TYPE = "application/fhir+json"
XML_MEDIA_TYPE = "application/xml"


@dataclass(frozen=True)
class Acknowledgement:
    """The receiver's answer to one message (MedCom: MessageHeader.response)."""

    code: AckCode
    message_id: str
    bundle_id: str
    issues: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    body: bytes = b""


@dataclass(frozen=True)
class OutboundMessage:
    """One rendered and signed message on its way to a peer."""

    transfer_id: str
    peer_org_id: str
    format: MessageFormat
    body: bytes
    message_id: str
    bundle_id: str

    @property
    def media_type(self) -> str:
        """The HTTP content type of ``body``."""
        return FHIR_MEDIA_TYPE if self.format == "fhir" else XML_MEDIA_TYPE


class Transport(Protocol):
    """Delivers messages to peers."""

    def send(self, message: OutboundMessage) -> Acknowledgement:
        """Deliver ``message``; raise a DeliveryError subclass if no answer was had."""
        ...


AuditKind = Literal[
    "decision", "send_attempt", "acknowledgement", "cancellation", "revocation",
    "handover", "quarantine", "operator_action", "receipt", "page_view", "parent_copy",
    "dead_letter", "inbound",
]


@dataclass(frozen=True)
class AuditEvent:
    """One evidence entry. Never a message body, a name or a plain CPR number.

    ``child_id`` is given in plain form by the caller and replaced by a keyed hash before it is
    stored; ``detail`` holds only codes, ids and counts.
    """

    kind: AuditKind
    at: datetime
    actor: str
    transfer_id: str | None = None
    child_id: str | None = None
    sender_org: str | None = None
    recipient_org: str | None = None
    sender_sector: str | None = None
    recipient_sector: str | None = None
    record_kind: str | None = None
    basis: str | None = None
    decision: str | None = None
    reason_codes: tuple[str, ...] = ()
    rule_pack: str | None = None
    consent_id: str | None = None
    meeting_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class AuditSink(Protocol):
    """Appends evidence entries in the caller's transaction."""

    def append(self, session: Any, event: AuditEvent) -> None:
        """Add ``event`` to the log inside ``session`` (committed by the caller)."""
        ...
