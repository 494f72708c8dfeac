"""A permitted message is rendered, validated and signed once, when it is queued.

A retry resends the same bytes, so the receiver sees the same Bundle.id and MessageHeader.id
and answers with its original acknowledgement (MedCom duplicate rules); a new logical message
gets a new ``message_id``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from ssd_gateway.contracts import MessageFormat
from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.model import Message
from ssd_gateway.signing.keys import SigningKey


@dataclass(frozen=True)
class Rendered:
    """A message ready for the wire."""

    format: MessageFormat
    body: bytes
    bundle_id: str
    message_header_id: str


def render_signed(message: Message, fmt: MessageFormat, key: SigningKey) -> Rendered:
    """Render ``message`` as FHIR or XML, validate it, sign it; raise RecordInvalid if invalid."""
    envelope_id = str(uuid.uuid4())
    if fmt == "fhir":
        return _fhir(message, envelope_id, key)
    return _xml(message, envelope_id, key)


def _fhir(message: Message, bundle_id: str, key: SigningKey) -> Rendered:
    from ssd_gateway.fhir import message_header_id, message_to_bundle, validate_bundle
    from ssd_gateway.signing import sign_bundle

    bundle = message_to_bundle(message, bundle_id=bundle_id)
    problems = validate_bundle(bundle)
    if problems:
        raise RecordInvalid(problems)
    signed = sign_bundle(bundle, key)
    body = json.dumps(signed, ensure_ascii=False, separators=(",", ":")).encode()
    return Rendered("fhir", body, bundle_id, message_header_id(message.message_id))


def _xml(message: Message, envelope_id: str, key: SigningKey) -> Rendered:
    from ssd_gateway.signing import sign_xml
    from ssd_gateway.xml import message_to_xml

    body = sign_xml(message_to_xml(message, envelope_id=envelope_id), key)
    return Rendered("xml", body, envelope_id, message.message_id)
