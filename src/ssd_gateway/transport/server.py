"""The federation listener: mTLS-only Starlette app and its uvicorn configuration.

``POST /fhir/$process-message`` (``application/fhir+json``) and ``POST /xml/message``
(``application/xml``). Each request goes through, in order:

1. who is calling: ``peer_identity()`` (verified certificate) → the directory's peer (403);
2. the message's envelope is read (400) and its sender must be that peer (403);
3. the signature must verify and its signer must be that peer as well (422);
4. the ``Inbox`` decides and answers with an ``Acknowledgement`` (200, ok / transient-error /
   fatal-error): duplicates, inbound policy, storage and quarantine live behind it. Every
   acknowledgement is signed with the gateway's key (the inbox signs what it renders and
   remembers; the endpoint signs the ones it makes from the inbox's errors).

A refusal before step 4 is answered with an OperationOutcome and an HTTP error status (the
sender's client treats 4xx as permanent); no body, name or CPR number is ever logged.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ssd_gateway.certs.identity import CertificateIdentity
from ssd_gateway.certs.trust import FederationTrust
from ssd_gateway.contracts import (
    FHIR_MEDIA_TYPE,
    XML_MEDIA_TYPE,
    AckCode,
    Acknowledgement,
    MessageFormat,
)
from ssd_gateway.exceptions import (
    GatewayError,
    PeerRefused,
    Problem,
    RecordInvalid,
    SignatureInvalid,
    UnsafeInput,
)
from ssd_gateway.peers import Peer, PeerDirectory
from ssd_gateway.signing.jws import verify_bundle
from ssd_gateway.signing.keys import SigningKey
from ssd_gateway.signing.xmldsig import parse_xml, verify_xml
from ssd_gateway.transport.acks import render_ack
from ssd_gateway.transport.envelope import Envelope, parse_json, read_envelope, sender_org_id
from ssd_gateway.transport.identity import PeerCertH11Protocol, PeerIdentitySource, peer_identity
from ssd_gateway.transport.tls import server_ssl_context

log = logging.getLogger(__name__)

FHIR_PATH = "/fhir/$process-message"
XML_PATH = "/xml/message"
MAX_BODY_BYTES = 10 * 1024 * 1024


class Inbox(Protocol):
    """Takes a message whose caller, sender and signature have been verified."""

    def receive(self, peer: Peer, format: MessageFormat, body: bytes) -> Acknowledgement:
        """Process (or recognise as a duplicate) and answer; ``body`` is only signed content.

        FHIR: the received Bundle bytes (duplicate JSON keys refused, so every parser reads
        what was signed). XML: the ``signed_xml`` the signature covers, never the raw bytes.
        May raise ``RecordInvalid`` (answered fatal-error with its problems), another
        ``GatewayError`` (transient-error if its class is ``recoverable``, else fatal-error) or
        anything else (transient-error; logged without the message).
        """
        ...


@dataclass(frozen=True)
class Verified:
    """A message that passed steps 1–3: its peer, envelope and signed content."""

    peer: Peer
    envelope: Envelope
    body: bytes


class Refusal(Exception):
    """An HTTP refusal: status, error code and an English reason without personal data."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.code, self.reason = status, code, reason


@dataclass
class FederationEndpoint:
    """The request pipeline, independent of Starlette so it can be tested and reused."""

    directory: PeerDirectory
    trust: FederationTrust
    inbox: Inbox
    #: signs the acknowledgements the endpoint renders itself
    signer: SigningKey
    identity_source: PeerIdentitySource = field(default_factory=PeerIdentitySource)
    #: told of every verified peer certificate (the gateway watches their expiry)
    on_certificate: Callable[[Peer, CertificateIdentity], None] | None = None

    def handle(self, format: MessageFormat, scope: dict[str, Any], body: bytes) -> Acknowledgement:
        """Run steps 1–4; raise ``Refusal`` when the message must not reach the inbox."""
        verified = self.verify(format, scope, body)
        return self._deliver(verified, format)

    def verify(self, format: MessageFormat, scope: dict[str, Any], body: bytes) -> Verified:
        """Steps 1–3: identify the caller, check the sender, check the signature."""
        try:
            identity = peer_identity(scope, self.trust, self.identity_source)
            peer = self.directory.for_certificate(identity)
        except PeerRefused as exc:
            raise Refusal(403, exc.code, str(exc)) from exc
        if self.on_certificate is not None:
            self.on_certificate(peer, identity)
        try:
            return self._verify_message(peer, format, body)
        except PeerRefused as exc:
            raise Refusal(403, exc.code, str(exc)) from exc
        except SignatureInvalid as exc:
            raise Refusal(422, exc.code, str(exc)) from exc
        except (RecordInvalid, UnsafeInput) as exc:
            raise Refusal(400, _first_code(exc), str(exc)) from exc

    def _verify_message(self, peer: Peer, format: MessageFormat, body: bytes) -> Verified:
        if format == "fhir":
            bundle = parse_json(body)
            self._check_sender(peer, envelope := read_envelope("fhir", bundle))
            self._check_signer(peer, verify_bundle(bundle, self.trust))
            return Verified(peer, envelope, body)
        self._check_sender(peer, read_envelope("xml", parse_xml(body)))
        signed = verify_xml(body, self.trust)
        self._check_signer(peer, signed.signer)
        # Only what the signature covers counts: read the envelope again from it.
        envelope = read_envelope("xml", parse_xml(signed.signed_xml))
        self._check_sender(peer, envelope)
        return Verified(peer, envelope, signed.signed_xml)

    def _check_sender(self, peer: Peer, envelope: Envelope) -> None:
        if sender_org_id(envelope, self.directory) != peer.org_id:
            raise PeerRefused("the message's sender is not the calling organisation")

    def _check_signer(self, peer: Peer, signer: CertificateIdentity) -> None:
        try:
            owner = self.directory.for_certificate(signer)
        except PeerRefused as exc:
            raise SignatureInvalid("the signer is not a known organisation") from exc
        if owner.org_id != peer.org_id:
            raise SignatureInvalid("the message is signed by another organisation")

    def _deliver(self, verified: Verified, format: MessageFormat) -> Acknowledgement:
        envelope = verified.envelope
        try:
            return self.inbox.receive(verified.peer, format, verified.body)
        except RecordInvalid as exc:
            return Acknowledgement("fatal-error", envelope.message_id, envelope.bundle_id,
                                   issues=tuple(exc.problems))
        except GatewayError as exc:
            code: AckCode = "transient-error" if exc.recoverable else "fatal-error"
            return Acknowledgement(code, envelope.message_id, envelope.bundle_id,
                                   issues=(_problem(exc.code, "the receiver could not process"
                                                    " the message"),))
        except Exception as exc:
            # The class name only: an exception's text may quote the message.
            log.error("inbox failed for peer %s: %s", verified.peer.org_id, type(exc).__name__)
            return Acknowledgement("transient-error", envelope.message_id, envelope.bundle_id,
                                   issues=(_problem("INTERNAL", "internal error at the"
                                                    " receiver"),))


