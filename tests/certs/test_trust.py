"""FederationTrust remembers verified chains only while every certificate in them is valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ssd_gateway.certs import DevelopmentCA
from ssd_gateway.certs.trust import FederationTrust
from ssd_gateway.exceptions import PeerRefused, SignatureInvalid
from ssd_gateway.testing import ThrowawayFederation

NOW = datetime.now(UTC)


class Counting(FederationTrust):
    """Counts the chain verifications actually run."""

    builds = 0

    def _build(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.builds += 1
        return super()._build(*args, **kwargs)


def _trust(fed: ThrowawayFederation) -> Counting:
    return Counting(fed.trust().ca_certs, fed.ca_file)


def test_a_verified_chain_is_not_verified_again(tmp_path: Path) -> None:
    """The same certificate, checked twice as a peer and twice as a signer, is built twice."""
    fed = ThrowawayFederation(tmp_path)
    cert = fed.add("skole-a").signing_key.cert
    trust = _trust(fed)
    first = trust.verify_peer(cert)
    assert trust.verify_peer(cert) == first
    trust.verify_signer(cert)
    trust.verify_signer(cert)
    assert trust.builds == 2 and first.org_id == "skole-a"


def test_the_memory_ends_when_the_certificate_expires(tmp_path: Path) -> None:
    """Remembered before expiry, refused after it: the period is checked on every use."""
    fed = ThrowawayFederation(tmp_path)
    cert = fed.add("skole-a", not_after=NOW + timedelta(days=2)).signing_key.cert
    trust = _trust(fed)
    trust.verify_peer(cert, now=NOW)
    with pytest.raises(PeerRefused):
        trust.verify_peer(cert, now=NOW + timedelta(days=3))
    with pytest.raises(SignatureInvalid):
        trust.verify_signer(cert, now=NOW + timedelta(days=3))


def test_the_memory_starts_when_the_certificate_does(tmp_path: Path) -> None:
    """A certificate verified inside its period is still refused before that period."""
    fed = ThrowawayFederation(tmp_path)
    cert = fed.add("skole-a", not_before=NOW - timedelta(hours=1)).signing_key.cert
    trust = _trust(fed)
    trust.verify_peer(cert, now=NOW)
    with pytest.raises(PeerRefused):
        trust.verify_peer(cert, now=NOW - timedelta(days=1))


def test_a_failure_is_not_remembered(tmp_path: Path) -> None:
    """A certificate of another CA is verified, and refused, every time it is presented."""
    fed = ThrowawayFederation(tmp_path)
    other = ThrowawayFederation(tmp_path / "other", DevelopmentCA.create("another CA"))
    stranger = other.add("fremmed").signing_key.cert
    trust = _trust(fed)
    for _ in range(2):
        with pytest.raises(PeerRefused):
            trust.verify_peer(stranger)
    assert trust.builds == 2
