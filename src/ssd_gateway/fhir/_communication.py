"""Underretning, receipt, feedback request and answer, SSD meeting and exchange, anonymous
consultation and private note → ``Communication``.

One table (``SPECS``) says, per kind, which record field becomes the subject, the send time,
the sender, the text payload and the logical references (``about``/``inResponseTo``); the
rest of the record travels in the residual QuestionnaireResponse named as a payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssd_gateway.fhir import urls
from ssd_gateway.fhir._bundle import fhir_datetime, logical, logical_value, reference
from ssd_gateway.fhir._context import Read, ReadContext, Render, RenderContext
from ssd_gateway.fhir._node import Node, unexpected
from ssd_gateway.fhir._people import (
    add_child,
    add_child_id,
    add_practitioner,
    add_practitioner_role,
    party_organization,
    practitioner,
    practitioner_role,
    read_child,
    read_child_id,
    read_party,
)
from ssd_gateway.fhir.terminology import coding

FEEDBACK_OUTCOME = urls.code_system("feedback-outcome")
PARTICIPANT_EXT = urls.extension("meeting-participant")


@dataclass(frozen=True)
class CommunicationSpec:
    """Where a record kind's fields go in its Communication."""

    kind: str
    sent: str
    subject: str | None = None          # "child" (a Child) or "child_id" (an id)
    sender: str | None = None           # dotted path of a Person
    text: str | None = None             # field carried as payload[0].contentString
    about: tuple[tuple[str, str], ...] = ()          # (field, kind it refers to)
    in_response_to: tuple[tuple[str, str], ...] = ()


SPECS = {s.kind: s for s in (
    CommunicationSpec("underretning", "created_at", "child", "notifier.person",
                      "reason_for_concern", about=(("stafetlog_ref", "stafetlog"),)),
    CommunicationSpec("underretning_receipt", "sent_at", "child_id", "caseworker",
                      in_response_to=(("underretning_id", "underretning"),)),
    CommunicationSpec("feedback_request", "requested_at", "child_id", "requested_by",
                      about=(("underretning_id", "underretning"),)),
    CommunicationSpec("feedback", "answered_at", "child_id", text="content",
                      about=(("underretning_id", "underretning"),),
                      in_response_to=(("request_id", "feedback_request"),)),
    CommunicationSpec("ssd_meeting", "at", "child",
                      about=(("follow_up_of", "ssd_meeting"),)),
    CommunicationSpec("ssd_exchange", "at", "child", text="text",
                      about=(("meeting_id", "ssd_meeting"),)),
    CommunicationSpec("anonymous_consultation", "asked_at", None, "asked_by", "question"),
    CommunicationSpec("private_note", "written_at", "child_id", "author", "text"),
)}


def _dotted(record: Any, path: str) -> Any:
    for part in path.split("."):
        record = getattr(record, part)
    return record


