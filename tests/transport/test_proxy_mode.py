"""Behind a TLS-terminating proxy: the forwarded certificate is believed only from the proxy,
and is verified again in the app."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from ssd_gateway.certs.files import certificate_pem
from ssd_gateway.signing import sign_bundle
from ssd_gateway.testing import ThrowawayFederation
from ssd_gateway.transport.identity import PeerIdentitySource
from ssd_gateway.transport.inbox import MemoryInbox
from ssd_gateway.transport.server import FHIR_PATH, create_federation_app
from tests.transport.conftest import fhir_bundle

FHIR = "application/fhir+json"


def asgi_post(app: Any, client_ip: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """POST in-process, as if from ``client_ip`` (a proxy speaks plain HTTP to the app)."""
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            return await client.post(FHIR_PATH, content=body, headers=headers)
    return asyncio.run(go())


@pytest.fixture
def fed(tmp_path: Path) -> ThrowawayFederation:
    fed = ThrowawayFederation(tmp_path)
    fed.add("sosial", "social_authority")
    fed.add("skole")
    return fed


def post(fed: ThrowawayFederation, inbox: MemoryInbox, client_ip: str,
         cert_pem: bytes | None, trusted: tuple[str, ...] = ("10.0.0.0/8",)) -> httpx.Response:
    app = create_federation_app(fed.directory(), fed.trust(), inbox,
                                PeerIdentitySource.proxy(trusted),
                                signer=fed.orgs["sosial"].signing_key)
    body = json.dumps(sign_bundle(fhir_bundle("skole"), fed.orgs["skole"].signing_key))
    headers = {"content-type": FHIR}
    if cert_pem is not None:
        headers["x-client-cert"] = quote(cert_pem.decode())  # nginx $ssl_client_escaped_cert
    return asgi_post(app, client_ip, body.encode(), headers)


def test_forwarded_certificate_from_the_proxy_is_accepted(fed: ThrowawayFederation) -> None:
    """The proxy's forwarded certificate identifies the school; the message is delivered."""
    inbox = MemoryInbox()
    response = post(fed, inbox, "10.1.2.3", certificate_pem(fed.orgs["skole"].signing_key.cert))
    assert response.status_code == 200
    assert [org for org, _, _ in inbox.received] == ["skole"]


def test_forwarded_certificate_from_elsewhere_is_refused(fed: ThrowawayFederation) -> None:
    """The same header from an address that is not a configured proxy is refused."""
    inbox = MemoryInbox()
    response = post(fed, inbox, "192.168.1.9",
                    certificate_pem(fed.orgs["skole"].signing_key.cert))
    assert response.status_code == 403 and inbox.received == []


def test_forwarded_certificate_from_another_ca_is_refused(fed: ThrowawayFederation,
                                                          tmp_path: Path) -> None:
    """The app re-verifies the forwarded certificate against the federation CA."""
    impostor = ThrowawayFederation(tmp_path / "other").add("skole")
    inbox = MemoryInbox()
    response = post(fed, inbox, "10.1.2.3", certificate_pem(impostor.signing_key.cert))
    assert response.status_code == 403 and inbox.received == []


def test_missing_forwarded_certificate_is_refused(fed: ThrowawayFederation) -> None:
    """No header, no entry."""
    inbox = MemoryInbox()
    assert post(fed, inbox, "10.1.2.3", None).status_code == 403


def test_embedded_mode_ignores_a_forged_header(fed: ThrowawayFederation) -> None:
    """Without proxy mode a client-supplied certificate header counts for nothing."""
    inbox = MemoryInbox()
    app = create_federation_app(fed.directory(), fed.trust(), inbox,
                                signer=fed.orgs["sosial"].signing_key)
    headers = {"content-type": FHIR,
               "x-client-cert": quote(certificate_pem(fed.orgs["skole"].signing_key.cert)
                                      .decode())}
    response = asgi_post(app, "127.0.0.1", b"{}", headers)
    assert response.status_code == 403 and inbox.received == []
