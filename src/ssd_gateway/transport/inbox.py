"""Receiving side helpers: MedCom duplicate rules, a SQL store of answers, a memory inbox.

Duplicate rules (MedCom reliable messaging, keyed per calling peer):

============================  =========================================================
(Bundle.id, MessageHeader.id)  answer
============================  =========================================================
both new                      process, then remember the acknowledgement
both seen together            the original acknowledgement again; nothing is processed
MessageHeader.id seen with a  a resubmission: the original acknowledgement (the message
new Bundle.id                 has had its effect once); the new Bundle.id is remembered
Bundle.id seen with a new     an error (``BUNDLE_ID_REUSED``): Bundle ids are never reused
MessageHeader.id
============================  =========================================================

Keys are scoped by peer, so one organisation can never fetch another's acknowledgement.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import DateTime, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ssd_gateway.contracts import Acknowledgement, MessageFormat
from ssd_gateway.db import Base
from ssd_gateway.exceptions import Problem, RecordInvalid
from ssd_gateway.peers import Peer
from ssd_gateway.signing.keys import SigningKey
from ssd_gateway.transport.acks import parse_ack, render_ack
from ssd_gateway.transport.envelope import envelope_of

BUNDLE_ID_REUSED = Problem(
    "Bundle.id", "BUNDLE_ID_REUSED",
    "Bundle.id er allerede brugt til en anden meddelelse",
    "Bundle.id was already used for another message",
)


def bundle_id_reused() -> RecordInvalid:
    """The error for a Bundle.id that arrives again with a different MessageHeader.id."""
    return RecordInvalid([BUNDLE_ID_REUSED])


class ReceivedMessage(Base):
    """One received (peer, Bundle.id) and the acknowledgement it was answered with."""

    __tablename__ = "transport_received_messages"

    peer_org_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    bundle_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), index=True)
    format: Mapped[str] = mapped_column(String(8))
    ack_code: Mapped[str] = mapped_column(String(32))
    ack_body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text, default=None)


class ReceivedMessages:
    """The SQL store of answered messages; call inside the inbox's own transaction."""

    def seen(self, session: Session, peer_org_id: str, bundle_id: str,
             message_id: str) -> Acknowledgement | None:
        """The acknowledgement to repeat, ``None`` if new; ``RecordInvalid`` if Bundle.id reused.

        One query reads every earlier answer of this peer under either id (a new message has
        none, so the common case costs one indexed lookup).
        """
        table = ReceivedMessage.__table__
        rows = session.execute(
            select(table.c.bundle_id, table.c.message_id, table.c.format, table.c.ack_code,
                   table.c.ack_body)
            .where(table.c.peer_org_id == peer_org_id,
                   (table.c.bundle_id == bundle_id) | (table.c.message_id == message_id))
            .order_by(table.c.received_at)
        ).all()
        if not rows:
            return None
        same_bundle = next((r for r in rows if r.bundle_id == bundle_id), None)
        if same_bundle is not None:
            if same_bundle.message_id != message_id:
                raise bundle_id_reused()
            return _ack_of(same_bundle.format, same_bundle.ack_body)
        earlier = rows[0]
        self._add(session, peer_org_id, bundle_id, message_id, earlier.format,
                  earlier.ack_code, earlier.ack_body, note="resubmission")
        return _ack_of(earlier.format, earlier.ack_body)

    def remember(self, session: Session, peer_org_id: str, format: MessageFormat,
                 bundle_id: str, message_id: str, ack: Acknowledgement) -> Acknowledgement:
        """Store ``ack`` (rendered, so a repeat is byte-identical) and return it with its body."""
        body = render_ack(format, ack)
        self._add(session, peer_org_id, bundle_id, message_id, format, ack.code, body)
        return replace(ack, body=body)

    @staticmethod
    def _add(session: Session, peer_org_id: str, bundle_id: str, message_id: str, format: str,
             code: str, body: bytes, note: str | None = None) -> None:
        session.add(ReceivedMessage(
            peer_org_id=peer_org_id, bundle_id=bundle_id, message_id=message_id,
            format=format, ack_code=code, ack_body=body, received_at=datetime.now(UTC),
            note=note,
        ))


def _ack_of(format: str, body: bytes) -> Acknowledgement:
    fmt: MessageFormat = "xml" if format == "xml" else "fhir"
    return parse_ack(fmt, body)


Handler = Callable[[Peer, MessageFormat, bytes], Acknowledgement | None]


@dataclass
class MemoryInbox:
    """An in-memory inbox for tests: applies the duplicate rules and records what arrived.

    ``handler`` may return an acknowledgement, raise, or return ``None`` for ``ok``; with a
    ``key`` its acknowledgements are signed, as a gateway's are.
    """

    handler: Handler | None = None
    key: SigningKey | None = None
    received: list[tuple[str, MessageFormat, bytes]] = field(default_factory=list)
    _answers: dict[tuple[str, str], tuple[str, Acknowledgement]] = field(default_factory=dict)
    _by_message: dict[tuple[str, str], Acknowledgement] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, peer: Peer, format: MessageFormat, body: bytes) -> Acknowledgement:
        """Answer a duplicate from memory, else record the message and answer ``ok``."""
        envelope = envelope_of(format, body)
        key = (peer.org_id, envelope.bundle_id)
        with self._lock:
            if key in self._answers:
                message_id, ack = self._answers[key]
                if message_id != envelope.message_id:
                    raise bundle_id_reused()
                return ack
            earlier = self._by_message.get((peer.org_id, envelope.message_id))
            if earlier is not None:
                self._answers[key] = (envelope.message_id, earlier)
                return earlier
            ack = self._process(peer, format, body, envelope.bundle_id, envelope.message_id)
            ack = replace(ack, body=render_ack(format, ack, self.key))
            self._answers[key] = (envelope.message_id, ack)
            self._by_message[(peer.org_id, envelope.message_id)] = ack
            return ack

    def _process(self, peer: Peer, format: MessageFormat, body: bytes, bundle_id: str,
                 message_id: str) -> Acknowledgement:
        answer = self.handler(peer, format, body) if self.handler else None
        self.received.append((peer.org_id, format, body))
        return answer or Acknowledgement("ok", message_id, bundle_id)

    def clear(self) -> None:
        """Forget everything received and answered."""
        with self._lock:
            self.received.clear()
            self._answers.clear()
            self._by_message.clear()
