"""Shared data of the compliance page tests: a gateway database with accounts and a realistic
evidence log written through ``AuditLog.append`` (no raw SQL). Holds no tests itself."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ssd_gateway.accounts import add_account
from ssd_gateway.audit import AuditLog, HeadSigner, generate_identity
from ssd_gateway.contracts import AuditEvent
from ssd_gateway.db import Base, make_engine
from ssd_gateway.web.app import create_web_app
from ssd_gateway.web.compliance import compliance_routes
from ssd_gateway.web.core import WebContext

CHILD_A = "120119-4321"
CHILD_B = "0303181234"
SECRET = "web-test-secret"
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
FILLER_DAY = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
FILLERS = 60
PACK = "dk-sel-2011"
ORG_NAMES = {"bh-solsikken": "Børnehuset Solsikken", "skole-valby": "Valby Skole",
             "sp-kbh": "Sundhedsplejen København", "bfa-kbh": "Børne- og familieafdelingen"}
COMPLIANCE = ("karin", "compliance-pw-123")
OPERATIONS = ("ole", "operations-pw-123")


@dataclass
class Gateway:
    """What a test needs: the engine, the session factory, the log and the app's context."""

    engine: Engine
    sessions: sessionmaker[Session]
    log: AuditLog
    ctx: WebContext
    cert: Path
    #: sequence number of the last entry covered by the signed head
    signed_size: int = 0

    def app(self, certificate: Path | None = None) -> Any:
        """The web app with the compliance pages mounted."""
        return create_web_app(self.ctx, compliance_routes(
            self.ctx, self.log, certificate=certificate, org_names=ORG_NAMES))

    def count(self, **filters: Any) -> int:
        """How many entries match ``LogQuery(**filters)``."""
        from ssd_gateway.audit import LogQuery

        with self.sessions() as db:
            return self.log.count(db, LogQuery(**filters))


def _decision(at: datetime, tid: str, child: str, sender: tuple[str, str],
              recipient: tuple[str, str], decision: str, basis: str | None,
              codes: tuple[str, ...] = (), **extra: Any) -> AuditEvent:
    return AuditEvent(kind="decision", at=at, actor="gateway", transfer_id=tid, child_id=child,
                      sender_org=sender[0], sender_sector=sender[1], recipient_org=recipient[0],
                      recipient_sector=recipient[1], decision=decision, basis=basis,
                      reason_codes=codes, rule_pack=PACK, **extra)


def _sent(at: datetime, tid: str, child: str, recipient: str, record: str,
          ack: str | None = "ok") -> list[AuditEvent]:
    events = [AuditEvent(kind="send_attempt", at=at + timedelta(seconds=2), actor="gateway",
                         transfer_id=tid, child_id=child, recipient_org=recipient,
                         record_kind=record,
                         detail={"event": "queued", "acute": False, "format": "fhir"})]
    if ack is not None:
        events.append(AuditEvent(kind="acknowledgement", at=at + timedelta(seconds=9),
                                 actor="gateway", transfer_id=tid, child_id=child,
                                 recipient_org=recipient, record_kind=record,
                                 detail={"code": ack}))
    return events


DAYCARE = ("bh-solsikken", "daycare")
SCHOOL = ("skole-valby", "school")
HEALTH = ("sp-kbh", "municipal_health")
SOCIAL = ("bfa-kbh", "social_authority")


