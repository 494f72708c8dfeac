"""``ssd-gateway demo``: the gateway's main job, end to end, on the embedded default.

A local federation (development CA, four organisations) runs on loopback in this process:
three gateways with mutually authenticated TLS, the policy engine, the outbox with an embedded
Celery worker each, and an evidence log each. The story:

1. the daycare registers the parents' consent and shares it with the school;
2. the daycare shares its stafetlog with the school (consent), and an attempt to send it to the
   social authority, which the consent does not cover, is refused and never leaves;
3. the daycare offers the relay to the school, the school accepts, and both record the school
   as stafetholder once the acceptance has travelled;
4. the teacher sends an underretning to the social authority (XML), and asks for feedback;
5. the social authority sends its receipt (XML) and the outcome as feedback (FHIR).
Every log is then sealed with a signed tree head and verified; each gateway's metrics are
left beside its state as ``<org>/metrics.prom``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ssd_gateway.accounts import Principal
from ssd_gateway.api.schemas import HandoverAnswerBody, HandoverOfferBody
from ssd_gateway.audit.verify import verify_session
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.gateway import received
from ssd_gateway.gateway.node import GatewayNode
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.gateway.services import Services
from ssd_gateway.registry import stafetlog_state
from ssd_gateway.samples import consent, sample_message_data
from ssd_gateway.sandbox import write_sandbox
from ssd_gateway.settings import load_settings
from ssd_gateway.transport.inbox import ReceivedMessage

DAYCARE, SCHOOL, SOCIAL = "bh-solsikken", "skole-valby", "bfa-kbh"
FINAL = ("acked", "dead", "cancelled")


@dataclass
class Step:
    """One transfer of the story, as the summary shows it."""

    title: tuple[str, str]
    sender: str
    recipient: str
    kind: str
    fmt: str
    transfer_id: str
    decision: dict[str, Any]
    state: str = "pending"


@dataclass
class DemoResult:
    """What the demo did: its steps, the final holder, the receipt deadline, log checks."""

    steps: list[Step] = field(default_factory=list)
    holder: str | None = None
    receipt_due: date | None = None
    verified: dict[str, bool] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if every permitted transfer was acknowledged and every log verified."""
        delivered = all(s.state == "acked" for s in self.steps
                        if s.decision["decision"] == "permit")
        return delivered and all(self.verified.values()) and self.holder == SCHOOL


