"""Retention of message bodies: sent and received bodies are deleted after the retention period;
the rows, the decisions and the evidence log stay (the log never held a body, so it still
verifies). Each run is itself recorded in the evidence log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ssd_gateway.audit.retention import record_body_purge
from ssd_gateway.delivery.retention import purge_acked_bodies
from ssd_gateway.gateway import received
from ssd_gateway.gateway.runtime import Gateway


@dataclass(frozen=True)
class RetentionRun:
    """How many bodies one run deleted."""

    sent: int
    received: int


def apply_retention(gateway: Gateway, days: int | None = None) -> RetentionRun:
    """Delete bodies older than ``days`` (default: the settings' ``body_retention_days``)."""
    keep = days if days is not None else gateway.settings.delivery.body_retention_days
    now = gateway.now()
    cutoff = now - timedelta(days=keep)
    sent = purge_acked_bodies(gateway.sessions, timedelta(days=keep), clock=gateway.now)
    with gateway.sessions.begin() as session:
        inbound = received.purge_bodies(session, cutoff)
        record_body_purge(session, gateway.audit, count=sent + inbound,
                          delivered_before=cutoff.date(), retention_days=keep, at=now)
    return RetentionRun(sent, inbound)
