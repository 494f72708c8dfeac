"""Small readers for the envelope of an inbound message: ids and the sender organisation.

Provisional: the ``fhir`` and ``xml`` parts will own full parsing; the transport needs only
the envelope, and reads it here behind ``read_envelope()`` so that one function is replaced
when they arrive.

FHIR: ``Bundle.id``, ``entry[0]`` = ``MessageHeader`` (``id``, ``sender``), and the bundled
``Organization`` that ``MessageHeader.sender.reference`` points to; its identifiers name the
sender (``ssd_gateway.peers``: org id, KOMBIT org id, SOR; never CVR alone).

XML (``schemas/envelope.xsd``): the root ``env:message`` carries the per-send id in its
``envelope_id`` attribute, the logical message id in ``env:message_id``, and the sender's
``c:org_id`` (optionally ``c:kombit_org_id``, ``c:sor``) in ``env:sender``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ssd_gateway.contracts import MessageFormat
from ssd_gateway.exceptions import PeerRefused, Problem, RecordInvalid, UnsafeInput
from ssd_gateway.peers import KOMBIT_ORG_SYSTEM, ORG_ID_SYSTEM, SOR_SYSTEM, PeerDirectory
from ssd_gateway.signing.xmldsig import parse_xml
from ssd_gateway.xml.names import COMMON_NS, ENVELOPE_ID_ATTRIBUTE, ENVELOPE_NS

MAX_JSON_BYTES = 10 * 1024 * 1024


ENVELOPE_UNREADABLE = "ENVELOPE_UNREADABLE"


def _unreadable(path: str, message_en: str, message_da: str) -> RecordInvalid:
    """A ``RecordInvalid`` saying the envelope cannot be read at ``path``."""
    return RecordInvalid([Problem(path, ENVELOPE_UNREADABLE, message_da, message_en)])


@dataclass(frozen=True)
class Envelope:
    """What the transport needs to know about a message before handing it on."""

    bundle_id: str
    message_id: str
    sender_identifiers: frozenset[tuple[str, str]]


def parse_json(body: bytes) -> dict[str, Any]:
    """Parse a JSON object, refusing duplicate keys (two parsers must never disagree)."""
    if len(body) > MAX_JSON_BYTES:
        raise UnsafeInput("JSON message over the size limit")
    try:
        data = json.loads(body, object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _unreadable("", "not a JSON document", "ikke et JSON-dokument") from exc
    if not isinstance(data, dict):
        raise _unreadable("", "not a JSON object", "ikke et JSON-objekt")
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate key in JSON object")
        result[key] = value
    return result


def read_envelope(format: MessageFormat, document: Mapping[str, Any] | etree._Element) -> Envelope:
    """The envelope of a parsed FHIR Bundle (dict) or XML message (root element)."""
    if format == "fhir" and isinstance(document, Mapping):
        return _fhir_envelope(document)
    if format == "xml" and isinstance(document, etree._Element):
        return _xml_envelope(document)
    raise _unreadable("", f"not a {format} document", f"ikke et {format}-dokument")


def envelope_of(format: MessageFormat, body: bytes) -> Envelope:
    """Parse ``body`` and read its envelope."""
    document = parse_json(body) if format == "fhir" else parse_xml(body)
    return read_envelope(format, document)


def sender_org_id(envelope: Envelope, directory: PeerDirectory) -> str:
    """The org id of the one directory peer the message names as its sender."""
    owners = directory.for_identifiers(envelope.sender_identifiers)
    if len(owners) != 1:
        raise PeerRefused("the message's sender organisation is not one known peer")
    return owners.pop()


def _fhir_envelope(bundle: Mapping[str, Any]) -> Envelope:
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "message":
        raise _unreadable("Bundle", "not a FHIR message Bundle", "ikke en FHIR-meddelelses-Bundle")
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise _unreadable("Bundle.entry", "missing", "mangler")
    header = _resource(entries[0])
    if header is None or header.get("resourceType") != "MessageHeader":
        raise _unreadable("Bundle.entry[0]", "not a MessageHeader", "er ikke en MessageHeader")
    sender = header.get("sender")
    identifiers: set[tuple[str, str]] = set()
    if isinstance(sender, Mapping):
        identifiers |= _identifiers([sender.get("identifier")])
        organisation = _resolve(entries, sender.get("reference"))
        if organisation is not None and organisation.get("resourceType") == "Organization":
            identifiers |= _identifiers(organisation.get("identifier"))
    return Envelope(_text(bundle.get("id"), "Bundle.id"),
                    _text(header.get("id"), "MessageHeader.id"), frozenset(identifiers))


def _resource(entry: object) -> Mapping[str, Any] | None:
    resource = entry.get("resource") if isinstance(entry, Mapping) else None
    return resource if isinstance(resource, Mapping) else None


def _resolve(entries: list[Any], reference: object) -> Mapping[str, Any] | None:
    if not isinstance(reference, str):
        return None
    for entry in entries:
        resource = _resource(entry)
        if resource is None:
            continue
        if entry.get("fullUrl") == reference:
            return resource
        if f"{resource.get('resourceType')}/{resource.get('id')}" == reference:
            return resource
    return None


def _identifiers(values: object) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for ident in values if isinstance(values, list) else []:
        if isinstance(ident, Mapping):
            system, value = ident.get("system"), ident.get("value")
            if isinstance(system, str) and isinstance(value, str):
                found.add((system, value))
    return found


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 128:
        raise _unreadable(where, "missing or malformed", "mangler eller er forkert udformet")
    return value


def _xml_envelope(root: etree._Element) -> Envelope:
    """Read ``env:message``: ``@envelope_id``, ``env:message_id`` and ``env:sender``'s ids."""
    if root.tag != f"{{{ENVELOPE_NS}}}message":
        raise _unreadable("/", "not an ssd-gateway XML message",
                          "ikke en ssd-gateway XML-meddelelse")
    sender = root.find(f"{{{ENVELOPE_NS}}}sender")
    if sender is None:
        raise _unreadable("/env:message/env:sender", "the XML message has no sender",
                          "XML-meddelelsen har ingen afsender")
    systems = {"org_id": ORG_ID_SYSTEM, "kombit_org_id": KOMBIT_ORG_SYSTEM, "sor": SOR_SYSTEM}
    identifiers = {(system, value) for name, system in systems.items()
                   if (value := sender.findtext(f"{{{COMMON_NS}}}{name}"))}
    return Envelope(_text(root.get(ENVELOPE_ID_ATTRIBUTE), "/env:message/@envelope_id"),
                    _text(root.findtext(f"{{{ENVELOPE_NS}}}message_id"),
                          "/env:message/env:message_id"),
                    frozenset(identifiers))
