"""The alert sources on a real sandbox gateway: each raised when due and not before, cleared
when resolved, and edge-triggered across sweeps; keys and texts carry no personal data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ssd_gateway.alerts import Alert, AlertSource, open_alerts, sweep
from ssd_gateway.delivery.operations import retry_transfers
from ssd_gateway.gateway import received
from ssd_gateway.gateway.alert_sources import (
    certificate_expiries,
    certificate_source,
    consent_source,
    dead_letters_source,
    default_sources,
    first_assessment_source,
    handover_stale_source,
    local_day,
    peer_unreachable_source,
    receipt_overdue_source,
)
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.model.cpr import looks_like_cpr
from ssd_gateway.registry import accept_handover, close_stafetlog, offer_handover, open_stafetlog
from ssd_gateway.settings import AlertSettings, load_settings
from tests.ops.test_alert_sources_support import (
    CHILD,
    NOW,
    OTHER_PEER,
    PEER,
    Clock,
    attempt,
    consent,
    dead_letter,
    failing,
    mark_receipt_sent,
    open_gateway,
    underretning,
)

TODAY = local_day(NOW)



@pytest.fixture
def clock() -> Clock:
    """The gateway's clock, at NOW."""
    return Clock()


@pytest.fixture
def gw(tmp_path: Path, clock: Clock) -> Iterator[Gateway]:
    """The daycare's sandbox gateway on SQLite."""
    gateway = open_gateway(tmp_path, clock)
    yield gateway
    gateway.close()


def current(gw: Gateway, source: AlertSource, now: datetime) -> list[Alert]:
    """What ``source`` reports at ``now``."""
    with gw.sessions() as session:
        return list(source(session, now))


def keys(gw: Gateway, source: AlertSource, now: datetime) -> list[str]:
    """The keys ``source`` reports at ``now``."""
    return [alert.key for alert in current(gw, source, now)]


# -- underretning receipts and the first assessment -----------------------------------------


def test_receipt_overdue_only_after_the_deadline_day(gw: Gateway) -> None:
    """A receipt due yesterday is overdue; one due today is not (the deadline day counts)."""
    late = underretning(gw, NOW - timedelta(days=9), TODAY - timedelta(days=1))
    underretning(gw, NOW - timedelta(days=8), TODAY, record_id="und-2")
    alerts = current(gw, receipt_overdue_source(), NOW)
    assert [a.key for a in alerts] == [f"receipt_overdue:{late}"]
    assert alerts[0].kind == "receipt_overdue" and "und-1" in alerts[0].text_da
    assert "1 dage over fristen" in alerts[0].text_da


def test_receipt_deadline_counts_danish_days(gw: Gateway) -> None:
    """At 00:30 Danish time (22:30 UTC the day before) the Danish day has already moved on."""
    row = underretning(gw, NOW - timedelta(days=9), date(2026, 4, 13))
    late_evening_utc = datetime(2026, 4, 13, 22, 30, tzinfo=NOW.tzinfo)
    assert keys(gw, receipt_overdue_source(), late_evening_utc) == [f"receipt_overdue:{row}"]
    assert keys(gw, receipt_overdue_source(), late_evening_utc - timedelta(hours=1)) == []


def test_receipt_overdue_cleared_when_the_receipt_is_sent(gw: Gateway) -> None:
    """Sending the receipt clears the alert in the next sweep, once."""
    row = underretning(gw, NOW - timedelta(days=9), TODAY - timedelta(days=2))
    sources = [receipt_overdue_source()]
    with gw.sessions.begin() as session:
        assert [a.key for a in sweep(session, sources, NOW).raised] == [f"receipt_overdue:{row}"]
    mark_receipt_sent(gw, row, NOW + timedelta(hours=1))
    with gw.sessions.begin() as session:
        assert sweep(session, sources, NOW + timedelta(hours=2)).cleared == (
            f"receipt_overdue:{row}",)
        assert sweep(session, sources, NOW + timedelta(hours=3)).cleared == ()
        assert open_alerts(session) == []


def test_first_assessment_deadline_to_the_minute(gw: Gateway) -> None:
    """With a one-day deadline an underretning received 24h01m ago is due, one 23h59m ago is
    not; an unreadable one in manual review counts too."""
    late = underretning(gw, NOW - timedelta(days=1, minutes=1), None)
    underretning(gw, NOW - timedelta(hours=23, minutes=59), None, record_id="und-2")
    unread = underretning(gw, NOW - timedelta(days=3), None, status=received.MANUAL_REVIEW)
    found = keys(gw, first_assessment_source(1), NOW)
    assert sorted(found) == sorted([f"first_assessment:{late}", f"first_assessment:{unread}"])
    assert keys(gw, first_assessment_source(4), NOW) == []


