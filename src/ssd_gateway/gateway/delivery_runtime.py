"""The delivery worker's collaborators, from the gateway: mTLS transport, the policy engine's
re-decision just before sending, the evidence log, and the effects of an acknowledgement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ssd_gateway.delivery import DeliveryResult, Redecide, RetryPolicy, Runtime
from ssd_gateway.delivery.deliver import OnAcked
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.delivery.revocation import NOTICE_KIND
from ssd_gateway.gateway import effects, transfers
from ssd_gateway.gateway.inbox import read_message
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.logs import get_logger
from ssd_gateway.model import Message
from ssd_gateway.settings import Settings
from ssd_gateway.signing import verify_xml
from ssd_gateway.transport.client import HttpxTransport

log = get_logger(__name__)


@dataclass
class GatewayRuntime(Runtime):
    """``Runtime`` that logs each delivery attempt (ids and codes only)."""

    def deliver(self, transfer_id: str) -> DeliveryResult:
        """Deliver, and log the outcome."""
        result = super().deliver(transfer_id)
        log.info("delivery_attempt", transfer_id=transfer_id, outcome=result.outcome.value,
                 attempts=result.attempts, reasons=list(result.reason_codes))
        return result


def after_ack(gateway: Gateway) -> OnAcked:
    """The effects of an ``ok``, applied in the transaction that records it."""

    def apply(session: Session, row: Transfer) -> None:
        index = transfers.get(session, row.id)
        if index is None or row.body is None:
            return
        effects.after_acked(gateway, session, read_own(gateway, row), gateway.now())
        gateway.metrics.transfers.labels(index.kind, "acked", "permit").inc()
        latency = (gateway.now() - _aware(row.created_at)).total_seconds()
        gateway.metrics.delivery_seconds.labels(index.kind).observe(max(latency, 0.0))

    return apply


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_own(gateway: Gateway, row: Transfer) -> Message:
    """The message of one of our own outbox rows (XML: the content its signature covers)."""
    assert row.body is not None
    body = row.body
    if row.format == "xml":
        body = verify_xml(body, gateway.trust).signed_xml
    return read_message(row.format, body)  # type: ignore[arg-type]


def redecider(gateway: Gateway) -> Redecide:
    """Re-decide an outbox row on the registry state of this moment (no meeting recorded)."""

    def redecide(row: Transfer) -> tuple[bool, Sequence[str]]:
        if row.kind == NOTICE_KIND:
            return True, ()  # it carries only that the basis is gone
        if row.body is None:
            return False, ("RECORD_INVALID",)
        message = read_own(gateway, row)
        with gateway.sessions.begin() as session:
            decision = gateway.decide(session, message, gateway.now(), record=False)
        return decision.permitted, decision.codes

    return redecide


def runtime_for(gateway: Gateway) -> GatewayRuntime:
    """The delivery runtime of ``gateway``."""
    tls = gateway.settings.tls
    assert tls.ca_file and tls.cert_file and tls.key_file
    transport = HttpxTransport(gateway.directory, ca_file=tls.ca_file, cert_file=tls.cert_file,
                               key_file=tls.key_file, crl_file=tls.crl_file)
    return GatewayRuntime(session_factory=gateway.sessions, transport=transport,
                          redecide=redecider(gateway), audit=gateway.audit,
                          policy=RetryPolicy.from_settings(gateway.settings.delivery),
                          actor=gateway.party.org_id, on_acked=after_ack(gateway))


def from_settings(settings: Settings) -> Runtime:
    """The runtime a separate ``ssd-gateway worker`` process builds from its settings."""
    return runtime_for(Gateway.open(settings))
