"""Gauges read from the database at scrape time: queues, dead letters, quarantine, manual
review, certificate expiry, the CRL's next update, overdue receipts and open alerts.

``register_state_metrics(gateway)`` adds one ``GatewayStateReader`` to ``gateway.metrics``
(once; a second call does nothing). Labels are states, kinds, organisation ids of peers and
``gateway``/``ca``; never anything about a person.

=====================================  ================  ===================================
metric                                 labels            value
=====================================  ================  ===================================
``ssd_queue_depth``                    peer, state       transfers pending/sending/failing
``ssd_queue_oldest_age_seconds``       peer, state       age of the oldest of them (0: none)
``ssd_dead_letters``                   peer              dead letters
``ssd_quarantine_size``                                  open quarantine entries
``ssd_manual_review_size``                               underretninger awaiting a person
``ssd_certificate_days_to_expiry``     subject           days left (``gateway``, ``ca``)
``ssd_crl_days_to_next_update``                          days until the CRL is due (< 0: stale)
``ssd_receipts_overdue``                                 underretning receipts overdue
``ssd_alerts_open``                    kind              open alerts
=====================================  ================  ===================================
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ssd_gateway.alerts import AlertRow
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.delivery.states import TransferState
from ssd_gateway.exceptions import GatewayError
from ssd_gateway.gateway import received
from ssd_gateway.gateway.alert_sources import KINDS, aware, certificate_expiries, local_day
from ssd_gateway.logs import get_logger
from ssd_gateway.metrics import GaugeReading

if TYPE_CHECKING:
    from ssd_gateway.gateway.runtime import Gateway

log = get_logger("state_metrics")

#: the states a queue gauge reports (the rest are final, or dead letters of their own)
QUEUE_STATES = (TransferState.PENDING, TransferState.SENDING, TransferState.TRANSIENT_ERROR)


class GatewayStateReader:
    """A ``StateReader`` over one gateway's database and certificates."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def __call__(self) -> Iterator[GaugeReading]:
        """Every state gauge, read now; a failing part is logged and left out."""
        now = self.gateway.now()
        readings: list[GaugeReading] = []
        parts = (self._queues, self._quarantine, self._manual_review, self._receipts,
                 self._alerts)
        with self.gateway.sessions() as session:
            for part in parts:
                try:
                    readings.extend(part(session, now))
                except SQLAlchemyError as exc:
                    session.rollback()
                    log.warning("state_metric_unavailable", part=part.__name__.strip("_"),
                                error=type(exc).__name__)
        try:
            readings.extend(self._certificates(now))
        except GatewayError as exc:
            log.warning("state_metric_unavailable", part="certificates",
                        error=type(exc).__name__)
        yield from readings

    def _peers(self, session: Session) -> list[str]:
        known = {peer.org_id for peer in self.gateway.directory}
        known.update(session.scalars(select(Transfer.peer).distinct()))
        known.discard(self.gateway.party.org_id)
        return sorted(known)

    def _queues(self, session: Session, now: datetime) -> list[GaugeReading]:
        states = [state.value for state in QUEUE_STATES]
        rows = session.execute(
            select(Transfer.peer, Transfer.state, func.count(), func.min(Transfer.created_at))
            .where(Transfer.state.in_(states)).group_by(Transfer.peer, Transfer.state)).all()
        found = {(peer, state): (count, oldest) for peer, state, count, oldest in rows}
        dead: dict[str, int] = {peer: count for peer, count in session.execute(
            select(Transfer.peer, func.count()).where(Transfer.state == TransferState.DEAD.value)
            .group_by(Transfer.peer))}
        readings: list[GaugeReading] = []
        for peer in self._peers(session):
            for state in states:
                count, oldest = found.get((peer, state), (0, None))
                age = (now - aware(oldest)).total_seconds() if oldest is not None else 0.0
                labels = {"peer": peer, "state": state}
                readings.append(GaugeReading("ssd_queue_depth", "Transfers waiting per peer "
                                             "and state", labels, float(count)))
                readings.append(GaugeReading("ssd_queue_oldest_age_seconds", "Age of the "
                                             "oldest waiting transfer per peer and state",
                                             dict(labels), max(age, 0.0)))
            readings.append(GaugeReading("ssd_dead_letters", "Dead letters per peer",
                                         {"peer": peer}, float(dead.get(peer, 0))))
        return readings

    def _quarantine(self, _session: Session, _now: datetime) -> list[GaugeReading]:
        size = self.gateway.quarantine.count("open")
        return [GaugeReading("ssd_quarantine_size", "Open quarantine entries", {}, float(size))]

    def _manual_review(self, session: Session, _now: datetime) -> list[GaugeReading]:
        size = session.scalar(select(func.count()).select_from(received.InboundRow).where(
            received.InboundRow.status == received.MANUAL_REVIEW)) or 0
        return [GaugeReading("ssd_manual_review_size", "Underretninger awaiting manual review",
                             {}, float(size))]

    def _receipts(self, session: Session, now: datetime) -> list[GaugeReading]:
        overdue = len(received.receipts_overdue(session, local_day(now)))
        return [GaugeReading("ssd_receipts_overdue", "Underretning receipts past their "
                             "deadline", {}, float(overdue))]

    def _alerts(self, session: Session, _now: datetime) -> list[GaugeReading]:
        counts: dict[str, int] = {kind: count for kind, count in session.execute(
            select(AlertRow.kind, func.count()).where(AlertRow.cleared_at.is_(None))
            .group_by(AlertRow.kind))}
        kinds = sorted(set(KINDS) | set(counts))
        return [GaugeReading("ssd_alerts_open", "Open alerts by kind", {"kind": kind},
                             float(counts.get(kind, 0))) for kind in kinds]

    def _certificates(self, now: datetime) -> list[GaugeReading]:
        first: dict[str, datetime] = {}
        for label, _subject, not_after in certificate_expiries(self.gateway):
            # a CA bundle: report the certificate that expires first
            first[label] = min(first.get(label, not_after), not_after)
        readings = [GaugeReading("ssd_certificate_days_to_expiry", "Days until the "
                                 "certificate expires", {"subject": label},
                                 (not_after - now).total_seconds() / 86_400)
                    for label, not_after in sorted(first.items())]
        watched = self.gateway.trust.revocations
        due = watched.current().next_update() if watched is not None else None
        if due is not None:
            readings.append(GaugeReading("ssd_crl_days_to_next_update", "Days until the "
                                         "federation CRL is due (negative: stale)", {},
                                         (due - now).total_seconds() / 86_400))
        return readings


def register_state_metrics(gateway: Gateway) -> GatewayStateReader:
    """Add the state gauges of ``gateway`` to ``gateway.metrics`` (once) and return the reader."""
    for reader in gateway.metrics.state.readers:
        if isinstance(reader, GatewayStateReader) and reader.gateway is gateway:
            return reader
    reader = GatewayStateReader(gateway)
    gateway.metrics.add_state_reader(reader)
    return reader
