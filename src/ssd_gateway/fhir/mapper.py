"""A ``Message`` (any record kind) ⇄ a FHIR R4 message Bundle, losslessly.

The Bundle follows MedCom's messaging conventions (anchors-interop §4): ``type=message``, the
``MessageHeader`` first, a ``Provenance`` of the send, bundled sender and receiver
``Organization``s with DK-core identifiers, timestamps with time zone, a new ``Bundle.id`` per
call and a ``MessageHeader.id`` derived from ``Message.message_id`` (the same on every send).

Envelope fields without a MessageHeader element (the logical message id, legal basis,
information categories, consent and meeting references) are project extensions on the
MessageHeader; the purpose of use is ``Provenance.reason``. Each record kind has one focus
resource (see ``_care`` and ``_communication``); what FHIR has no element for goes to a
QuestionnaireResponse (``_residual``) that is the MessageHeader's second focus.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ssd_gateway.exceptions import Problem, RecordInvalid
from ssd_gateway.fhir import _care, _communication, urls
from ssd_gateway.fhir._bundle import (
    BundleBuilder,
    BundleIndex,
    fhir_datetime,
    logical,
    logical_value,
    message_header_id,
    narrative,
    reference,
)
from ssd_gateway.fhir._context import Read, ReadContext, Render, RenderContext
from ssd_gateway.fhir._node import Node, ReadError, unexpected
from ssd_gateway.fhir._people import party_organization, read_party
from ssd_gateway.fhir._residual import decode, encode
from ssd_gateway.fhir.terminology import coding
from ssd_gateway.model import Message, ValidationSettings, parse_message

MESSAGE_ID_EXT = urls.extension("message-id")
BASIS_EXT = urls.extension("legal-basis")
CATEGORY_EXT = urls.extension("information-category")
CONSENT_REF_EXT = urls.extension("consent-reference")
MEETING_REF_EXT = urls.extension("meeting-reference")
EVENT_SYSTEM = urls.code_system("event-code")
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

KINDS: dict[str, tuple[Render, Read]] = {
    "consent": (_care.render_consent, _care.read_consent),
    "stafetlog": (_care.render_stafetlog, _care.read_stafetlog),
    "stafetlog_handover_offer": (_care.render_handover_offer, _care.read_handover_offer),
    "stafetlog_handover_accept": (_care.render_handover_answer, _care.read_handover_answer),
    **_communication.mappers(),
}


def endpoint(org_id: str) -> str:
    """Return the messaging endpoint URI of an organisation (the target for acknowledgements)."""
    return f"urn:ssd-gateway:endpoint:{quote(org_id, safe='')}"


# --- render --------------------------------------------------------------------------------

def message_to_bundle(message: Message, *, bundle_id: str | None = None,
                      timestamp: datetime | None = None) -> dict[str, Any]:
    """Return ``message`` as a JSON-ready FHIR message Bundle (a new Bundle.id per call)."""
    bundle_id = bundle_id or str(uuid.uuid4())
    if not _FHIR_ID.match(bundle_id):
        raise ValueError("bundle_id must be a FHIR id ([A-Za-z0-9-.]{1,64})")
    timestamp = timestamp or datetime.now(UTC)
    header_id = message_header_id(message.message_id)
    b = BundleBuilder(header_id)
    sender = b.add(party_organization(message.sender))
    receiver = b.add(party_organization(message.recipient))
    ctx = RenderContext(b, sender, receiver, b.url_for("residual"))
    focus = b.add(KINDS[message.kind][0](message.record, ctx), key="focus")
    b.add(_residual(message, ctx, focus), key="residual")
    header_url = f"urn:uuid:{header_id}"
    b.add(_provenance(message, header_url, sender, timestamp), key="provenance")
    entries = [{"fullUrl": header_url, "resource": _header(message, header_id, ctx, focus)}]
    entries += _ordered(b.entries, focus, ctx.residual_url)
    bundle: dict[str, Any] = {"resourceType": "Bundle", "id": bundle_id}
    if _is_uuid(bundle_id):
        bundle["identifier"] = {"system": urls.BUNDLE_ID, "value": f"urn:uuid:{bundle_id}"}
    bundle |= {"type": "message", "timestamp": fhir_datetime(timestamp), "entry": entries}
    return bundle


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _ordered(entries: list[dict[str, Any]], *first: str) -> list[dict[str, Any]]:
    rank = {url: i for i, url in enumerate(first)}
    return sorted(entries, key=lambda e: rank.get(e["fullUrl"], len(rank)))


def _header(message: Message, header_id: str, ctx: RenderContext,
            focus: str) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = [{"url": MESSAGE_ID_EXT,
                                         "valueString": message.message_id}]
    if message.basis is not None:
        extensions.append({"url": BASIS_EXT,
                           "valueCoding": coding("legal-basis", message.basis.value)})
    extensions += [{"url": CATEGORY_EXT, "valueCoding": coding("information-category", c.value)}
                   for c in message.categories]
    if message.consent_id is not None:
        extensions.append({"url": CONSENT_REF_EXT, "valueReference": logical(
            "Consent", urls.record_id_system("consent"), message.consent_id)})
    if message.meeting_id is not None:
        extensions.append({"url": MEETING_REF_EXT, "valueReference": logical(
            "Communication", urls.record_id_system("ssd_meeting"), message.meeting_id)})
    return {
        "resourceType": "MessageHeader", "id": header_id,
        "text": narrative(f"Besked / message: {message.kind}", f"MessageHeader.id {header_id}",
                          f"Fra / from {message.sender.org_id} til / to "
                          f"{message.recipient.org_id}"),
        "extension": extensions,
        "eventCoding": coding("event-code", message.kind),
        "destination": [{
            "extension": [{"url": urls.MEDCOM_DESTINATION_USE_EXT, "valueCoding": {
                "system": urls.MEDCOM_DESTINATION_USE, "code": "primary"}}],
            "endpoint": endpoint(message.recipient.org_id),
            "receiver": reference(ctx.receiver_url)}],
        "sender": reference(ctx.sender_url),
        "source": {"endpoint": endpoint(message.sender.org_id)},
        "focus": [reference(focus), reference(ctx.residual_url)],
    }


def _provenance(message: Message, header_url: str, sender: str,
                timestamp: datetime) -> dict[str, Any]:
    return {
        "resourceType": "Provenance", "target": [reference(header_url)],
        "occurredDateTime": fhir_datetime(message.sent_at),
        "recorded": fhir_datetime(timestamp),
        "reason": [{"coding": [coding("purpose", message.purpose.value)]}],
        "activity": {"coding": [{"system": urls.MEDCOM_ACTIVITY, "code": "new-message"}]},
        "agent": [{"who": reference(sender)}],
    }


def _residual(message: Message, ctx: RenderContext, focus: str) -> dict[str, Any]:
    data = message.record.model_dump(mode="python", exclude_none=True)
    for path in ctx.consumed:
        _drop(data, path.split("."))
    qr: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "status": "completed",
                          "subject": reference(focus)}
    if items := encode(data):
        qr["item"] = items
    return qr


def _drop(data: dict[str, Any], parts: list[str]) -> None:
    head, *rest = parts
    if not rest:
        data.pop(head, None)
    elif isinstance(data.get(head), dict):
        _drop(data[head], rest)


# --- read ----------------------------------------------------------------------------------

def bundle_to_message(bundle: dict[str, Any],
                      settings: ValidationSettings | None = None) -> Message:
    """Return the Message a message Bundle carries; raise RecordInvalid with FHIR paths."""
    try:
        data, origins = _read(Node(bundle, "Bundle"))
    except ReadError as exc:
        raise RecordInvalid([Problem(exc.path, exc.code, exc.message_da, exc.message_en)]) from None
    try:
        return parse_message(data, settings)
    except RecordInvalid as exc:
        raise RecordInvalid([_locate(p, origins) for p in exc.problems]) from None


def _read(root: Node) -> tuple[dict[str, Any], dict[str, str]]:
    if not isinstance(root.value, dict):
        raise unexpected(root.path, "a JSON object")
    if root.req("resourceType").value != "Bundle":
        raise unexpected(f"{root.path}.resourceType", "Bundle")
    if root.req("type").value != "message":
        raise unexpected(f"{root.path}.type", "message")
    index = BundleIndex(root)
    if not index.entries:
        raise ReadError(f"{root.path}.entry", "fhir_missing", "the Bundle has no entries",
                        "bundtet er tomt")
    header = index.entries[0].req("resource")
    if header.req("resourceType").value != "MessageHeader":
        raise unexpected(f"{header.path}.resourceType", "MessageHeader (bdl-12)")
    kind = _event(header)
    ctx = ReadContext(index)
    focus_refs = header.items("focus")
    if not focus_refs:
        raise ReadError(f"{header.path}.focus", "fhir_missing", "the message has no focus",
                        "beskeden har intet fokus")
    focus = index.resolve(focus_refs[0])
    ctx.note("", focus)
    record = _merge(_read_residual(focus_refs[1:], ctx), KINDS[kind][1](focus, ctx))
    record["kind"] = kind
    data = _read_envelope(header, index, ctx)
    data["record"] = record
    return data, ctx.origins


def _event(header: Node) -> str:
    event = header.req("eventCoding")
    code = event.req("code")
    if event.req("system").value != EVENT_SYSTEM or code.value not in KINDS:
        raise unexpected(code.path, f"a record kind of {EVENT_SYSTEM}")
    return code.text()


def _read_residual(refs: list[Node], ctx: ReadContext) -> dict[str, Any]:
    for ref in refs:
        resource = ctx.index.resolve(ref)
        if resource.req("resourceType").value == "QuestionnaireResponse":
            return decode(resource.items("item"), ctx.origins, "record")
    return {}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_envelope(header: Node, index: BundleIndex, ctx: ReadContext) -> dict[str, Any]:
    message_id = header.extension(MESSAGE_ID_EXT)
    if message_id is None:
        raise ReadError(f"{header.path}.extension", "fhir_missing",
                        f"extension {MESSAGE_ID_EXT} is missing",
                        f"udvidelsen {MESSAGE_ID_EXT} mangler")
    sender, receiver = header.req("sender"), header.first("destination").req("receiver")
    provenance = _provenance_of(index)
    data: dict[str, Any] = {
        "message_id": message_id.req("valueString").text(),
        "sender": read_party(index.resolve(sender, "Organization")),
        "recipient": read_party(index.resolve(receiver, "Organization")),
        "sent_at": provenance.req("occurredDateTime").text(),
        "purpose": provenance.first("reason").first("coding").req("code").text(),
        "categories": [e.req("valueCoding").req("code").text()
                       for e in header.extensions(CATEGORY_EXT)],
    }
    ctx.origins |= {"sender": sender.path, "recipient": receiver.path,
                    "sent_at": f"{provenance.path}.occurredDateTime",
                    "purpose": f"{provenance.path}.reason", "categories": header.path}
    if (basis := header.extension(BASIS_EXT)) is not None:
        data["basis"] = basis.req("valueCoding").req("code").text()
    for key, url, kind in (("consent_id", CONSENT_REF_EXT, "consent"),
                           ("meeting_id", MEETING_REF_EXT, "ssd_meeting")):
        if (ext := header.extension(url)) is not None:
            data[key] = logical_value(ext.req("valueReference"), urls.record_id_system(kind))
    return data


def _provenance_of(index: BundleIndex) -> Node:
    header_url = index.entries[0].req("fullUrl").value
    for provenance in index.of_type("Provenance"):
        if any(t.get("reference") is not None and t.req("reference").value == header_url
               for t in provenance.items("target")):
            return provenance
    raise ReadError(f"{index.bundle.path}.entry", "fhir_missing",
                    "no Provenance targets the MessageHeader",
                    "ingen Provenance peger på MessageHeader")


def _locate(problem: Problem, origins: dict[str, str]) -> Problem:
    """Re-address a model problem (``record.child.id``) to the FHIR element it came from."""
    best = ""
    for key in origins:
        if len(key) > len(best) and (problem.path == key or problem.path.startswith(
                (key + ".", key + "["))):
            best = key
    if not best:
        return problem
    suffix = f" [{problem.path}]"
    return Problem(origins[best], problem.code, problem.message_da + suffix,
                   problem.message_en + suffix)
