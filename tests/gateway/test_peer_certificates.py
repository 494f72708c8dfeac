"""Peers' certificates are remembered from handshakes and watched for expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ssd_gateway.gateway import peer_certs
from tests.gateway.conftest import DAYCARE, SCHOOL, Federation


def test_handshakes_record_the_peers_certificate(federation: Federation) -> None:
    """After the daycare sent to the school, the school knows the daycare's certificate."""
    fed = federation
    with fed.gateway(SCHOOL).sessions() as session:
        row = session.get(peer_certs.PeerCertificateRow, DAYCARE)
        assert row is not None
    expected = fed.gateway(DAYCARE).key.cert
    assert row.not_after.replace(tzinfo=UTC) == expected.not_valid_after_utc


def test_a_peer_certificate_near_expiry_raises_one_alert(federation: Federation) -> None:
    """Six days before a peer certificate expires, the 7-day alert is raised, keyed by peer."""
    fed = federation
    with fed.gateway(SCHOOL).sessions() as session:
        row = session.get(peer_certs.PeerCertificateRow, DAYCARE)
        assert row is not None
        soon = row.not_after.replace(tzinfo=UTC) - timedelta(days=6, hours=1)
        quiet = row.not_after.replace(tzinfo=UTC) - timedelta(days=90)
        alerts = list(peer_certs.expiry_alerts(session, soon))
        assert [a.key for a in alerts if DAYCARE in a.key] == [f"cert:peer {DAYCARE}:7"]
        assert not [a for a in peer_certs.expiry_alerts(session, quiet) if DAYCARE in a.key]
    assert datetime.now(UTC) < soon
