"""State gauges scraped from ``gateway.metrics.exposition()``, and the alerts sweeper that
raises, clears and logs alerts by key and kind only."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import structlog

from ssd_gateway.alerts import open_alerts
from ssd_gateway.delivery.operations import retry_transfers
from ssd_gateway.gateway import received
from ssd_gateway.gateway.alert_sweeper import AlertSweeper
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.gateway.state_metrics import register_state_metrics
from ssd_gateway.logs import configure_logging
from ssd_gateway.model.cpr import looks_like_cpr
from tests.ops.test_alert_sources_support import (
    CHILD,
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


@pytest.fixture
def clock() -> Clock:
    """The gateway's clock, at NOW."""
    return Clock()


@pytest.fixture
def gw(tmp_path: Path, clock: Clock) -> Iterator[Gateway]:
    """The daycare's sandbox gateway with its state gauges registered."""
    gateway = open_gateway(tmp_path, clock)
    register_state_metrics(gateway)
    yield gateway
    gateway.close()


def scrape(gw: Gateway) -> dict[str, float]:
    """Every sample of the exposition as ``{'name{labels}': value}``."""
    samples = {}
    for line in gw.metrics.exposition().decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_queue_depth_and_oldest_age_per_peer_and_state(gw: Gateway, clock: Clock) -> None:
    """Two pending and one failing transfer to one peer: depth and oldest age per state, zero
    lines for quiet peers and states."""
    queue(gw, PEER)
    clock.advance(minutes=10)
    queue(gw, PEER)
    failing(gw, PEER)
    clock.advance(minutes=5)
    samples = scrape(gw)
    assert samples[f'ssd_queue_depth{{peer="{PEER}",state="pending"}}'] == 2
    assert samples[f'ssd_queue_depth{{peer="{PEER}",state="transient_error"}}'] == 1
    assert samples[f'ssd_queue_depth{{peer="{OTHER_PEER}",state="pending"}}'] == 0
    assert samples[f'ssd_queue_oldest_age_seconds{{peer="{PEER}",state="pending"}}'] == 900
    assert samples[f'ssd_queue_oldest_age_seconds{{peer="{PEER}",state="transient_error"}}'] \
        == 300
    assert samples[f'ssd_queue_oldest_age_seconds{{peer="{OTHER_PEER}",state="sending"}}'] == 0
    assert 'ssd_queue_depth{peer="bh-solsikken",state="pending"}' not in samples  # ourselves


def test_dead_letters_quarantine_manual_review_and_receipts(gw: Gateway) -> None:
    """Dead letters per peer, open quarantine entries, manual review and overdue receipts."""
    first = dead_letter(gw, PEER)
    dead_letter(gw, PEER)
    quarantine(gw)
    quarantine(gw, ("json_invalid",))
    underretning(gw, NOW - timedelta(days=1), None, status=received.MANUAL_REVIEW)
    underretning(gw, NOW - timedelta(days=10), (NOW - timedelta(days=2)).date())
    samples = scrape(gw)
    assert samples[f'ssd_dead_letters{{peer="{PEER}"}}'] == 2
    assert samples[f'ssd_dead_letters{{peer="{OTHER_PEER}"}}'] == 0
    assert samples["ssd_quarantine_size"] == 2
    assert samples["ssd_manual_review_size"] == 1
    assert samples["ssd_receipts_overdue"] == 1
    with gw.sessions.begin() as session:
        retry_transfers(session, [first], actor="ole", audit=gw.audit, clock=gw.now)
    assert scrape(gw)[f'ssd_dead_letters{{peer="{PEER}"}}'] == 1


def test_certificate_days_to_expiry(gw: Gateway, clock: Clock) -> None:
    """Days to expiry of the gateway's certificate and the CA, following the clock."""
    before = scrape(gw)
    assert before['ssd_certificate_days_to_expiry{subject="gateway"}'] > 60
    assert before['ssd_certificate_days_to_expiry{subject="ca"}'] > \
        before['ssd_certificate_days_to_expiry{subject="gateway"}']
    clock.advance(days=10)
    after = scrape(gw)
    assert after['ssd_certificate_days_to_expiry{subject="gateway"}'] == pytest.approx(
        before['ssd_certificate_days_to_expiry{subject="gateway"}'] - 10)


