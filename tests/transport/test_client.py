"""HttpxTransport: trust only the federation CA, reuse connections, translate every failure."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ssd_gateway.contracts import Acknowledgement, OutboundMessage
from ssd_gateway.exceptions import (
    ConfigurationError,
    PermanentDeliveryError,
    RecoverableDeliveryError,
)
from ssd_gateway.signing import SigningKey
from ssd_gateway.testing import ServerThread, ThrowawayFederation
from ssd_gateway.transport.acks import render_ack
from ssd_gateway.transport.client import HttpxTransport
from ssd_gateway.transport.server import FHIR_PATH, federation_server_config
from tests.transport.conftest import RECEIVER, Gateway


def message(peer: str = RECEIVER) -> OutboundMessage:
    return OutboundMessage("t-1", peer, "fhir", b"{}", "m-1", "b-1")


class Scripted:
    """A federation-like server answering whatever status/body the test sets."""

    def __init__(self, key: SigningKey) -> None:
        self.key = key
        self.status = 200
        self.body = self.ack(Acknowledgement("ok", "m-1", "b-1"))
        self.delay = 0.0
        self.peer_ports: list[int] = []

    def ack(self, ack: Acknowledgement, key: SigningKey | None = None) -> bytes:
        """``ack`` rendered and signed (by the receiver unless ``key`` is given)."""
        return render_ack("fhir", ack, key or self.key)

    async def __call__(self, request: Request) -> Response:
        await request.body()
        assert request.client is not None
        self.peer_ports.append(request.client.port)
        if self.delay:
            time.sleep(self.delay)
        return Response(self.body, self.status, media_type="application/fhir+json")


@pytest.fixture
def scripted(tmp_path: Path) -> Iterator[tuple[ThrowawayFederation, Scripted]]:
    fed = ThrowawayFederation(tmp_path)
    receiver = fed.add(RECEIVER, "social_authority")
    fed.add("skole")
    handler = Scripted(receiver.signing_key)

    async def endpoint(request: Request) -> Response:
        return await handler(request)

    app = Starlette(routes=[Route(FHIR_PATH, endpoint, methods=["POST"])])
    server = ServerThread(federation_server_config(
        app, cert_file=receiver.cert_file, key_file=receiver.key_file, ca_file=fed.ca_file,
        port=0)).start()
    fed.set_endpoint(RECEIVER, f"https://127.0.0.1:{server.port}")
    try:
        yield fed, handler
    finally:
        server.stop()


def transport_for(fed: ThrowawayFederation, org: str = "skole",
                  timeout: float = 5.0) -> HttpxTransport:
    creds = fed.orgs[org]
    return HttpxTransport(fed.directory(), ca_file=fed.ca_file, cert_file=creds.cert_file,
                          key_file=creds.key_file, timeout=timeout)


def test_ssl_context_trusts_only_the_federation_ca(tmp_path: Path) -> None:
    """The system CA bundle never sneaks into the client's trust store."""
    fed = ThrowawayFederation(tmp_path)
    fed.add("skole")
    with transport_for(fed) as transport:
        assert len(transport.ssl_context.get_ca_certs()) == 1
        assert transport.ssl_context.minimum_version.name == "TLSv1_2"
        assert transport.ssl_context.check_hostname


def test_connections_are_reused_per_peer(scripted: tuple[ThrowawayFederation, Scripted]) -> None:
    """Three sends to one peer use one keep-alive connection."""
    fed, handler = scripted
    with transport_for(fed) as transport:
        for _ in range(3):
            assert transport.send(message()).code == "ok"
    assert len(handler.peer_ports) == 3 and len(set(handler.peer_ports)) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_server_trouble_is_recoverable(scripted: tuple[ThrowawayFederation, Scripted],
                                       status: int) -> None:
    """5xx, 429 and 408 are worth retrying."""
    fed, handler = scripted
    handler.status = status
    with transport_for(fed) as transport, pytest.raises(RecoverableDeliveryError):
        transport.send(message())


@pytest.mark.parametrize("status", [400, 403, 404, 415, 422, 301])
def test_other_statuses_are_permanent(scripted: tuple[ThrowawayFederation, Scripted],
                                      status: int) -> None:
    """Other 4xx (and redirects, never followed) are not worth retrying."""
    fed, handler = scripted
    handler.status = status
    with transport_for(fed) as transport, pytest.raises(PermanentDeliveryError):
        transport.send(message())


def test_garbage_answer_is_permanent(scripted: tuple[ThrowawayFederation, Scripted]) -> None:
    """A 200 that is not an acknowledgement is refused."""
    fed, handler = scripted
    handler.body = b"<html>hello</html>"
    with transport_for(fed) as transport, pytest.raises(PermanentDeliveryError):
        transport.send(message())


def test_ack_for_another_message_is_permanent(
        scripted: tuple[ThrowawayFederation, Scripted]) -> None:
    """An acknowledgement naming another MessageHeader.id is not ours."""
    fed, handler = scripted
    handler.body = handler.ack(Acknowledgement("ok", "m-other", "b-1"))
    with transport_for(fed) as transport, pytest.raises(PermanentDeliveryError, match="another"):
        transport.send(message())


def test_non_ok_acknowledgements_are_returned(
        scripted: tuple[ThrowawayFederation, Scripted]) -> None:
    """transient-error and fatal-error are answers: returned, not raised."""
    fed, handler = scripted
    handler.body = handler.ack(Acknowledgement("transient-error", "m-1", "b-1"))
    with transport_for(fed) as transport:
        assert transport.send(message()).code == "transient-error"


def test_the_signed_acknowledgement_is_kept_as_proof(
        scripted: tuple[ThrowawayFederation, Scripted]) -> None:
    """The returned acknowledgement carries the peer's signed answer byte for byte."""
    fed, handler = scripted
    with transport_for(fed) as transport:
        ack = transport.send(message())
    assert ack.body == handler.body and b'"signature"' in ack.body