def create_federation_app(
    directory: PeerDirectory,
    trust: FederationTrust,
    inbox: Inbox,
    identity_source: PeerIdentitySource | None = None,
    *,
    signer: SigningKey,
    max_body_bytes: int = MAX_BODY_BYTES,
    on_certificate: Callable[[Peer, CertificateIdentity], None] | None = None,
) -> Starlette:
    """The federation ASGI app (serve it with ``federation_server_config``)."""
    endpoint = FederationEndpoint(directory, trust, inbox, signer,
                                  identity_source or PeerIdentitySource(), on_certificate)

    def route(format: MessageFormat, media_type: str) -> Callable[[Request], Any]:
        async def receive(request: Request) -> Response:
            if request.headers.get("content-type", "").split(";")[0].strip() != media_type:
                return _refusal(Refusal(415, "UNSUPPORTED_MEDIA_TYPE",
                                                f"content type must be {media_type}"))
            try:
                body = await _read_limited(request, max_body_bytes)
                ack = await run_in_threadpool(endpoint.handle, format, dict(request.scope), body)
            except Refusal as refusal:
                log.warning("federation refusal %s %s", refusal.status, refusal.code)
                return _refusal(refusal)
            return Response(render_ack(format, ack, endpoint.signer), 200,
                            media_type=media_type)
        return receive

    routes = [
        Route(FHIR_PATH, route("fhir", FHIR_MEDIA_TYPE), methods=["POST"]),
        Route(XML_PATH, route("xml", XML_MEDIA_TYPE), methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.endpoint = endpoint
    return app


def federation_server_config(
    app: Any,
    *,
    cert_file: Path,
    key_file: Path,
    ca_file: Path,
    host: str = "127.0.0.1",
    port: int = 8443,
    log_level: str = "warning",
) -> uvicorn.Config:
    """uvicorn settings for the embedded mTLS listener (client certificate required)."""
    context = server_ssl_context(cert_file, key_file, ca_file)

    def factory(_config: uvicorn.Config, _default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
        return context

    return uvicorn.Config(
        app, host=host, port=port, http=PeerCertH11Protocol, ssl_context_factory=factory,
        ssl_certfile=str(cert_file), ssl_keyfile=str(key_file), ssl_ca_certs=str(ca_file),
        ssl_cert_reqs=ssl.CERT_REQUIRED, log_level=log_level, access_log=False,
        lifespan="off", server_header=False, proxy_headers=False,
    )


async def _read_limited(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refusal(413, "TOO_LARGE", "message over the size limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _problem(code: str, message_en: str, message_da: str = "") -> Problem:
    return Problem("", code, message_da or message_en, message_en)


def _first_code(exc: GatewayError) -> str:
    problems = getattr(exc, "problems", None)
    return problems[0].code if problems else exc.code


def _refusal(refusal: Refusal) -> Response:
    """One shape for both routes: an OperationOutcome, which partners read either way."""
    outcome = {"resourceType": "OperationOutcome", "issue": [{
        "severity": "error",
        "code": "security" if refusal.status in (403, 422) else "invalid",
        "details": {"coding": [{"system": "urn:ssd-gateway:error-code", "code": refusal.code}]},
        "diagnostics": refusal.reason,
    }]}
    return Response(json.dumps(outcome).encode(), refusal.status, media_type=FHIR_MEDIA_TYPE)
