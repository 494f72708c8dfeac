"""Shared data of the operations page tests: a sandbox gateway with accounts and an outbox,
quarantine, manual-review queue and alerts seeded through public functions. Holds no tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from ssd_gateway.accounts import add_account
from ssd_gateway.alerts import sweep
from ssd_gateway.audit import LogQuery
from ssd_gateway.gateway import received
from ssd_gateway.gateway.alert_sources import default_sources
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.gateway.web import pages_app
from tests.ops.test_alert_sources_support import (
    NOW,
    OTHER_PEER,
    PEER,
    Clock,
    dead_letter,
    failing,
    open_gateway,
    quarantine,
    queue,
    underretning,
)

OPERATIONS = ("ole", "operations-pw-123")
COMPLIANCE = ("karin", "compliance-pw-123")
ADMIN = ("ada", "admin-pw-12345")


@dataclass
class Seeded:
    """The gateway and the ids of what was seeded."""

    gateway: Gateway
    clock: Clock
    dead: list[str]
    pending: list[str]
    failing: str
    quarantined: int
    review: str

    def app(self) -> Any:
        """The gateway's pages app (compliance and operations), as the node mounts it."""
        return pages_app(self.gateway)

    def state_of(self, transfer_id: str) -> str:
        """The outbox state of one transfer."""
        from ssd_gateway.delivery.operations import show_transfer

        with self.gateway.sessions() as session:
            return show_transfer(session, transfer_id).state

    def operator_actions(self, transfer_id: str | None = None) -> list[Any]:
        """``operator_action`` evidence entries (of one transfer, if given)."""
        with self.gateway.sessions() as session:
            return list(self.gateway.audit.iter_query(session, LogQuery(
                kind="operator_action", transfer_id=transfer_id, limit=None)))


def seed(tmp_path: Path) -> Seeded:
    """Dead letters to two peers, three pending transfers, one failing, a quarantined message,
    an unreadable underretning in manual review, and the alerts of one sweep."""
    clock = Clock()
    gw = open_gateway(tmp_path, clock)
    with gw.sessions.begin() as session:
        add_account(session, *OPERATIONS, "operations")
        add_account(session, *COMPLIANCE, "compliance")
        add_account(session, *ADMIN, "admin")
    dead = [dead_letter(gw, PEER), dead_letter(gw, PEER), dead_letter(gw, OTHER_PEER)]
    pending = [queue(gw, PEER), queue(gw, OTHER_PEER), queue(gw, PEER, kind="consent")]
    failed = failing(gw, "sundhedspleje-kbh")
    entry = quarantine(gw, ("xml_invalid", "cpr_invalid"))
    review = underretning(gw, NOW - timedelta(days=2), None, status=received.MANUAL_REVIEW)
    clock.advance(hours=2)
    with gw.sessions.begin() as session:
        sweep(session, default_sources(gw), gw.now())
    return Seeded(gw, clock, dead, pending, failed, entry, review)