def test_first_assessment_cleared_by_the_receipt(gw: Gateway) -> None:
    """The receipt marks the underretning as assessed, which clears the alert."""
    row = underretning(gw, NOW - timedelta(days=2), TODAY + timedelta(days=5))
    assert keys(gw, first_assessment_source(1), NOW) == [f"first_assessment:{row}"]
    mark_receipt_sent(gw, row, NOW)
    assert keys(gw, first_assessment_source(1), NOW) == []


# -- stafetlog handovers -------------------------------------------------------------------------


def _offer(gw: Gateway, log_id: str, offered_at: datetime) -> None:
    with gw.sessions.begin() as session:
        open_stafetlog(session, log_id, CHILD, "bh-solsikken", offered_at - timedelta(days=30))
        offer_handover(session, log_id, "bh-solsikken", PEER, offered_at)


def test_handover_stale_after_n_days_and_not_before(gw: Gateway) -> None:
    """An offer older than 7 days raises an alert naming the holder who stays holder; an
    offer 7 days less a minute old does not."""
    _offer(gw, "log-old", NOW - timedelta(days=7, minutes=1))
    _offer(gw, "log-new", NOW - timedelta(days=7) + timedelta(minutes=1))
    alerts = current(gw, handover_stale_source(7), NOW)
    assert [a.key for a in alerts] == [f"handover_stale:log-old:{PEER}"]
    assert "bh-solsikken er stadig stafetholder" in alerts[0].text_da
    assert "bh-solsikken remains the holder" in alerts[0].text_en


def test_handover_alert_cleared_when_accepted(gw: Gateway) -> None:
    """Accepting the handover clears the alert."""
    _offer(gw, "log-1", NOW - timedelta(days=10))
    assert keys(gw, handover_stale_source(7), NOW) == [f"handover_stale:log-1:{PEER}"]
    with gw.sessions.begin() as session:
        accept_handover(session, "log-1", PEER, NOW)
    assert keys(gw, handover_stale_source(7), NOW + timedelta(days=30)) == []


# -- consents -----------------------------------------------------------------------------------


def _open_log(gw: Gateway, log_id: str = "log-1", child: str = CHILD) -> None:
    with gw.sessions.begin() as session:
        open_stafetlog(session, log_id, child, "bh-solsikken", NOW - timedelta(days=400))


def test_consent_expiring_within_30_days_on_an_open_stafetlog(gw: Gateway) -> None:
    """Ending in 30 days: renewal needed; in 31 days: nothing yet; no open log: nothing."""
    consent(gw, "c-30", TODAY - timedelta(days=300), TODAY + timedelta(days=30))
    consent(gw, "c-31", TODAY - timedelta(days=300), TODAY + timedelta(days=31),
            child="0303181234")
    assert keys(gw, consent_source(), NOW) == []  # no open stafetlog yet
    _open_log(gw)
    _open_log(gw, "log-2", "0303181234")
    alerts = current(gw, consent_source(), NOW)
    assert [a.key for a in alerts] == ["consent_expiring:c-30"]
    assert "fornyelse nødvendig" in alerts[0].text_da and "log-1" in alerts[0].text_da


def test_consent_capped_365_days_after_signing(gw: Gateway) -> None:
    """A consent without an end date ends 365 days after signing: 335 days after signing it is
    expiring, 366 days after it has expired; the same cap overrides a later valid_until."""
    _open_log(gw)
    consent(gw, "c-open", TODAY - timedelta(days=335), None)
    assert keys(gw, consent_source(), NOW) == ["consent_expiring:c-open"]
    consent(gw, "c-long", TODAY - timedelta(days=400), TODAY + timedelta(days=300),
            child="0303181234")
    _open_log(gw, "log-2", "0303181234")
    assert keys(gw, consent_source(), NOW) == ["consent_expired:c-long", "consent_expiring:c-open"]
    assert keys(gw, consent_source(), NOW - timedelta(days=36)) == ["consent_expiring:c-long"]


def test_consent_expired_the_day_after_valid_until(gw: Gateway) -> None:
    """Valid through its last day: expiring (0 days left) on it, expired the day after."""
    _open_log(gw)
    consent(gw, "c-1", TODAY - timedelta(days=100), TODAY)
    assert keys(gw, consent_source(), NOW) == ["consent_expiring:c-1"]
    assert keys(gw, consent_source(), NOW + timedelta(days=1)) == ["consent_expired:c-1"]