def _set_dotted(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _refs(record: Any, pairs: tuple[tuple[str, str], ...], ctx: RenderContext) -> list[Any]:
    refs = []
    for field, kind in pairs:
        value = getattr(record, field)
        if value is not None:
            ctx.consume(field)
            resource_type = "CarePlan" if kind == "stafetlog" else "Communication"
            refs.append(logical(resource_type, urls.record_id_system(kind), value))
    return refs


def _render(spec: CommunicationSpec, record: Any, ctx: RenderContext) -> dict[str, Any]:
    ctx.consume("id", spec.sent)
    comm: dict[str, Any] = {
        "resourceType": "Communication",
        "identifier": [{"system": urls.record_id_system(spec.kind), "value": record.id}],
        "status": "completed",
        "category": [{"coding": [coding("event-code", spec.kind)]}],
    }
    if spec.subject is not None:
        ctx.consume(spec.subject)
        value = getattr(record, spec.subject)
        add = add_child if spec.subject == "child" else add_child_id
        comm["subject"] = reference(add(ctx.b, value))
    if about := _refs(record, spec.about, ctx):
        comm["about"] = about
    if replies := _refs(record, spec.in_response_to, ctx):
        comm["inResponseTo"] = replies
    if spec.kind == "feedback":
        ctx.consume("outcome")
        comm["topic"] = {"coding": [coding("feedback-outcome", record.outcome.value)]}
    comm["sent"] = fhir_datetime(getattr(record, spec.sent))
    comm["recipient"] = _recipients(spec, record, ctx)
    if spec.sender is not None and (person := _dotted(record, spec.sender)) is not None:
        ctx.consume(spec.sender)
        comm["sender"] = reference(add_practitioner(ctx.b, person))
    else:
        comm["sender"] = reference(ctx.sender_url)
    comm["payload"] = _payload(spec, record, ctx)
    return comm


def _payload(spec: CommunicationSpec, record: Any, ctx: RenderContext) -> list[Any]:
    payload: list[Any] = []
    # FHIR strings cannot be empty: an empty text stays in the residual
    if spec.text is not None and getattr(record, spec.text):
        ctx.consume(spec.text)
        payload.append({"contentString": getattr(record, spec.text)})
    payload.append({"contentReference": reference(ctx.residual_url)})
    return payload


def _recipients(spec: CommunicationSpec, record: Any, ctx: RenderContext) -> list[Any]:
    out = [reference(ctx.receiver_url)]
    if spec.kind != "ssd_meeting":
        return out
    ctx.consume("participants")
    for participant in record.participants:
        org_url = ctx.b.add(party_organization(participant.party))
        if participant.person is None:
            ref: dict[str, Any] = reference(org_url)
        else:
            ref = reference(add_practitioner_role(ctx.b, participant.person,
                                                  participant.party.org_id))
        # marks a meeting participant and names its organisation in full
        ref["extension"] = [{"url": PARTICIPANT_EXT, "valueReference": reference(org_url)}]
        out.append(ref)
    return out


def _read(spec: CommunicationSpec, comm: Node, ctx: ReadContext) -> dict[str, Any]:
    ident = comm.first("identifier")
    if ident.req("system").value != urls.record_id_system(spec.kind):
        raise unexpected(f"{ident.path}.system", urls.record_id_system(spec.kind))
    data: dict[str, Any] = {"id": ident.req_str("value"), spec.sent: comm.req("sent").text()}
    ctx.note(spec.sent, comm.req("sent"))
    if spec.subject is not None:
        subject = comm.req("subject")
        ctx.note(spec.subject, subject)
        read = read_child if spec.subject == "child" else read_child_id
        data[spec.subject] = read(ctx.index, subject)
    _read_refs(comm.items("about"), spec.about, data)
    _read_refs(comm.items("inResponseTo"), spec.in_response_to, data)
    if spec.kind == "feedback":
        data["outcome"] = _outcome(comm.req("topic"))
    sender = comm.req("sender")
    if spec.sender is not None and ctx.index.resolve(sender).req("resourceType").value == (
            "Practitioner"):
        _set_dotted(data, spec.sender, practitioner(ctx.index, sender))
    if spec.text is not None:
        for part in comm.items("payload"):
            if (text := part.get("contentString")) is not None:
                data[spec.text] = text.text()
                ctx.note(spec.text, text)
    if spec.kind == "ssd_meeting":
        data["participants"] = _read_participants(comm, ctx)
    return data


def _read_refs(nodes: list[Node], pairs: tuple[tuple[str, str], ...], data: dict[str, Any]) -> None:
    systems = {urls.record_id_system(kind): field for field, kind in pairs}
    for node in nodes:
        system = node.req("identifier").req("system")
        if system.value not in systems:
            raise unexpected(system.path, " or ".join(systems))
        data[systems[system.text()]] = logical_value(node, system.text())


def _outcome(topic: Node) -> str:
    for c in topic.items("coding"):
        if c.get("system") is not None and c.req("system").value == FEEDBACK_OUTCOME:
            return c.req("code").text()
    raise unexpected(f"{topic.path}.coding", f"a coding from {FEEDBACK_OUTCOME}")


def _read_participants(comm: Node, ctx: ReadContext) -> list[dict[str, Any]]:
    out = []
    for ref in comm.items("recipient"):
        marker = ref.extension(PARTICIPANT_EXT)
        if marker is None:
            continue
        org = ctx.index.resolve(marker.req("valueReference"), "Organization")
        participant: dict[str, Any] = {"party": read_party(org)}
        if ctx.index.resolve(ref).req("resourceType").value == "PractitionerRole":
            participant["person"] = practitioner_role(ctx.index, ref)[0]
        out.append(participant)
    return out


def mappers() -> dict[str, tuple[Render, Read]]:
    """Return the render and read functions of every Communication-borne kind."""
    def pair(spec: CommunicationSpec) -> tuple[Render, Read]:
        return (lambda record, ctx: _render(spec, record, ctx),
                lambda node, ctx: _read(spec, node, ctx))
    return {kind: pair(spec) for kind, spec in SPECS.items()}
