"""Alerts that keep deadlines and certificates from lapsing, raised once and cleared once.

Each sweep, condition sources report what is *currently* wrong (an ``Alert`` with a stable
key). ``sync`` compares that with the alerts already open: new keys are raised, keys that
disappeared are cleared, keys still present are left alone. So an alert is edge-triggered:
never repeated on every sweep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ssd_gateway.db import Base

#: certificate warnings, days before expiry
CERT_WARNING_DAYS = (60, 30, 7)


@dataclass(frozen=True)
class Alert:
    """Something wrong now. ``key`` identifies it across sweeps; texts carry no personal data."""

    key: str
    kind: str
    severity: str
    text_da: str
    text_en: str


AlertSource = Callable[[Session, datetime], Iterable[Alert]]


class AlertRow(Base):
    """An alert as raised, and when it was cleared."""

    __tablename__ = "alerts"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    text_da: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True,
                                                        index=True)


@dataclass(frozen=True)
class Transition:
    """What one sweep changed: alerts raised and alerts cleared."""

    raised: tuple[Alert, ...]
    cleared: tuple[str, ...]


def sync(session: Session, current: Iterable[Alert], now: datetime) -> Transition:
    """Raise alerts that are new, clear open alerts no longer reported; return the changes."""
    wanted = {a.key: a for a in current}
    open_rows = {r.key: r for r in session.scalars(
        select(AlertRow).where(AlertRow.cleared_at.is_(None)))}
    raised = []
    for key, alert in wanted.items():
        if key in open_rows:
            continue
        row = session.get(AlertRow, key)
        if row is None:
            row = AlertRow(key=key)
            session.add(row)
        row.kind, row.severity = alert.kind, alert.severity
        row.text_da, row.text_en = alert.text_da, alert.text_en
        row.raised_at, row.cleared_at = now, None
        raised.append(alert)
    cleared = [key for key in open_rows if key not in wanted]
    for key in cleared:
        open_rows[key].cleared_at = now
    return Transition(tuple(raised), tuple(cleared))


def sweep(session: Session, sources: Iterable[AlertSource], now: datetime) -> Transition:
    """Collect current alerts from every source and ``sync`` them."""
    current: list[Alert] = []
    for source in sources:
        current.extend(source(session, now))
    return sync(session, current, now)


def open_alerts(session: Session) -> list[AlertRow]:
    """Alerts raised and not yet cleared, newest first."""
    query = select(AlertRow).where(AlertRow.cleared_at.is_(None))
    return list(session.scalars(query.order_by(AlertRow.raised_at.desc())))


def certificate_alert(subject: str, not_after: datetime, now: datetime) -> Alert | None:
    """An alert when a certificate expires within 60/30/7 days (keyed by the threshold)."""
    days = (not_after - now).days
    if days < 0:
        return Alert(f"cert:{subject}:expired", "certificate_expired", "critical",
                     f"Certifikatet for {subject} er udløbet",
                     f"The certificate of {subject} has expired")
    for threshold in sorted(CERT_WARNING_DAYS):
        if days <= threshold:
            severity = "critical" if threshold == 7 else "warning"
            return Alert(f"cert:{subject}:{threshold}", "certificate_expiring", severity,
                         f"Certifikatet for {subject} udløber om {days} dage",
                         f"The certificate of {subject} expires in {days} days")
    return None


def deadline_alert(key: str, kind: str, due: date, today: date, what_da: str,
                   what_en: str) -> Alert | None:
    """An alert when ``due`` has passed (e.g. an underretning receipt after 6 working days)."""
    if today <= due:
        return None
    late = (today - due).days
    return Alert(key, kind, "warning", f"{what_da}: {late} dage over fristen {due.isoformat()}",
                 f"{what_en}: {late} days past the deadline {due.isoformat()}")


def stale_after(started: datetime, now: datetime, days: int) -> bool:
    """True if more than ``days`` have passed since ``started``."""
    return now - started > timedelta(days=days)
