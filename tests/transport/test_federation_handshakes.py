"""The federation listener over real mTLS handshakes on loopback: who gets in, who does not."""

from __future__ import annotations

import json
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ssd_gateway.exceptions import PermanentDeliveryError
from ssd_gateway.testing import ThrowawayFederation
from ssd_gateway.transport.server import FHIR_PATH, XML_PATH
from tests.transport.conftest import RECEIVER, Gateway

FHIR = {"content-type": "application/fhir+json"}


def raw_client(gw: Gateway, cert: tuple[Path, Path] | None, ca: Path | None = None) -> httpx.Client:
    """An httpx client that does only what we tell it (no directory checks)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(ca or gw.fed.ca_file))
    if cert:
        ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return httpx.Client(base_url=gw.url, verify=ctx, trust_env=False, timeout=5.0)


def creds(gw: Gateway, org: str) -> tuple[Path, Path]:
    return gw.fed.orgs[org].cert_file, gw.fed.orgs[org].key_file


def test_valid_signed_message_reaches_the_inbox(gateway: Gateway) -> None:
    """A known peer sending its own signed Bundle gets an ok and the inbox has it."""
    body = gateway.signed_fhir("skole")
    with gateway.transport("skole") as transport:
        ack = transport.send(gateway.message(body))
    assert ack.code == "ok"
    assert [(org, fmt) for org, fmt, _ in gateway.inbox.received] == [("skole", "fhir")]
    assert gateway.inbox.received[0][2] == body


def test_valid_signed_xml_reaches_the_inbox_as_signed_content_only(gateway: Gateway) -> None:
    """An XML message is verified and only its signed content reaches the inbox."""
    body = gateway.signed_xml("skole", envelope_id="e-1", message_id="m-1")
    with gateway.transport("skole") as transport:
        ack = transport.send(gateway.message(body, "xml", message_id="m-1", bundle_id="e-1"))
    assert ack.code == "ok" and ack.bundle_id == "e-1"
    (_, fmt, received), = gateway.inbox.received
    assert fmt == "xml" and b"Signature" not in received
    assert b"<env:message_id>m-1</env:message_id>" in received


def test_no_client_certificate_is_refused_in_the_handshake(gateway: Gateway) -> None:
    """Without a client certificate the TLS handshake fails; nothing reaches the app."""
    with raw_client(gateway, None) as client, pytest.raises(httpx.TransportError):
        client.post(FHIR_PATH, content=gateway.signed_fhir("skole"), headers=FHIR)
    assert gateway.inbox.received == []


def test_certificate_from_another_ca_is_refused_in_the_handshake(gateway: Gateway,
                                                                 tmp_path: Path) -> None:
    """A certificate for a directory org id but from another CA fails the handshake."""
    other = ThrowawayFederation(tmp_path / "other")
    impostor = other.add("skole")
    with raw_client(gateway, (impostor.cert_file, impostor.key_file)) as client, \
            pytest.raises(httpx.TransportError):
        client.post(FHIR_PATH, content=b"{}", headers=FHIR)
    assert gateway.inbox.received == []


def test_expired_certificate_is_refused_in_the_handshake(gateway: Gateway) -> None:
    """An expired certificate from the federation CA fails the handshake."""
    now = datetime.now(UTC)
    expired = gateway.fed.add("gammel-skole", not_before=now - timedelta(days=400),
                              not_after=now - timedelta(days=1))
    with raw_client(gateway, (expired.cert_file, expired.key_file)) as client, \
            pytest.raises(httpx.TransportError):
        client.post(FHIR_PATH, content=b"{}", headers=FHIR)
    assert gateway.inbox.received == []


def test_certificate_not_in_the_directory_is_refused(gateway: Gateway) -> None:
    """A valid federation certificate whose organisation the directory lacks gets 403."""
    stranger = gateway.fed.add("ukendt", in_directory=False)
    body = json.dumps({"resourceType": "Bundle"}).encode()
    with raw_client(gateway, (stranger.cert_file, stranger.key_file)) as client:
        response = client.post(FHIR_PATH, content=body, headers=FHIR)
    assert response.status_code == 403
    assert response.json()["issue"][0]["details"]["coding"][0]["code"] == "PEER_REFUSED"
    assert gateway.inbox.received == []


def test_sender_other_than_the_certificate_is_refused(gateway: Gateway) -> None:
    """The daycare, signing properly, cannot send a message that claims to be from the school."""
    body = gateway.signed_fhir("skole", signer="dagtilbud")
    with raw_client(gateway, creds(gateway, "dagtilbud")) as client:
        response = client.post(FHIR_PATH, content=body, headers=FHIR)
    assert response.status_code == 403
    assert "sender is not the calling" in response.json()["issue"][0]["diagnostics"]
    assert gateway.inbox.received == []


def test_signature_by_another_member_is_refused(gateway: Gateway) -> None:
    """The school's connection carrying a Bundle signed by the daycare is refused."""
    body = gateway.signed_fhir("skole", signer="dagtilbud")
    with raw_client(gateway, creds(gateway, "skole")) as client:
        response = client.post(FHIR_PATH, content=body, headers=FHIR)
    assert response.status_code == 422
    assert gateway.inbox.received == []


