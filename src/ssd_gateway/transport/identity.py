"""Who is calling: the one seam ``peer_identity(scope)`` and the uvicorn hook that feeds it.

Two ways in, one answer (the caller's verified ``CertificateIdentity``):

embedded (``mode="tls"``)
    uvicorn terminates mTLS itself. uvicorn does not yet pass the client certificate to the
    app (the ASGI TLS extension is still unimplemented there), so ``PeerCertH11Protocol``
    reads it from the TLS connection and puts it into ``scope["extensions"]["tls"]`` in the
    shape of the ASGI TLS extension (``client_cert_chain``: PEM strings, leaf first). When
    uvicorn ships the extension, only the protocol class goes away.

proxy (``mode="proxy"``)
    A TLS-terminating proxy (nginx ``ssl_verify_client on``) forwards the client certificate
    URL-escaped in a header (nginx: ``proxy_set_header X-Client-Cert
    $ssl_client_escaped_cert``). The header is believed only from configured proxy addresses.

Either way the certificate is verified again in the app against the federation CA.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, cast
from urllib.parse import unquote

from cryptography import x509
from uvicorn.protocols.http.h11_impl import H11Protocol

from ssd_gateway.certs.identity import CertificateIdentity
from ssd_gateway.certs.trust import FederationTrust
from ssd_gateway.exceptions import PeerRefused

Scope = dict[str, Any]
ASGIApp = Any


@dataclass(frozen=True)
class PeerIdentitySource:
    """Where the caller's certificate comes from."""

    mode: Literal["tls", "proxy"] = "tls"
    trusted_proxies: frozenset[str] = field(default_factory=frozenset)
    header: str = "x-client-cert"

    @classmethod
    def proxy(cls, trusted: Iterable[str], header: str = "x-client-cert") -> PeerIdentitySource:
        """Trust the forwarded-certificate ``header`` from addresses/networks in ``trusted``."""
        return cls("proxy", frozenset(trusted), header.lower())

    def is_trusted_proxy(self, address: str) -> bool:
        """Whether ``address`` lies in one of the trusted proxy addresses or networks."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(net, strict=False) for net in self.trusted_proxies)


def peer_identity(scope: Scope, trust: FederationTrust,
                  source: PeerIdentitySource) -> CertificateIdentity:
    """The verified identity of the caller of this request; ``PeerRefused`` if there is none."""
    chain = _forwarded_chain(scope, source) if source.mode == "proxy" else _tls_chain(scope)
    if not chain:
        raise PeerRefused("no client certificate")
    return trust.verify_peer(chain[0], chain[1:])


def _tls_chain(scope: Scope) -> list[x509.Certificate]:
    tls = (scope.get("extensions") or {}).get("tls") or {}
    pems = tls.get("client_cert_chain") or []
    return [x509.load_pem_x509_certificate(p.encode("ascii")) for p in pems]


def _forwarded_chain(scope: Scope, source: PeerIdentitySource) -> list[x509.Certificate]:
    client = scope.get("client")
    if not client or not source.is_trusted_proxy(str(client[0])):
        raise PeerRefused("forwarded client certificate from an address that is not a proxy")
    values = [v for k, v in scope.get("headers", []) if k.decode("latin-1") == source.header]
    if len(values) != 1:
        return []
    try:
        return list(x509.load_pem_x509_certificates(unquote(values[0].decode("ascii")).encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PeerRefused("forwarded client certificate unreadable") from exc


class PeerCertH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, passing the verified client certificate to the app.

    Relies on uvicorn internals (``connection_made``, ``self.app``); uvicorn is pinned and
    ``tests/transport`` proves the certificate arrives.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Read the peer certificate once per connection and wrap the app to pass it on."""
        super().connection_made(transport)
        ssl_object = cast(ssl.SSLObject | None, transport.get_extra_info("ssl_object"))
        der = ssl_object.getpeercert(True) if ssl_object is not None else None
        if der is None:
            return
        extension = {"client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)]}
        inner = self.app

        async def app(scope: Scope, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})["tls"] = dict(extension)
            await inner(scope, receive, send)

        self.app = app
