"""Revoked certificates over real mTLS handshakes: refused as caller and as server, at once."""

from __future__ import annotations

import pytest

from ssd_gateway.exceptions import PermanentDeliveryError
from ssd_gateway.transport.server import FHIR_PATH
from tests.transport.conftest import RECEIVER, Gateway
from tests.transport.test_federation_handshakes import FHIR, creds, raw_client


def test_a_revoked_caller_is_refused_and_nothing_is_stored(gateway: Gateway) -> None:
    """A client nobody here checks, with a revoked certificate, gets 403 PEER_REFUSED."""
    gateway.fed.revoke("skole")
    with raw_client(gateway, creds(gateway, "skole")) as client:
        response = client.post(FHIR_PATH, content=gateway.signed_fhir("skole"), headers=FHIR)
    assert response.status_code == 403
    assert response.json()["issue"][0]["details"]["coding"][0]["code"] == "PEER_REFUSED"
    assert gateway.inbox.received == []


def test_revocation_takes_effect_on_an_open_connection(gateway: Gateway) -> None:
    """Revoked while its keep-alive connection is open: the next message is refused."""
    with raw_client(gateway, creds(gateway, "skole")) as client:
        first = client.post(FHIR_PATH, content=gateway.signed_fhir("skole"), headers=FHIR)
        gateway.fed.revoke("skole")
        second = client.post(FHIR_PATH, content=gateway.signed_fhir("skole"), headers=FHIR)
    assert (first.status_code, second.status_code) == (200, 403)
    assert len(gateway.inbox.received) == 1


def test_a_gateway_with_a_revoked_certificate_sends_nothing(gateway: Gateway) -> None:
    """Our own certificate on the CRL: send fails clearly; other members still send."""
    gateway.fed.revoke("skole")
    with gateway.transport("skole") as transport, \
            pytest.raises(PermanentDeliveryError, match="our own certificate is revoked"):
        transport.send(gateway.message(gateway.signed_fhir("skole")))
    with gateway.transport("dagtilbud") as transport:
        assert transport.send(gateway.message(gateway.signed_fhir("dagtilbud"))).code == "ok"
    assert [org for org, _, _ in gateway.inbox.received] == ["dagtilbud"]


def test_the_client_sends_nothing_to_a_revoked_server(gateway: Gateway) -> None:
    """A peer whose certificate is revoked gets no message, even on a pooled connection."""
    with gateway.transport("skole") as transport:
        assert transport.send(gateway.message(gateway.signed_fhir("skole"))).code == "ok"
        gateway.fed.revoke(RECEIVER)
        with pytest.raises(PermanentDeliveryError, match=f"{RECEIVER}'s certificate is revoked"):
            transport.send(gateway.message(gateway.signed_fhir("skole")))
    with gateway.transport("dagtilbud") as fresh, \
            pytest.raises(PermanentDeliveryError, match="revoked"):
        fresh.send(gateway.message(gateway.signed_fhir("dagtilbud")))
    assert len(gateway.inbox.received) == 1