def test_unsigned_acknowledgement_is_permanent(
        scripted: tuple[ThrowawayFederation, Scripted]) -> None:
    """An answer without the peer's signature proves nothing and is refused."""
    fed, handler = scripted
    handler.body = render_ack("fhir", Acknowledgement("ok", "m-1", "b-1"))
    with transport_for(fed) as transport, pytest.raises(PermanentDeliveryError,
                                                         match="not validly signed"):
        transport.send(message())


def test_acknowledgement_signed_by_another_member_is_permanent(
        scripted: tuple[ThrowawayFederation, Scripted]) -> None:
    """A valid federation signature by someone other than the peer is refused."""
    fed, handler = scripted
    other = fed.add("dagtilbud", "daycare")
    handler.body = handler.ack(Acknowledgement("ok", "m-1", "b-1"), other.signing_key)
    with transport_for(fed) as transport, pytest.raises(PermanentDeliveryError,
                                                         match="signed by dagtilbud"):
        transport.send(message())


def test_tampered_acknowledgement_is_permanent(
        scripted: tuple[ThrowawayFederation, Scripted]) -> None:
    """A fatal-error turned into ok after signing no longer verifies."""
    fed, handler = scripted
    signed = handler.ack(Acknowledgement("fatal-error", "m-1", "b-1"))
    handler.body = signed.replace(b'"code":"fatal-error"', b'"code":"ok"')
    assert handler.body != signed
    with transport_for(fed) as transport, pytest.raises(PermanentDeliveryError,
                                                         match="not validly signed"):
        transport.send(message())


def test_timeout_is_recoverable(scripted: tuple[ThrowawayFederation, Scripted]) -> None:
    """A peer slower than the read timeout is worth retrying."""
    fed, handler = scripted
    handler.delay = 1.0
    with transport_for(fed, timeout=0.3) as transport, pytest.raises(RecoverableDeliveryError):
        transport.send(message())


def test_connection_refused_is_recoverable(tmp_path: Path) -> None:
    """A peer that is down is worth retrying."""
    fed = ThrowawayFederation(tmp_path)
    fed.add("skole")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fed.add(RECEIVER, endpoint=f"https://127.0.0.1:{port}")
    with transport_for(fed) as transport, pytest.raises(RecoverableDeliveryError):
        transport.send(message())


def test_server_from_another_ca_is_permanent(tmp_path: Path) -> None:
    """A server whose certificate is not from the federation CA is refused for good."""
    fed = ThrowawayFederation(tmp_path / "fed")
    fed.add("skole")
    other = ThrowawayFederation(tmp_path / "other")
    impostor = other.add(RECEIVER)
    server = ServerThread(federation_server_config(
        Starlette(), cert_file=impostor.cert_file, key_file=impostor.key_file,
        ca_file=fed.ca_file, port=0)).start()
    try:
        fed.add(RECEIVER, endpoint=f"https://127.0.0.1:{server.port}")
        with transport_for(fed) as transport, pytest.raises(PermanentDeliveryError, match="TLS"):
            transport.send(message())
    finally:
        server.stop()


def test_our_expired_certificate_is_permanent(gateway: Gateway) -> None:
    """When the server refuses our (expired) certificate, retrying will not help."""
    now = datetime.now(UTC)
    gateway.fed.add("gammel", not_before=now - timedelta(days=30), not_after=now - timedelta(1))
    with gateway.transport("gammel") as transport, \
            pytest.raises(PermanentDeliveryError, match="expired"):
        transport.send(gateway.message(gateway.signed_fhir("skole")))


def test_our_certificate_from_another_ca_is_a_configuration_error(gateway: Gateway,
                                                                  tmp_path: Path) -> None:
    """A client certificate that is not from the federation CA is caught at construction."""
    other = ThrowawayFederation(tmp_path / "other").add("skole")
    with pytest.raises(ConfigurationError, match="not from the federation CA"):
        HttpxTransport(gateway.fed.directory(), ca_file=gateway.fed.ca_file,
                       cert_file=other.cert_file, key_file=other.key_file)


def test_server_refusing_our_certificate_is_permanent(tmp_path: Path) -> None:
    """A server that drops us right after the handshake (it refuses our certificate) is
    classified permanent after one retry on a fresh connection."""
    fed = ThrowawayFederation(tmp_path / "fed")
    fed.add("skole")
    receiver = fed.add(RECEIVER)
    elsewhere = ThrowawayFederation(tmp_path / "elsewhere")
    server = ServerThread(federation_server_config(
        Starlette(), cert_file=receiver.cert_file, key_file=receiver.key_file,
        ca_file=elsewhere.ca_file, port=0)).start()
    try:
        fed.set_endpoint(RECEIVER, f"https://127.0.0.1:{server.port}")
        with transport_for(fed) as transport, \
                pytest.raises(PermanentDeliveryError, match="refuses our certificate"):
            transport.send(message())
    finally:
        server.stop()


def test_unknown_peer_and_unaccepted_format_are_permanent(tmp_path: Path) -> None:
    """A peer the directory lacks, or a format it does not take, fails before any network."""
    fed = ThrowawayFederation(tmp_path)
    fed.add("skole")
    fed.add(RECEIVER, formats=("fhir",))
    with transport_for(fed) as transport:
        with pytest.raises(PermanentDeliveryError, match="not in the peer directory"):
            transport.send(message("nobody"))
        xml = OutboundMessage("t-1", RECEIVER, "xml", b"<a/>", "m-1", "b-1")
        with pytest.raises(PermanentDeliveryError, match="does not accept xml"):
            transport.send(xml)