def test_consent_alert_cleared_by_renewal_or_closing_the_log(gw: Gateway) -> None:
    """A renewal (a later consent lasting longer) clears the alert; so does closing the log."""
    _open_log(gw)
    consent(gw, "c-1", TODAY - timedelta(days=100), TODAY - timedelta(days=1))
    sources = [consent_source()]
    with gw.sessions.begin() as session:
        assert [a.key for a in sweep(session, sources, NOW).raised] == ["consent_expired:c-1"]
    consent(gw, "c-2", TODAY, TODAY + timedelta(days=200))
    with gw.sessions.begin() as session:
        assert sweep(session, sources, NOW).cleared == ("consent_expired:c-1",)
    assert keys(gw, consent_source(), NOW + timedelta(days=180)) == ["consent_expiring:c-2"]
    with gw.sessions.begin() as session:
        close_stafetlog(session, "log-1", "archived", NOW)
    assert keys(gw, consent_source(), NOW + timedelta(days=180)) == []


# -- certificates -------------------------------------------------------------------------------


def test_certificate_alerts_at_60_30_7_days_and_expired(gw: Gateway) -> None:
    """The gateway's certificate warns 60, 30 and 7 days ahead (one key per step) and once
    expired; 61 days ahead nothing."""
    expiries = {label: (subject, end) for label, subject, end in certificate_expiries(gw)}
    subject, end = expiries["gateway"]
    assert subject == "gateway bh-solsikken" and "ca" in expiries
    ca_end = expiries["ca"][1]
    own = lambda now: [k for k in keys(gw, certificate_source(gw), now)  # noqa: E731
                       if "gateway" in k]
    assert ca_end > end + timedelta(days=61), "the sandbox CA outlives its certificates"
    assert own(end - timedelta(days=61)) == []
    assert own(end - timedelta(days=59)) == ["cert:gateway bh-solsikken:60"]
    assert own(end - timedelta(days=29)) == ["cert:gateway bh-solsikken:30"]
    assert own(end - timedelta(days=6)) == ["cert:gateway bh-solsikken:7"]
    assert own(end + timedelta(days=1)) == ["cert:gateway bh-solsikken:expired"]


def test_ca_certificate_alert(gw: Gateway) -> None:
    """The federation CA's expiry raises its own alert."""
    ca_subject, ca_end = next((s, e) for label, s, e in certificate_expiries(gw) if label == "ca")
    assert ca_subject.startswith("CA ")
    found = keys(gw, certificate_source(gw), ca_end - timedelta(days=20))
    assert f"cert:{ca_subject}:30" in found


def test_certificate_step_change_clears_the_old_key(gw: Gateway) -> None:
    """Passing from the 60-day to the 30-day step clears one alert and raises the next."""
    end = next(e for label, _s, e in certificate_expiries(gw) if label == "gateway")
    sources = [certificate_source(gw)]
    with gw.sessions.begin() as session:
        sweep(session, sources, end - timedelta(days=45))
        change = sweep(session, sources, end - timedelta(days=20))
    assert [a.key for a in change.raised] == ["cert:gateway bh-solsikken:30"]
    assert change.cleared == ("cert:gateway bh-solsikken:60",)


def test_unreadable_certificate_is_an_alert(tmp_path: Path, gw: Gateway) -> None:
    """A certificate file that disappeared is reported, not a crash of the sweep."""
    assert gw.settings.tls.cert_file is not None
    gw.settings.tls.cert_file.unlink()
    assert keys(gw, certificate_source(gw), NOW) == ["cert:unreadable"]


# -- peers ----------------------------------------------------------------------------------------


def test_peer_unreachable_after_the_threshold(gw: Gateway, clock: Clock) -> None:
    """Failing for 61 minutes (threshold 60) raises one alert per peer; 59 minutes does not."""
    failing(gw, PEER)
    failing(gw, PEER)
    clock.advance(minutes=30)
    failing(gw, OTHER_PEER)
    source = peer_unreachable_source(60)
    assert keys(gw, source, NOW + timedelta(minutes=59)) == []
    alerts = current(gw, source, NOW + timedelta(minutes=61))
    assert [a.key for a in alerts] == [f"peer_unreachable:{PEER}"]
    assert "2 overførsler venter" in alerts[0].text_da
    assert keys(gw, source, NOW + timedelta(minutes=91)) == [
        f"peer_unreachable:{OTHER_PEER}", f"peer_unreachable:{PEER}"]


def test_peer_unreachable_cleared_when_delivery_succeeds(gw: Gateway, clock: Clock) -> None:
    """Once the failing transfer is delivered the alert clears."""
    transfer_id = failing(gw, PEER)
    clock.advance(hours=2)
    assert keys(gw, peer_unreachable_source(60), clock.now) == [f"peer_unreachable:{PEER}"]
    assert attempt(gw, transfer_id, "ok").outcome.value == "acked"
    assert keys(gw, peer_unreachable_source(60), clock.now) == []


