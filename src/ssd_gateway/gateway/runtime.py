"""One organisation's gateway, assembled once from its settings.

``Gateway.open(settings)`` builds the database, registries, evidence log, keys, peer
directory and metrics; the outbound path (``submit``), the re-decision before sending
(``redecide``) and the inbound path (``inbox.GatewayInbox``) all use this one object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ssd_gateway.audit import AuditLog
from ssd_gateway.audit.signing import HeadSigner
from ssd_gateway.certs.trust import FederationTrust
from ssd_gateway.contracts import AuditEvent
from ssd_gateway.db import make_engine, make_sessionmaker
from ssd_gateway.exceptions import ConfigurationError, NotFound
from ssd_gateway.gateway import children
from ssd_gateway.gateway.requests import Known, child_id_of, decision_request
from ssd_gateway.metrics import Metrics
from ssd_gateway.migrations import upgrade
from ssd_gateway.model import Consent, GrantorRole, Message, Party, cpr
from ssd_gateway.peers import PeerDirectory
from ssd_gateway.policy import Decision
from ssd_gateway.policy import decide as policy_decide
from ssd_gateway.quarantine import QuarantineStore
from ssd_gateway.registry import hydrate_request, meeting_history, record_meeting
from ssd_gateway.settings import Settings
from ssd_gateway.signing.keys import SigningKey

#: the child stand-in for records that identify no child (anonymous consultations)
ANONYMOUS_CHILD_ID = "anonym"


def utcnow() -> datetime:
    """The current moment, with a time zone."""
    return datetime.now(UTC)


@dataclass
class Gateway:
    """The running gateway of one organisation."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    party: Party
    directory: PeerDirectory
    trust: FederationTrust
    key: SigningKey
    audit: AuditLog
    quarantine: QuarantineStore
    metrics: Metrics = field(default_factory=Metrics)
    clock: Any = utcnow

    @classmethod
    def open(cls, settings: Settings) -> Gateway:
        """Assemble the gateway described by ``settings`` (migrating its database to head)."""
        tls = settings.tls
        if tls.ca_file is None or tls.cert_file is None or tls.key_file is None:
            raise ConfigurationError("tls.ca_file, tls.cert_file and tls.key_file are required")
        if settings.peers_file is None:
            raise ConfigurationError("peers_file is required (see docs/peers.md)")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.effective_database_url)
        engine = make_engine(settings.effective_database_url)
        AuditLog.create_tables(engine)
        org = settings.organisation
        party = Party(org_id=org.org_id, name=org.name, sector=org.sector,
                      municipality=org.municipality)
        audit = AuditLog(settings.audit_secret,
                         HeadSigner.from_pem_files(tls.key_file, tls.cert_file))
        return cls(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                   party=party, directory=PeerDirectory.load(settings.peers_file),
                   trust=FederationTrust.from_file(tls.ca_file, tls.crl_file),
                   key=SigningKey.from_files(tls.cert_file, tls.key_file), audit=audit,
                   quarantine=QuarantineStore(engine))

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def now(self) -> datetime:
        """The gateway's clock."""
        moment: datetime = self.clock()
        return moment

    def decide(self, session: Session, message: Message, at: datetime, *,
               record: bool = True, carried: list[dict[str, Any]] | None = None) -> Decision:
        """Decide ``message`` at ``at`` on registry state (plus consents the message carries).

        A permitted §49a meeting enters the ledger unless ``record`` is False (re-decisions).
        """
        request = decision_request(message, self.known(session, message), at,
                                   self.settings.rule_pack)
        stafetlog_id = getattr(message.record, "stafetlog_id", None)
        hydrated = hydrate_request(session, request, stafetlog_id=stafetlog_id)
        known_ids = {c["id"] for c in hydrated["consents"]}
        hydrated["consents"] += [c for c in carried or [] if c["id"] not in known_ids]
        decision = policy_decide(hydrated, now=at)
        if record and decision.permitted and decision.basis == "ssd_49a" and decision.meeting_id:
            meeting = request["transfer"]["meeting"]
            record_meeting(session, request["child"]["id"], decision.meeting_id,
                           datetime.fromisoformat(meeting["at"]),
                           follow_up_of=meeting.get("follow_up_of"),
                           special_case_justification=meeting.get("special_case_justification"))
        return decision

    def known(self, session: Session, message: Message) -> Known:
        """What the registries know that bears on ``message``."""
        child_id = child_id_of(message)
        child = getattr(message.record, "child", None)
        if child is not None:
            children.remember_child(session, child)
            facts = children.facts_of(child)
        elif child_id is not None:
            facts = self._child(session, message, child_id)
        else:
            facts = self._anonymous_child(message)
        return Known(child=facts, meeting=self._meeting(session, message, facts["id"]),
                     **self._feedback(session, message))

    def _child(self, session: Session, message: Message, child_id: str) -> dict[str, Any]:
        """The child's facts from the register; for a consent not yet known, from the consent.

        A consent names the child only by id. Its CPR number gives the birth date, its
        grantors are the custody holders it claims, and the child lives where the sending
        organisation works, until a record with the full child arrives.
        """
        try:
            return children.child_facts(session, child_id)
        except NotFound:
            if not isinstance(message.record, Consent) or not child_id.isdigit():
                raise
        return {"id": child_id, "birth_date": cpr.birth_date(child_id).isoformat(),
                "municipality": message.sender.municipality or self.party.municipality,
                "custody_holders": [g.person_id for g in message.record.granted_by
                                    if g.role is GrantorRole.CUSTODY_HOLDER]}

    def _anonymous_child(self, message: Message) -> dict[str, Any]:
        age = getattr(message.record, "age_years", None) or 0
        born = date(self.now().year - age, 1, 1)
        return {"id": ANONYMOUS_CHILD_ID, "birth_date": born.isoformat(),
                "municipality": message.sender.municipality or self.party.municipality or "0101",
                "custody_holders": []}

    def _meeting(self, session: Session, message: Message, child_id: str) -> dict[str, Any] | None:
        meeting_id = message.meeting_id or getattr(message.record, "meeting_id", None)
        if not meeting_id:
            return None
        for meeting in meeting_history(session, child_id):
            if meeting.get("meeting_id") == meeting_id:
                found = {"id": meeting_id, "at": meeting["at"]}
                if meeting.get("follow_up_of"):
                    found["follow_up_of"] = meeting["follow_up_of"]
                return found
        return None

    def _feedback(self, session: Session, message: Message) -> dict[str, Any]:
        if message.kind != "feedback":
            return {}
        from ssd_gateway.gateway import received, transfers

        underretning_id = str(getattr(message.record, "underretning_id", ""))
        row = received.by_record(session, underretning_id, "underretning")
        if row is not None and row.feedback_requested:
            return {"feedback_requested": True,
                    "feedback_notifier_kind": row.feedback_notifier_kind}
        asked = transfers.sent_refering_to(session, "feedback_request", underretning_id)
        return {"feedback_requested": bool(asked)}

    def peer_party(self, org_id: str) -> Party:
        """The directory's peer ``org_id`` as a message party (PeerRefused if unknown)."""
        peer = self.directory.get(org_id)
        return Party(org_id=peer.org_id, name=peer.name, sector=peer.sector,
                     municipality=peer.municipality, cvr=peer.cvr, sor=peer.sor,
                     kombit_org_id=peer.kombit_org_id)

    def record(self, session: Session, event: AuditEvent) -> None:
        """Append an evidence entry in ``session``."""
        self.audit.append(session, event)
