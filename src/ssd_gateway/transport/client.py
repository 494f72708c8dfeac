"""``HttpxTransport``: delivers signed messages to peers over mTLS (``contracts.Transport``).

- one ``ssl.SSLContext`` trusting only the federation CA, presenting our certificate;
- one keep-alive ``httpx.Client`` per peer (connection reuse), no proxies from the
  environment, no redirects;
- the answering server must hold the peer's own certificate (directory identity and pin),
  not revoked by the federation's CRL (``crl_file``); when the CRL file changes, pooled
  connections are dropped so that every server is checked against the new lists;
- one boundary, ``_delivery_errors``, turns every httpx/TLS failure and unwanted status into
  ``RecoverableDeliveryError`` (connect, timeout, 5xx, 429, 408) or ``PermanentDeliveryError``
  (other 4xx, TLS or certificate failure, a peer or answer that is not what it should be).

Any acknowledgement the peer sends (ok, transient-error, fatal-error) is returned: it *is* an
answer; the delivery part decides what a non-ok answer means. It must be signed by the peer
(verified against the federation CA, the signer's certificate naming the peer we sent to);
an unsigned, tampered or foreign-signed answer is a ``PermanentDeliveryError``. The returned
acknowledgement's ``body`` is the signed answer as received: the proof of receipt.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from cryptography import x509

from ssd_gateway.certs.files import load_certificate
from ssd_gateway.certs.identity import CertificateIdentity, identity_of
from ssd_gateway.certs.trust import FederationTrust
from ssd_gateway.contracts import Acknowledgement, OutboundMessage
from ssd_gateway.exceptions import (
    ConfigurationError,
    GatewayError,
    PeerRefused,
    PermanentDeliveryError,
    RecoverableDeliveryError,
    SignatureInvalid,
)
from ssd_gateway.peers import Peer, PeerDirectory
from ssd_gateway.transport.acks import read_signed_ack
from ssd_gateway.transport.server import FHIR_PATH, XML_PATH
from ssd_gateway.transport.tls import client_ssl_context

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
RECOVERABLE_STATUSES = frozenset({408, 425, 429})


class HttpxTransport:
    """Sends ``OutboundMessage``s to the peers of a ``PeerDirectory`` over mTLS."""

    def __init__(
        self,
        directory: PeerDirectory,
        *,
        ca_file: Path,
        cert_file: Path,
        key_file: Path,
        key_password: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_connections_per_peer: int = 4,
        crl_file: Path | None = None,
    ) -> None:
        self.directory = directory
        self.trust = FederationTrust.from_file(ca_file, crl_file)
        self.own_certificate = _own_certificate(cert_file, self.trust)
        self.ssl_context: ssl.SSLContext = client_ssl_context(cert_file, key_file, ca_file,
                                                              key_password)
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._limits = httpx.Limits(max_connections=max_connections_per_peer,
                                    max_keepalive_connections=max_connections_per_peer)
        self._clients: dict[str, httpx.Client] = {}
        self._verified_servers: dict[bytes, str] = {}
        self._revocations_seen = self.trust.revocation_generation
        self._lock = threading.Lock()

    def send(self, message: OutboundMessage) -> Acknowledgement:
        """Deliver ``message``; return the peer's acknowledgement or raise a DeliveryError."""
        peer = self._peer(message)
        self._check_own_validity()
        self._follow_revocations()
        path = FHIR_PATH if message.format == "fhir" else XML_PATH
        headers = {"content-type": message.media_type, "accept": message.media_type}
        with _delivery_errors(peer.org_id):
            response = self._post(peer, path, message.body, headers)
            return self._acknowledgement(peer, message, response)

    def close(self) -> None:
        """Close every pooled connection."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def __enter__(self) -> HttpxTransport:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def client_for(self, peer: Peer) -> httpx.Client:
        """The pooled keep-alive client of ``peer`` (created on first use)."""
        with self._lock:
            client = self._clients.get(peer.org_id)
            if client is None:
                client = httpx.Client(
                    base_url=peer.endpoint, verify=self.ssl_context, timeout=self._timeout,
                    limits=self._limits, trust_env=False, follow_redirects=False,
                )
                self._clients[peer.org_id] = client
            return client

    def _check_own_validity(self) -> None:
        now = datetime.now(UTC)
        cert = self.own_certificate
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise PermanentDeliveryError("our own certificate is expired or not yet valid")
        revoked = self.trust.revocation(cert)
        if revoked is not None:
            raise PermanentDeliveryError(f"our own certificate is revoked: {revoked.describe()}")

    def _follow_revocations(self) -> None:
        """After a CRL change, forget every verified server: connections are made anew."""
        generation = self.trust.revocation_generation
        if generation != self._revocations_seen:
            self._revocations_seen = generation
            self._verified_servers.clear()
            self.close()

    def _peer(self, message: OutboundMessage) -> Peer:
        try:
            peer = self.directory.get(message.peer_org_id)
        except PeerRefused as exc:
            raise PermanentDeliveryError(str(exc)) from exc
        if message.format not in peer.formats:
            raise PermanentDeliveryError(
                f"peer {peer.org_id} does not accept {message.format} messages")
        return peer

    def _post(self, peer: Peer, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """POST with one immediate retry when the server hangs up without answering.

        A pooled keep-alive connection the server had already closed looks like that, and
        delivery is idempotent (Bundle.id, MessageHeader.id), so the retry is safe. A server
        that refuses our certificate looks the same under TLS 1.3 (uvicorn/asyncio close
        without an alert, after the client's side of the handshake succeeded): when even a
        freshly handshaken connection is dropped twice, the failure is permanent.
        """
        for attempt in (1, 2):
            fresh: list[bool] = []
            try:
                return self._exchange(peer, path, body, headers, fresh)
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if _tls_failure(exc) or (attempt == 2 and not fresh):
                    raise
                if attempt == 2:
                    raise PermanentDeliveryError(
                        f"peer {peer.org_id} closed new TLS connections without answering; "
                        "it probably refuses our certificate") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(self, peer: Peer, path: str, body: bytes, headers: dict[str, str],
                  fresh: list[bool]) -> httpx.Response:
        """POST, but only on a connection whose server proved it is ``peer``.

        The check runs in httpcore's trace hook right after the TLS handshake, before a byte
        of the request is written; a pooled connection was checked when it was opened.
        """
        def trace(event: str, info: dict[str, Any]) -> None:
            if event == "connection.start_tls.complete" and "return_value" in info:
                fresh.append(True)
                self._check_server(peer, info["return_value"])

        return self.client_for(peer).post(path, content=body, headers=headers,
                                          extensions={"trace": trace})

    def _check_server(self, peer: Peer, stream: Any) -> None:
        der = _server_certificate(stream)
        if der is None:
            raise PermanentDeliveryError(f"no server certificate from peer {peer.org_id}")
        if self._verified_servers.get(der) == peer.org_id:
            return
        cert = x509.load_der_x509_certificate(der)
        try:
            owner = self.directory.for_certificate(identity_of(cert))
        except PeerRefused as exc:
            raise PermanentDeliveryError(f"server for {peer.org_id} is not a known peer") from exc
        if owner.org_id != peer.org_id:
            raise PermanentDeliveryError(f"server for {peer.org_id} presented {owner.org_id}'s "
                                         "certificate")
        revoked = self.trust.revocation(cert)
        if revoked is not None:
            raise PermanentDeliveryError(f"peer {peer.org_id}'s certificate is revoked: "
                                         f"{revoked.describe()}")
        self._verified_servers[der] = peer.org_id

    def _acknowledgement(self, peer: Peer, message: OutboundMessage,
                         response: httpx.Response) -> Acknowledgement:
        status = response.status_code
        if status >= 500 or status in RECOVERABLE_STATUSES:
            raise RecoverableDeliveryError(f"peer {peer.org_id} answered HTTP {status}")
        if status != 200:
            raise PermanentDeliveryError(f"peer {peer.org_id} answered HTTP {status}"
                                         f"{_refusal_code(response)}")
        try:
            ack, signer = read_signed_ack(message.format, response.content, self.trust)
        except SignatureInvalid as exc:
            raise PermanentDeliveryError(f"peer {peer.org_id}'s acknowledgement is not validly "
                                         f"signed: {exc}") from exc
        except GatewayError as exc:
            raise PermanentDeliveryError(f"peer {peer.org_id} answered with no "
                                         "acknowledgement") from exc
        self._check_ack_signer(peer, signer)
        if ack.message_id != message.message_id:
            raise PermanentDeliveryError(f"peer {peer.org_id} acknowledged another message")
        return ack


    def _check_ack_signer(self, peer: Peer, signer: CertificateIdentity) -> None:
        try:
            owner = self.directory.for_certificate(signer)
        except PeerRefused as exc:
            raise PermanentDeliveryError(f"peer {peer.org_id}'s acknowledgement is signed by "
                                         "an unknown organisation") from exc
        if owner.org_id != peer.org_id:
            raise PermanentDeliveryError(f"peer {peer.org_id}'s acknowledgement is signed by "
                                         f"{owner.org_id}")


def _own_certificate(cert_file: Path, trust: FederationTrust) -> x509.Certificate:
    """Our certificate, checked once against the federation CA while it is valid.

    An expired or revoked certificate is let through here: ``send`` then fails with a clear
    ``PermanentDeliveryError`` instead of the gateway failing to start.
    """
    cert = load_certificate(cert_file)
    valid = cert.not_valid_before_utc <= datetime.now(UTC) <= cert.not_valid_after_utc
    if valid and trust.revocation(cert) is None:
        try:
            trust.verify_peer(cert)
        except PeerRefused as exc:
            raise ConfigurationError("our certificate is not from the federation CA") from exc
    return cert


@contextmanager
def _delivery_errors(peer_org_id: str) -> Iterator[None]:
    """The one boundary where httpx and TLS errors become delivery errors."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise RecoverableDeliveryError(f"timeout talking to peer {peer_org_id}") from exc
    except httpx.TransportError as exc:
        if _tls_failure(exc):
            raise PermanentDeliveryError(
                f"TLS with peer {peer_org_id} failed: {_ssl_reason(exc)}") from exc
        raise RecoverableDeliveryError(
            f"network error talking to peer {peer_org_id}: {type(exc).__name__}") from exc
    except httpx.HTTPError as exc:
        raise PermanentDeliveryError(
            f"cannot send to peer {peer_org_id}: {type(exc).__name__}") from exc


def _ssl_errors(exc: BaseException) -> Iterator[ssl.SSLError]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            yield current
        current = current.__cause__ or current.__context__


def _tls_failure(exc: BaseException) -> bool:
    """Whether TLS refused us or we refused the server (certificates, protocol, alert)."""
    return any(not isinstance(e, ssl.SSLZeroReturnError | ssl.SSLEOFError)
               for e in _ssl_errors(exc))


def _ssl_reason(exc: BaseException) -> str:
    for error in _ssl_errors(exc):
        return str(getattr(error, "reason", None) or type(error).__name__)
    return type(exc).__name__


def _server_certificate(stream: Any) -> bytes | None:
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(True)
    return bytes(der) if der else None


def _refusal_code(response: httpx.Response) -> str:
    try:
        issue = response.json()["issue"][0]
        return f" ({issue['details']['coding'][0]['code']})"
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