def test_tampered_payload_is_refused(gateway: Gateway) -> None:
    """One changed byte after signing: 422 SIGNATURE_INVALID, nothing reaches the inbox."""
    body = gateway.signed_fhir("skole").replace(b"2026-03-10T09:00:00", b"2026-03-10T09:00:01")
    with raw_client(gateway, creds(gateway, "skole")) as client:
        response = client.post(FHIR_PATH, content=body, headers=FHIR)
    assert response.status_code == 422
    assert response.json()["issue"][0]["details"]["coding"][0]["code"] == "SIGNATURE_INVALID"
    assert gateway.inbox.received == []


def test_tampered_xml_is_refused(gateway: Gateway) -> None:
    """A changed XML message is refused with 422."""
    signed = gateway.signed_xml("skole")
    body = signed.replace(b"<con:purpose_text>", b"<con:purpose_text>X", 1)
    assert body != signed
    with raw_client(gateway, creds(gateway, "skole")) as client:
        response = client.post(XML_PATH, content=body, headers={"content-type": "application/xml"})
    assert response.status_code == 422
    assert gateway.inbox.received == []


def test_duplicate_json_keys_are_refused(gateway: Gateway) -> None:
    """A body two JSON parsers could read differently is refused before verification."""
    body = b'{"resourceType": "Bundle", "id": "a", "id": "b"}'
    with raw_client(gateway, creds(gateway, "skole")) as client:
        response = client.post(FHIR_PATH, content=body, headers=FHIR)
    assert response.status_code == 400


def test_wrong_content_type_is_refused(gateway: Gateway) -> None:
    """The FHIR route takes only application/fhir+json."""
    with raw_client(gateway, creds(gateway, "skole")) as client:
        response = client.post(FHIR_PATH, content=b"{}", headers={"content-type": "text/plain"})
    assert response.status_code == 415


def test_duplicate_delivery_returns_the_original_acknowledgement(gateway: Gateway) -> None:
    """Both ids seen: the same acknowledgement bytes again, and the inbox processed it once."""
    body = gateway.signed_fhir("skole")
    with gateway.transport("skole") as transport:
        first = transport.send(gateway.message(body))
        second = transport.send(gateway.message(body))
    assert first.body == second.body and second.code == "ok"
    assert len(gateway.inbox.received) == 1


def test_reused_bundle_id_is_a_fatal_error(gateway: Gateway) -> None:
    """A Bundle.id seen before with a new MessageHeader.id is answered fatal-error."""
    with gateway.transport("skole") as transport:
        transport.send(gateway.message(gateway.signed_fhir("skole", bundle_id="b-1")))
        ack = transport.send(gateway.message(gateway.signed_fhir("skole", bundle_id="b-1")))
    assert ack.code == "fatal-error"
    assert [p.code for p in ack.issues] == ["BUNDLE_ID_REUSED"]
    assert len(gateway.inbox.received) == 1


def test_client_refuses_a_server_that_is_not_the_peer(gateway: Gateway) -> None:
    """If another member's gateway answers at the peer's address, the client refuses it."""
    gateway.fed.set_endpoint("dagtilbud", gateway.url)
    body = gateway.signed_fhir("skole")
    with gateway.transport("skole") as transport:
        message = gateway.message(body)
        wrong = type(message)(**{**message.__dict__, "peer_org_id": "dagtilbud"})
        with pytest.raises(PermanentDeliveryError, match="presented sosial"):
            transport.send(wrong)
    assert gateway.inbox.received == []
    assert RECEIVER in gateway.fed.peers


def test_inbox_errors_become_acknowledgements(gateway: Gateway) -> None:
    """RecordInvalid from the inbox is answered fatal-error with its problems; an unexpected
    failure transient-error."""
    from ssd_gateway.exceptions import Problem, RecordInvalid

    def invalid(*_: object) -> None:
        raise RecordInvalid([Problem("child.id", "CPR_INVALID", "ugyldigt", "invalid")])

    def broken(*_: object) -> None:
        raise RuntimeError("database down")

    with gateway.transport("skole") as transport:
        gateway.inbox.handler = invalid
        fatal = transport.send(gateway.message(gateway.signed_fhir("skole")))
        gateway.inbox.handler = broken
        transient = transport.send(gateway.message(gateway.signed_fhir("skole")))
    assert fatal.code == "fatal-error"
    assert [(p.path, p.code, p.message_da) for p in fatal.issues] == [
        ("child.id", "CPR_INVALID", "ugyldigt")]
    assert transient.code == "transient-error"