def test_dead_letters_per_peer_cleared_by_retry(gw: Gateway) -> None:
    """Dead letters raise one alert per peer with the count; an operator retry clears it."""
    first = dead_letter(gw, PEER)
    dead_letter(gw, PEER)
    dead_letter(gw, OTHER_PEER)
    alerts = current(gw, dead_letters_source(), NOW)
    assert [a.key for a in alerts] == [f"dead_letters:{OTHER_PEER}", f"dead_letters:{PEER}"]
    assert alerts[1].text_en == f"2 dead letters to {PEER}"
    with gw.sessions.begin() as session:
        retry_transfers(session, [first], actor="ole", audit=gw.audit, clock=gw.now)
    assert keys(gw, dead_letters_source(), NOW) == [f"dead_letters:{OTHER_PEER}",
                                                    f"dead_letters:{PEER}"]
    with gw.sessions() as session:
        others = [a for a in dead_letters_source()(session, NOW) if PEER in a.key]
    assert others[0].text_en == f"1 dead letters to {PEER}"


# -- all sources together ------------------------------------------------------------------------


def test_default_sources_are_edge_triggered_across_sweeps(gw: Gateway) -> None:
    """Three sweeps over the same state raise each alert once; nothing is cleared."""
    underretning(gw, NOW - timedelta(days=9), TODAY - timedelta(days=1))
    dead_letter(gw, PEER)
    _offer(gw, "log-9", NOW - timedelta(days=8))
    sources = default_sources(gw)
    changes = []
    for minute in range(3):
        with gw.sessions.begin() as session:
            changes.append(sweep(session, sources, NOW + timedelta(minutes=minute)))
    assert {a.kind for a in changes[0].raised} == {
        "receipt_overdue", "first_assessment_due", "dead_letters", "handover_stale"}
    assert [len(c.raised) for c in changes[1:]] == [0, 0]
    assert all(c.cleared == () for c in changes)


def test_default_sources_take_thresholds_from_settings(tmp_path: Path) -> None:
    """Thresholds come from ``[alerts]`` unless given as arguments."""
    gw = open_gateway(tmp_path, alerts=AlertSettings(handover_stale_days=30))
    try:
        _offer(gw, "log-1", NOW - timedelta(days=10))
        with gw.sessions() as session:
            by_settings = [a.kind for s in default_sources(gw) for a in s(session, NOW)]
            by_argument = [a.kind for s in default_sources(gw, handover_stale_days=5)
                           for a in s(session, NOW)]
        assert "handover_stale" not in by_settings and "handover_stale" in by_argument
    finally:
        gw.close()
    assert load_settings().alerts.first_assessment_days == 1


def test_no_personal_data_in_keys_or_texts(gw: Gateway) -> None:
    """With a child's CPR in every registry, no alert key or text contains a CPR-like number
    or the child's id."""
    underretning(gw, NOW - timedelta(days=9), TODAY - timedelta(days=1))
    _open_log(gw)
    consent(gw, "c-1", TODAY - timedelta(days=100), TODAY + timedelta(days=3))
    dead_letter(gw, PEER)
    with gw.sessions() as session:
        alerts = [a for s in default_sources(gw) for a in s(session, NOW)]
    assert len(alerts) >= 4
    for alert in alerts:
        for value in (alert.key, alert.text_da, alert.text_en):
            assert not looks_like_cpr(value), value
            assert CHILD.replace("-", "") not in value.replace("-", "")


# -- the federation's certificate revocation list ---------------------------------------------


def test_crl_due_stale_and_own_certificate_revoked(gw: Gateway, tmp_path: Path) -> None:
    """The sandbox CRL warns 3 days before its next update, is critical once past it, and
    a CRL listing this gateway's own certificate raises ``certificate_revoked``."""
    from ssd_gateway.certs import DevelopmentCA
    from ssd_gateway.gateway.alert_sources import revocation_source

    lists = gw.trust.revocations
    assert lists is not None
    due = lists.current().next_update()
    assert due is not None
    source = revocation_source(gw)
    assert keys(gw, source, due - timedelta(days=4)) == []
    assert keys(gw, source, due - timedelta(days=2)) == ["crl:due"]
    assert keys(gw, source, due + timedelta(minutes=1)) == ["crl:stale"]
    sandbox = tmp_path / "sandbox"
    DevelopmentCA.load(sandbox).publish_crl(sandbox, revoke=gw.key.cert)
    assert keys(gw, source, due - timedelta(days=20)) == ["cert:gateway:revoked"]


def test_an_unusable_crl_file_raises_a_critical_alert(gw: Gateway, tmp_path: Path) -> None:
    """A replaced CRL file that cannot be used is reported; the old lists still apply."""
    from ssd_gateway.gateway.alert_sources import revocation_source

    (tmp_path / "sandbox" / "crl.pem").write_bytes(b"not a CRL")
    found = current(gw, revocation_source(gw), NOW)
    assert [(a.key, a.severity) for a in found] == [("crl:unusable", "critical")]