def story() -> list[AuditEvent]:
    """The evidence of two children's transfers over a few days (decisions, sends, acks …)."""
    m = lambda n: T0 + timedelta(minutes=n)  # noqa: E731
    ev: list[AuditEvent] = []
    # a stafetlog shared on consent: decided, sent, acknowledged
    ev.append(_decision(m(0), "t-consent-1", CHILD_A, DAYCARE, SCHOOL, "permit", "consent",
                        record_kind="stafetlog", consent_id="samtykke-1"))
    ev += _sent(m(0), "t-consent-1", CHILD_A, "skole-valby", "stafetlog")
    # refusals
    ev.append(_decision(m(5), "t-deny-1", CHILD_A, SCHOOL, HEALTH, "deny", None,
                        ("CONSENT_MISSING",), record_kind="stafetlog"))
    ev.append(_decision(m(6), "t-deny-2", CHILD_B, DAYCARE, HEALTH, "deny", None,
                        ("CONSENT_EXPIRED", "CONSENT_RECIPIENT_NOT_COVERED"),
                        record_kind="stafetlog", consent_id="samtykke-7"))
    ev.append(_decision(m(7), "t-deny-3", CHILD_B, SCHOOL, DAYCARE, "deny", None,
                        ("CONSENT_MISSING",), record_kind="stafetlog"))
    # §49a: two parties share at the first meeting, one at the follow-up, the third refused
    for n, (tid, sender, meeting, ordinal) in enumerate([
            ("t-ssd-1", DAYCARE, "ssd-m-1", 1), ("t-ssd-2", HEALTH, "ssd-m-1", 1),
            ("t-ssd-3", DAYCARE, "ssd-m-2", 2)]):
        ev.append(_decision(m(20 + n), tid, CHILD_A, sender, SOCIAL, "permit", "ssd_49a",
                            record_kind="ssd_exchange", meeting_id=meeting,
                            detail={"meeting_ordinal": ordinal,
                                    "participants": ["bh-solsikken", "sp-kbh", "bfa-kbh"]}))
        ev += _sent(m(20 + n), tid, CHILD_A, "bfa-kbh", "ssd_exchange")
    ev.append(_decision(m(40), "t-ssd-4", CHILD_A, SCHOOL, SOCIAL, "deny", "ssd_49a",
                        ("SSD_MEETING_LIMIT_REACHED",), record_kind="ssd_exchange",
                        meeting_id="ssd-m-3", detail={"meeting_ordinal": 3}))
    # an underretning withheld from the parents (DOMAIN.md §3.3)
    ev.append(_decision(m(50), "t-und-1", CHILD_A, SCHOOL, SOCIAL, "permit", "underretning",
                        record_kind="underretning",
                        detail={"obligations": ["do_not_contact_parents"],
                                "record_id": "underretning-1"}))
    ev += _sent(m(50), "t-und-1", CHILD_A, "bfa-kbh", "underretning")
    # a transfer cancelled after it was queued
    ev.append(_decision(m(60), "t-cancel-1", CHILD_B, HEALTH, SCHOOL, "permit", "consent",
                        record_kind="stafetlog", consent_id="samtykke-8"))
    ev += _sent(m(60), "t-cancel-1", CHILD_B, "skole-valby", "stafetlog", ack=None)
    ev.append(AuditEvent(kind="cancellation", at=m(61), actor="gateway",
                         transfer_id="t-cancel-1", child_id=CHILD_B, recipient_org="skole-valby",
                         record_kind="stafetlog", decision="deny",
                         reason_codes=("CONSENT_REVOKED",), detail={"event": "cancelled"}))
    return ev


def fillers() -> list[AuditEvent]:
    """Two days later: many routine permits from the school to the health visitors."""
    return [_decision(FILLER_DAY + timedelta(minutes=i), f"t-routine-{i:03d}", CHILD_B, SCHOOL,
                      HEALTH, "permit", "consent", record_kind="stafetlog",
                      consent_id="samtykke-9") for i in range(FILLERS)]


def build_gateway(tmp: Path) -> Gateway:
    """A SQLite gateway with accounts, the story, a signed head, then the fillers (unsigned)."""
    engine = make_engine(f"sqlite:///{tmp / 'gateway.db'}")
    Base.metadata.create_all(engine)
    AuditLog.create_tables(engine)
    key, cert = generate_identity(tmp / "identity")
    log = AuditLog(SECRET, HeadSigner.from_pem_files(key, cert))
    factory: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as db:
        add_account(db, *COMPLIANCE, "compliance")
        add_account(db, *OPERATIONS, "operations")
        for e in story():
            log.append(db, e)
        log.sign_tree_head(db)
        signed = log.size(db)
        for e in fillers():
            log.append(db, e)
    return Gateway(engine, factory, log, WebContext(sessions=factory, audit=log), cert, signed)


def png_facts(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values of the decoded image data) of a PNG file."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))