def test_crl_days_to_next_update(gw: Gateway, clock: Clock) -> None:
    """Days until the sandbox CRL's next update, following the clock; negative once stale."""
    assert gw.trust.revocations is not None
    due = gw.trust.revocations.current().next_update()
    assert due is not None
    clock.now = due - timedelta(days=2, hours=12)
    assert scrape(gw)["ssd_crl_days_to_next_update"] == pytest.approx(2.5)
    clock.advance(days=3)
    assert scrape(gw)["ssd_crl_days_to_next_update"] == pytest.approx(-0.5)


def test_open_alerts_by_kind(gw: Gateway) -> None:
    """After a sweep the open alerts are counted by kind; other kinds report zero."""
    dead_letter(gw, PEER)
    dead_letter(gw, OTHER_PEER)
    AlertSweeper(gw).sweep_once()
    samples = scrape(gw)
    assert samples['ssd_alerts_open{kind="dead_letters"}'] == 2
    assert samples['ssd_alerts_open{kind="handover_stale"}'] == 0


def test_registering_twice_reads_once(gw: Gateway) -> None:
    """A second registration does not duplicate the readings (which would break a scrape)."""
    reader = register_state_metrics(gw)
    assert register_state_metrics(gw) is reader
    assert len(gw.metrics.state.readers) == 1
    assert scrape(gw)["ssd_quarantine_size"] == 0


def test_no_label_carries_a_cpr_like_number(gw: Gateway) -> None:
    """With a child's CPR in the inbound table and a quarantined payload, no exposition line
    contains a CPR-like number."""
    underretning(gw, NOW - timedelta(days=10), (NOW - timedelta(days=2)).date())
    quarantine(gw)
    dead_letter(gw, PEER)
    AlertSweeper(gw).sweep_once()
    text = gw.metrics.exposition().decode()
    assert "ssd_receipts_overdue 1.0" in text
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        labels = line.split("{", 1)[1].split("}", 1)[0] if "{" in line else ""
        assert not looks_like_cpr(labels), line
    assert CHILD not in text and CHILD.replace("-", "") not in text


# -- the sweeper ----------------------------------------------------------------------------------


def test_sweeper_logs_raised_and_cleared_by_key_and_kind(gw: Gateway, tmp_path: Path) -> None:
    """One sweep raises and logs; the same state does nothing; a retry clears and logs."""
    log_file = tmp_path / "sweeper.log"
    configure_logging("json", log_file)
    try:
        transfer_id = dead_letter(gw, PEER)
        sweeper = AlertSweeper(gw)
        assert [a.key for a in sweeper.sweep_once().raised] == [f"dead_letters:{PEER}"]
        assert sweeper.sweep_once().raised == ()
        with gw.sessions.begin() as session:
            retry_transfers(session, [transfer_id], actor="ole", audit=gw.audit, clock=gw.now)
        assert sweeper.sweep_once().cleared == (f"dead_letters:{PEER}",)
    finally:
        structlog.reset_defaults()
    events = [json.loads(line) for line in log_file.read_text().splitlines()]
    mine = [e for e in events if e.get("component") == "alert_sweeper"]
    assert [(e["event"], e["alert_key"], e["alert_kind"]) for e in mine] == [
        ("alert_raised", f"dead_letters:{PEER}", "dead_letters"),
        ("alert_cleared", f"dead_letters:{PEER}", "dead_letters")]
    assert all("text_da" not in e and "text_en" not in e for e in mine)
    assert "døde breve" not in log_file.read_text()


def test_sweeper_thread_sweeps_until_stopped(gw: Gateway) -> None:
    """The thread sweeps right away and repeatedly; stop() ends it."""
    dead_letter(gw, PEER)
    sweeper = AlertSweeper(gw, interval=0.05)
    sweeper.start_thread()
    try:
        deadline = time.monotonic() + 5
        while sweeper.sweeps < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sweeper.sweeps >= 3 and sweeper.running
    finally:
        sweeper.stop()
    assert not sweeper.running
    with gw.sessions() as session:
        assert [a.key for a in open_alerts(session)] == [f"dead_letters:{PEER}"]


def test_a_failing_source_does_not_end_the_thread(gw: Gateway) -> None:
    """A source that raises is logged as a failed sweep and the thread keeps running."""
    calls: list[int] = []

    def broken(_session: object, _now: object) -> list[object]:
        calls.append(1)
        raise RuntimeError("boom")

    sweeper = AlertSweeper(gw, sources=[broken], interval=0.02)  # type: ignore[list-item]
    sweeper.start_thread()
    try:
        deadline = time.monotonic() + 5
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(calls) >= 3 and sweeper.running
    finally:
        sweeper.stop()