class Demo:
    """Runs the story on a sandbox federation in ``data_dir``."""

    def __init__(self, data_dir: Path, progress: Callable[[str], None] = lambda _: None,
                 lang: str = "da") -> None:
        self.data_dir, self.progress, self.lang = data_dir, progress, lang
        self.today = date.today()
        self.result = DemoResult()
        self.nodes: dict[str, GatewayNode] = {}

    def run(self, out_dir: Path | None = None) -> DemoResult:
        """Start the gateways, play the story, seal and verify, stop; write messages if asked."""
        sandbox = {g.org_id: g for g in write_sandbox(self.data_dir)}
        try:
            for org in (DAYCARE, SCHOOL, SOCIAL):
                settings = load_settings(sandbox[org].config)
                self.nodes[org] = GatewayNode(Gateway.open(settings), sweep_interval=0.5).start()
            self._story()
            self._seal_and_verify()
            if out_dir is not None:
                self.result.written = self._write(out_dir)
        finally:
            for node in self.nodes.values():
                node.stop()
        return self.result

    # the story ---------------------------------------------------------------------------
    def _story(self) -> None:
        data = sample_message_data(self.today)
        consent_data = {k: v for k, v in consent(self.today).items() if k != "kind"}
        self._services(DAYCARE).register_consent(consent_data, self._who(DAYCARE))
        self._send(("Samtykke deles med skolen", "Consent shared with the school"),
                   DAYCARE, data["consent"], "fhir")
        self._send(("Stafetlog deles med skolen", "Stafetlog shared with the school"),
                   DAYCARE, data["stafetlog"], "fhir")
        refused = {**data["stafetlog"], "message_id": "msg-stafetlog-til-bfa",
                   "recipient": data["underretning"]["recipient"]}
        self._send(("Stafetlog til socialforvaltningen (ikke omfattet af samtykket)",
                    "Stafetlog to the social authority (not covered by the consent)"),
                   DAYCARE, refused, "fhir")
        self._handover()
        self._send(("Underretning fra lærer til socialforvaltningen",
                    "Underretning from the teacher to the social authority"),
                   SCHOOL, data["underretning"], "xml")
        self._send(("Anmodning om tilbagemelding", "Request for feedback"),
                   SCHOOL, data["feedback_request"], "xml")
        self._send(("Kvittering for underretningen", "Receipt for the underretning"),
                   SOCIAL, data["underretning_receipt"], "xml")
        self._send(("Tilbagemelding (kun udfaldet)", "Feedback (the outcome only)"),
                   SOCIAL, data["feedback"], "fhir")
        with self.nodes[SOCIAL].gateway.sessions() as session:
            row = received.by_record(session, "underretning-1", "underretning")
            self.result.receipt_due = row.receipt_due if row else None

    def _handover(self) -> None:
        offer = self._services(DAYCARE).offer_handover(
            "stafetlog-1", HandoverOfferBody(to_org_id=SCHOOL, to_person_id="p-karen"),
            self._who(DAYCARE))
        self._track(("Stafetten tilbydes skolen", "The relay is offered to the school"),
                    DAYCARE, SCHOOL, "stafetlog_handover_offer", "fhir", offer)
        answer = self._services(SCHOOL).answer_handover(
            offer["offer_id"], True, HandoverAnswerBody(person_id="p-karen"), self._who(SCHOOL))
        self._track(("Skolen modtager stafetten", "The school accepts the relay"),
                    SCHOOL, DAYCARE, "stafetlog_handover_accept", "fhir", answer)
        with self.nodes[DAYCARE].gateway.sessions() as session:
            old_side = stafetlog_state(session, "stafetlog-1").get("holder_org_id")
        with self.nodes[SCHOOL].gateway.sessions() as session:
            new_side = stafetlog_state(session, "stafetlog-1").get("holder_org_id")
        self.result.holder = old_side if old_side == new_side else None

    def _send(self, title: tuple[str, str], org: str, message: dict[str, Any],
              fmt: str) -> None:
        view = self._services(org).submit(message, fmt, self._who(org))
        decision = {"decision": view.decision, "basis": view.basis, "reasons": view.reasons,
                    "obligations": view.obligations}
        self._track(title, org, view.peer, message["record"]["kind"], fmt,
                    {"transfer_id": view.id, "decision": decision})

    def _track(self, title: tuple[str, str], sender: str, recipient: str, kind: str, fmt: str,
               submitted: dict[str, Any]) -> None:
        decision = submitted["decision"]
        step = Step(title, sender, recipient, kind, fmt, submitted["transfer_id"], decision,
                    "denied" if decision["decision"] == "deny" else "pending")
        if step.state == "pending":
            step.state = self._wait(sender, step.transfer_id)
        self.result.steps.append(step)
        self.progress(self._line(step))

    def _wait(self, org: str, transfer_id: str, timeout: float = 60.0) -> str:
        gateway = self.nodes[org].gateway
        deadline = time.monotonic() + timeout
        while True:
            with gateway.sessions() as session:
                row = session.get(Transfer, transfer_id)
                state = row.state if row is not None else "missing"
            if state in FINAL or time.monotonic() > deadline:
                return state
            time.sleep(0.1)

    # sealing, verification, files ---------------------------------------------------------
    def _seal_and_verify(self) -> None:
        for org, node in self.nodes.items():
            gateway = node.gateway
            with gateway.sessions.begin() as session:
                gateway.audit.sign_tree_head(session)
            with gateway.sessions() as session:
                report = verify_session(session, gateway.key.cert)
            self.result.verified[org] = report.ok
            (self.data_dir / org / "metrics.prom").write_bytes(gateway.metrics.exposition())

    def _write(self, out_dir: Path) -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for number, step in enumerate(self.result.steps, start=1):
            if step.state != "acked":
                continue
            body, ack = self._bodies(step)
            ext = "json" if step.fmt == "fhir" else "xml"
            stem = f"{number:02d}-{step.kind}"
            for name, content in ((f"{stem}.{ext}", body), (f"{stem}-ack.{ext}", ack)):
                if content:
                    path = out_dir / name
                    path.write_bytes(_pretty(content, ext))
                    written.append(path)
        return written

    def _bodies(self, step: Step) -> tuple[bytes | None, bytes | None]:
        with self.nodes[step.sender].gateway.sessions() as session:
            row = session.get(Transfer, step.transfer_id)
            body, bundle_id = (row.body, row.bundle_id) if row else (None, "")
        with self.nodes[step.recipient].gateway.sessions() as session:
            ack = session.scalars(select(ReceivedMessage.ack_body).where(
                ReceivedMessage.bundle_id == bundle_id)).first()
        return body, ack

    # helpers ---------------------------------------------------------------------------------
    def _services(self, org: str) -> Services:
        node = self.nodes[org]
        return Services(node.gateway, node.dispatch)

    def _who(self, org: str) -> Principal:
        return Principal(name=f"demo@{org}", role="admin", org_id=org,
                         scopes=frozenset({"submit", "read", "consents", "handover"}))

    def _line(self, step: Step) -> str:
        title = step.title[1] if self.lang == "en" else step.title[0]
        if step.decision["decision"] == "deny":
            codes = ", ".join(r["code"] for r in step.decision["reasons"])
            verdict = f"{'refused' if self.lang == 'en' else 'afvist'}: {codes}"
        else:
            basis = step.decision.get("basis")
            verdict = f"{basis} → {step.state}"
        return f"{title}: {step.sender} → {step.recipient} [{step.fmt}] {verdict}"


def _pretty(content: bytes, ext: str) -> bytes:
    if ext == "json":
        return json.dumps(json.loads(content), indent=2, ensure_ascii=False).encode()
    return content

