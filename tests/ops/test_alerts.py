"""Alerts are edge-triggered: raised once, cleared once, never repeated per sweep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from ssd_gateway.alerts import (
    Alert,
    certificate_alert,
    deadline_alert,
    open_alerts,
    sweep,
)
from ssd_gateway.db import Base, make_engine

NOW = datetime(2026, 4, 14, 8, tzinfo=UTC)
OVERDUE = Alert("receipt:u-1", "receipt_overdue", "warning", "kvittering mangler", "receipt due")


@pytest.fixture
def session() -> Iterator[Session]:
    """A session on a fresh in-memory database."""
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s


def test_alert_is_raised_once_while_the_condition_lasts(session: Session) -> None:
    """Three sweeps that all see the same condition raise it on the first only."""
    reported = [OVERDUE]
    transitions = [sweep(session, [lambda s, n: reported], NOW + timedelta(minutes=i))
                   for i in range(3)]
    assert [len(t.raised) for t in transitions] == [1, 0, 0]
    assert [a.key for a in open_alerts(session)] == ["receipt:u-1"]


def test_alert_is_cleared_once_when_the_condition_ends(session: Session) -> None:
    """When a source stops reporting, the alert is cleared in that sweep and not again."""
    reported: list[Alert] = [OVERDUE]
    sweep(session, [lambda s, n: reported], NOW)
    reported.clear()
    first = sweep(session, [lambda s, n: reported], NOW + timedelta(minutes=1))
    second = sweep(session, [lambda s, n: reported], NOW + timedelta(minutes=2))
    assert first.cleared == ("receipt:u-1",) and second.cleared == ()
    assert open_alerts(session) == []


def test_alert_can_be_raised_again_after_clearing(session: Session) -> None:
    """A condition that returns after being cleared is raised anew."""
    reported: list[Alert] = [OVERDUE]
    sweep(session, [lambda s, n: reported], NOW)
    sweep(session, [lambda s, n: []], NOW + timedelta(minutes=1))
    again = sweep(session, [lambda s, n: reported], NOW + timedelta(minutes=2))
    assert len(again.raised) == 1


@pytest.mark.parametrize(("days", "key_end", "severity"),
                         [(59, ":60", "warning"), (29, ":30", "warning"), (6, ":7", "critical"),
                          (-1, ":expired", "critical")])
def test_certificate_thresholds(days: int, key_end: str, severity: str) -> None:
    """Certificates warn at 60, 30 and 7 days and alarm after expiry, each a distinct key."""
    alert = certificate_alert("skole-valby", NOW + timedelta(days=days, hours=1), NOW)
    assert alert is not None and alert.key.endswith(key_end) and alert.severity == severity


def test_certificate_far_from_expiry_is_quiet() -> None:
    """A certificate valid for 90 more days raises nothing."""
    assert certificate_alert("skole-valby", NOW + timedelta(days=90), NOW) is None


def test_deadline_alert_only_after_the_due_day() -> None:
    """A deadline is not missed on the due day itself, only from the day after."""
    due = date(2026, 4, 13)
    assert deadline_alert("k", "receipt_overdue", due, due, "x", "x") is None
    late = deadline_alert("k", "receipt_overdue", due, date(2026, 4, 15), "Kvittering",
                          "Receipt")
    assert late is not None and "2 days" in late.text_en
