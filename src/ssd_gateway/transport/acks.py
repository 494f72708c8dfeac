"""Acknowledgements on the wire, rendered and read by the format modules.

FHIR: ``ssd_gateway.fhir`` (a MedCom-style acknowledgement message Bundle: MessageHeader with
``response.identifier`` = the acknowledged MessageHeader.id and ``response.code`` = ok |
transient-error | fatal-error, the acknowledged Bundle.id in an extension, an OperationOutcome
with the project's error codes). XML: ``ssd_gateway.xml`` (``schemas/acknowledgement.xsd``).

An acknowledgement is signed like every other message (a detached JWS in ``Bundle.signature``,
an enveloped XMLDSig): the sender keeps it as proof that the receiver took the message.
``read_signed_ack`` verifies the signature against the federation CA and reads only what it
covers; a caller checks that the signer is the organisation it sent to.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

from ssd_gateway.certs.identity import CertificateIdentity
from ssd_gateway.certs.trust import FederationTrust
from ssd_gateway.contracts import Acknowledgement, MessageFormat
from ssd_gateway.exceptions import GatewayError, Problem, RecordInvalid
from ssd_gateway.model.party import Party
from ssd_gateway.signing.jws import sign_bundle, verify_bundle
from ssd_gateway.signing.keys import SigningKey
from ssd_gateway.signing.xmldsig import sign_xml, verify_xml
from ssd_gateway.transport.envelope import parse_json
from ssd_gateway.xml.ack import make_acknowledgement_xml, read_acknowledgement_xml

#: the acknowledging party when the acknowledger is not known to the renderer
_UNNAMED = Party(org_id="ssd-gateway", name="ssd-gateway", sector="other")


def render_ack(format: MessageFormat, ack: Acknowledgement,
               key: SigningKey | None = None) -> bytes:
    """The bytes of ``ack`` in ``format``, signed with ``key`` if given (``ack.body`` if the
    inbox already rendered it)."""
    if ack.body:
        return ack.body
    body = _render_fhir(ack) if format == "fhir" else _render_xml(ack)
    return sign_ack(format, body, key) if key is not None else body


def sign_ack(format: MessageFormat, body: bytes, key: SigningKey) -> bytes:
    """A rendered acknowledgement with the acknowledging gateway's signature added."""
    if format == "xml":
        return sign_xml(body, key)
    return sign_ack_bundle(parse_json(body), key)


def sign_ack_bundle(bundle: dict[str, Any], key: SigningKey) -> bytes:
    """An acknowledgement Bundle signed and serialised for the wire."""
    return json.dumps(sign_bundle(bundle, key), ensure_ascii=False,
                      separators=(",", ":")).encode()


def read_signed_ack(format: MessageFormat, body: bytes,
                    trust: FederationTrust) -> tuple[Acknowledgement, CertificateIdentity]:
    """Verify and read a signed acknowledgement: the answer and who signed it.

    ``SignatureInvalid`` if it is unsigned, tampered or signed outside the federation;
    ``RecordInvalid`` if the signed content is no acknowledgement. ``body`` of the result is
    the whole signed acknowledgement as received (the sender's proof).
    """
    if format == "xml":
        verified = verify_xml(body, trust)
        return replace(parse_ack("xml", verified.signed_xml), body=body), verified.signer
    try:
        bundle = parse_json(body)
    except GatewayError as exc:
        raise RecordInvalid([_not_an_ack]) from exc
    signer = verify_bundle(bundle, trust)
    return replace(_read_fhir(bundle), body=body), signer


def parse_ack(format: MessageFormat, body: bytes) -> Acknowledgement:
    """Read an acknowledgement; raise ``RecordInvalid`` if ``body`` is not one."""
    try:
        return _parse_fhir(body) if format == "fhir" else _parse_xml(body)
    except GatewayError as exc:
        raise RecordInvalid([_not_an_ack]) from exc
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise RecordInvalid([_not_an_ack]) from exc


_not_an_ack = Problem("", "NOT_AN_ACKNOWLEDGEMENT", "svaret er ikke en kvittering",
                      "the answer is not an acknowledgement")


def _render_fhir(ack: Acknowledgement) -> bytes:
    """Render with the FHIR module against a stub of the request (ids only).

    The gateway's inbox renders against the real request and sets ``ack.body``; this path
    serves inboxes that know only the ids (``MemoryInbox``).
    """
    from ssd_gateway.fhir import make_acknowledgement

    stub = {"resourceType": "Bundle", "id": ack.bundle_id, "type": "message",
            "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid4()}",
                       "resource": {"resourceType": "MessageHeader", "id": ack.message_id}}]}
    bundle = make_acknowledgement(stub, ack.code, ack.issues, ack.warnings, sender=_UNNAMED)
    return json.dumps(bundle, ensure_ascii=False).encode()


def _parse_fhir(body: bytes) -> Acknowledgement:
    return replace(_read_fhir(parse_json(body)), body=body)


def _read_fhir(bundle: dict[str, Any]) -> Acknowledgement:
    """The acknowledgement of a parsed Bundle, errors translated as ``parse_ack`` does."""
    from ssd_gateway.fhir import read_acknowledgement

    try:
        return read_acknowledgement(bundle)
    except GatewayError as exc:
        raise RecordInvalid([_not_an_ack]) from exc
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise RecordInvalid([_not_an_ack]) from exc


def _render_xml(ack: Acknowledgement) -> bytes:
    return make_acknowledgement_xml(ack.message_id, ack.bundle_id, ack.code, ack.issues,
                                    ack.warnings)


def _parse_xml(body: bytes) -> Acknowledgement:
    return read_acknowledgement_xml(body)
