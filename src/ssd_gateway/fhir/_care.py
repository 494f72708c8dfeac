"""Consent → ``Consent``; stafetlog → ``CarePlan`` + ``CareTeam`` + ``Goal``; handover → ``Task``.

Fields these resources have no element for travel in the residual QuestionnaireResponse
(``_residual``), which the Consent names as its ``sourceReference`` and the CarePlan as
``supportingInfo``.
"""

from __future__ import annotations

from typing import Any

from ssd_gateway.fhir import urls
from ssd_gateway.fhir._bundle import (
    fhir_datetime,
    logical,
    logical_value,
    reference,
)
from ssd_gateway.fhir._context import ReadContext, RenderContext
from ssd_gateway.fhir._node import Node, put_str, unexpected
from ssd_gateway.fhir._people import (
    add_child,
    add_child_id,
    add_practitioner,
    add_practitioner_role,
    consent_party_organization,
    practitioner,
    practitioner_role,
    read_child,
    read_child_id,
    read_consent_party,
)
from ssd_gateway.fhir.terminology import coding
from ssd_gateway.model import (
    Consent,
    DatedEntry,
    Stafetlog,
    StafetlogHandoverAnswer,
    StafetlogHandoverOffer,
)

REVOKED_AT_EXT = urls.extension("consent-revoked-at")
INFORMATION_RECIPIENT = {"system": urls.PARTICIPATION_TYPE, "code": "IRCP",
                         "display": "information recipient"}
_GRANTOR_TYPES = {"custody_holder": "RelatedPerson", "child": "Patient"}


def _identifier(kind: str, value: str) -> list[dict[str, str]]:
    return [{"system": urls.record_id_system(kind), "value": value}]


def _id_of(resource: Node, kind: str) -> str:
    ident = resource.first("identifier")
    if ident.req("system").value != urls.record_id_system(kind):
        raise unexpected(f"{ident.path}.system", urls.record_id_system(kind))
    return ident.req_str("value")


# --- consent -------------------------------------------------------------------------------

def render_consent(record: Consent, ctx: RenderContext) -> dict[str, Any]:
    """Return the Consent resource of a consent record."""
    ctx.consume("id", "child_id", "granted_by", "signed_at", "valid_until", "revoked_at",
                "parties", "categories", "purposes")
    performers = []
    for grant in record.granted_by:
        ref = logical(_GRANTOR_TYPES[grant.role.value], urls.PERSON_ID, grant.person_id)
        put_str(ref, "display", grant.name)
        performers.append(ref)
    actors = [{"role": {"coding": [INFORMATION_RECIPIENT]},
               "reference": reference(ctx.b.add(consent_party_organization(p)))}
              for p in record.parties]
    consent: dict[str, Any] = {"resourceType": "Consent"}
    if record.revoked_at is not None:
        consent["extension"] = [{"url": REVOKED_AT_EXT,
                                 "valueDateTime": fhir_datetime(record.revoked_at)}]
    consent |= {
        "identifier": _identifier("consent", record.id),
        "status": "inactive" if record.revoked_at is not None else "active",
        "scope": {"coding": [{"system": urls.CONSENT_SCOPE, "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": urls.LOINC, "code": "59284-0",
                                  "display": "Patient Consent"}]}],
        "patient": reference(add_child_id(ctx.b, record.child_id)),
        "dateTime": record.signed_at.isoformat(),
        "performer": performers,
        "sourceReference": reference(ctx.residual_url),
        "policyRule": {"coding": [coding("legal-basis", "consent")]},
        "provision": {
            "type": "permit",
            "period": {"start": record.signed_at.isoformat(),
                       "end": record.valid_until.isoformat()},
            "actor": actors,
            "purpose": [coding("purpose", p.value) for p in record.purposes],
            "class": [coding("information-category", c.value) for c in record.categories],
        },
    }
    return consent


def read_consent(consent: Node, ctx: ReadContext) -> dict[str, Any]:
    """Return the consent record data of a Consent resource."""
    provision = consent.req("provision")
    period = provision.req("period")
    data: dict[str, Any] = {
        "id": _id_of(consent, "consent"),
        "child_id": read_child_id(ctx.index, consent.req("patient")),
        "granted_by": [_grant(p) for p in consent.items("performer")],
        "signed_at": period.req("start").text(),
        "valid_until": period.req("end").text(),
        "parties": [read_consent_party(ctx.index.resolve(a.req("reference"), "Organization"))
                    for a in provision.items("actor")],
        "purposes": [c.req("code").text() for c in provision.items("purpose")],
        "categories": [c.req("code").text() for c in provision.items("class")],
    }
    ctx.note("child_id", consent.req("patient"))
    ctx.note("signed_at", period.req("start"))
    ctx.note("valid_until", period.req("end"))
    revoked = consent.extension(REVOKED_AT_EXT)
    if revoked is not None:
        data["revoked_at"] = revoked.req("valueDateTime").text()
    return data


def _grant(performer: Node) -> dict[str, Any]:
    roles = {v: k for k, v in _GRANTOR_TYPES.items()}
    kind = performer.req("type").text()
    if kind not in roles:
        raise unexpected(f"{performer.path}.type", " or ".join(roles))
    grant: dict[str, Any] = {"person_id": logical_value(performer, urls.PERSON_ID),
                             "role": roles[kind]}
    if (name := performer.opt_str("display")) is not None:
        grant["name"] = name
    return grant


# --- stafetlog -----------------------------------------------------------------------------

_CAREPLAN_STATUS = {"open": "active", "archived": "completed", "destroyed": "revoked"}
_GOALS = (("section_a", "goals", "section_a_goal"), ("section_b", "child_goals", "child_goal"),
          ("section_b", "family_goals", "family_goal"))


def _goal(entry: DatedEntry, kind: str, patient: str) -> dict[str, Any]:
    return {"resourceType": "Goal", "lifecycleStatus": "active",
            "category": [{"coding": [coding("goal-kind", kind)]}],
            "description": {"text": entry.text}, "subject": reference(patient),
            "startDate": entry.date.isoformat()}


def render_stafetlog(record: Stafetlog, ctx: RenderContext) -> dict[str, Any]:
    """Return the CarePlan of a stafetlog, bundling its CareTeam (the holder) and Goals."""
    ctx.consume("id", "status", "child", "created_on", "created_by", "holder")
    patient = add_child(ctx.b, record.child)
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "identifier": _identifier("stafetlog", record.id),
        "status": _CAREPLAN_STATUS[record.status.value], "intent": "plan",
        "category": [{"coding": [coding("event-code", "stafetlog")]}],
        "subject": reference(patient), "created": record.created_on.isoformat(),
        "author": reference(add_practitioner(ctx.b, record.created_by)),
    }
    if record.holder is not None:
        plan["careTeam"] = [reference(ctx.b.add(_care_team(record, ctx, patient),
                                                     key="care-team"))]
    goals = []
    for section, field, kind in _GOALS:
        part = getattr(record, section)
        if part is not None:
            ctx.consume(f"{section}.{field}")
            goals += [reference(ctx.b.add(_goal(e, kind, patient))) for e in getattr(part, field)]
    if goals:
        plan["goal"] = goals
    if record.section_b is not None:
        ctx.consume("section_b.agreements")
        agreements = record.section_b.agreements
        if activities := [_activity(a.action, a.responsible, a.due) for a in agreements]:
            plan["activity"] = activities
    plan["supportingInfo"] = [reference(ctx.residual_url)]
    return plan


def _activity(action: str, responsible: str, due: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {"status": "not-started", "description": action,
                              "performer": [{"display": responsible}]}
    if due is not None:
        detail["scheduledPeriod"] = {"end": due.isoformat()}
    return {"detail": detail}


def _care_team(record: Stafetlog, ctx: RenderContext, patient: str) -> dict[str, Any]:
    assert record.holder is not None
    holder = record.holder
    return {"resourceType": "CareTeam", "status": "active", "subject": reference(patient),
            "participant": [{
                "role": [{"coding": [coding("role", "stafetholder")]}],
                "member": reference(add_practitioner(ctx.b, holder.person)),
                "onBehalfOf": logical("Organization", urls.ORG_ID, holder.org_id),
                "period": {"start": holder.since.isoformat()}}]}


def read_stafetlog(plan: Node, ctx: ReadContext) -> dict[str, Any]:
    """Return the stafetlog record data of a CarePlan and its bundled CareTeam and Goals."""
    statuses = {v: k for k, v in _CAREPLAN_STATUS.items()}
    status = plan.req("status")
    if status.value not in statuses:
        raise unexpected(status.path, " or ".join(statuses))
    data: dict[str, Any] = {
        "id": _id_of(plan, "stafetlog"), "status": statuses[status.text()],
        "child": read_child(ctx.index, plan.req("subject")),
        "created_on": plan.req("created").text(),
        "created_by": practitioner(ctx.index, plan.req("author")),
    }
    ctx.note("child", plan.req("subject"))
    ctx.note("created_on", plan.req("created"))
    teams = plan.items("careTeam")
    if teams:
        data["holder"] = _read_holder(ctx.index.resolve(teams[0], "CareTeam"), ctx)
    for ref in plan.items("goal"):
        section, field, entry = _read_goal(ctx.index.resolve(ref, "Goal"))
        data.setdefault(section, {}).setdefault(field, []).append(entry)
    activities = plan.items("activity")
    if activities:
        data.setdefault("section_b", {})["agreements"] = [_read_activity(a) for a in activities]
    return data


def _read_holder(team: Node, ctx: ReadContext) -> dict[str, Any]:
    member = team.first("participant")
    ctx.note("holder", member)
    return {"person": practitioner(ctx.index, member.req("member")),
            "org_id": logical_value(member.req("onBehalfOf"), urls.ORG_ID),
            "since": member.req("period").req("start").text()}


def _read_goal(goal: Node) -> tuple[str, str, dict[str, Any]]:
    kind = goal.first("category").first("coding").req("code")
    for section, field, code in _GOALS:
        if kind.value == code:
            entry = {"date": goal.req("startDate").text(),
                     "text": goal.req("description").req_str("text")}
            return section, field, entry
    raise unexpected(kind.path, "a goal-kind code")


def _read_activity(activity: Node) -> dict[str, Any]:
    detail = activity.req("detail")
    agreement: dict[str, Any] = {"action": detail.req_str("description"),
                                 "responsible": detail.first("performer").req_str("display")}
    scheduled = detail.get("scheduledPeriod")
    if scheduled is not None:
        agreement["due"] = scheduled.req("end").text()
    return agreement


# --- handover ------------------------------------------------------------------------------

_TASK_STATUS = {"offered": "requested", "accepted": "accepted", "refused": "rejected",
                "withdrawn": "cancelled", "expired": "failed"}


def _owner(ctx: RenderContext, person: Any, org_id: str) -> dict[str, Any]:
    if person is None:
        return logical("Organization", urls.ORG_ID, org_id)
    return reference(add_practitioner_role(ctx.b, person, org_id))


def _read_owner(owner: Node, ctx: ReadContext) -> tuple[dict[str, Any] | None, str]:
    if owner.get("reference") is None:
        return None, logical_value(owner, urls.ORG_ID)
    return practitioner_role(ctx.index, owner)


def _task(kind: str, record_id: str, status: str, stafetlog_id: str, child_id: str,
          ctx: RenderContext) -> dict[str, Any]:
    return {"resourceType": "Task", "identifier": _identifier(kind, record_id),
            "status": status, "intent": "proposal",
            "code": {"coding": [coding("event-code", kind)]},
            "focus": logical("CarePlan", urls.record_id_system("stafetlog"), stafetlog_id),
            "for": reference(add_child_id(ctx.b, child_id))}


def render_handover_offer(record: StafetlogHandoverOffer, ctx: RenderContext) -> dict[str, Any]:
    """Return the Task offering the relay: requester the holder's org, owner the receiver."""
    ctx.consume("id", "stafetlog_id", "child_id", "from_org_id", "to_org_id", "to_person",
                "offered_at", "state", "decided_at")
    task = _task(record.kind, record.id, _TASK_STATUS[record.state.value], record.stafetlog_id,
                 record.child_id, ctx)
    task["authoredOn"] = fhir_datetime(record.offered_at)
    if record.decided_at is not None:
        task["lastModified"] = fhir_datetime(record.decided_at)
    task["requester"] = logical("Organization", urls.ORG_ID, record.from_org_id)
    task["owner"] = _owner(ctx, record.to_person, record.to_org_id)
    if record.note:
        ctx.consume("note")
        task["note"] = [{"text": record.note}]
    return task


def _task_common(task: Node, kind: str, ctx: ReadContext) -> dict[str, Any]:
    ctx.note("child_id", task.req("for"))
    return {"id": _id_of(task, kind),
            "stafetlog_id": logical_value(task.req("focus"), urls.record_id_system("stafetlog")),
            "child_id": read_child_id(ctx.index, task.req("for"))}


def read_handover_offer(task: Node, ctx: ReadContext) -> dict[str, Any]:
    """Return the handover-offer record data of its Task."""
    states = {v: k for k, v in _TASK_STATUS.items()}
    status = task.req("status")
    if status.value not in states:
        raise unexpected(status.path, " or ".join(states))
    data = _task_common(task, "stafetlog_handover_offer", ctx)
    person, data["to_org_id"] = _read_owner(task.req("owner"), ctx)
    if person is not None:
        data["to_person"] = person
    data |= {"state": states[status.text()], "offered_at": task.req("authoredOn").text(),
             "from_org_id": logical_value(task.req("requester"), urls.ORG_ID)}
    if (modified := task.get("lastModified")) is not None:
        data["decided_at"] = modified.text()
    notes = task.items("note")
    if notes:
        data["note"] = notes[0].req_str("text")
    return data


def render_handover_answer(record: StafetlogHandoverAnswer, ctx: RenderContext) -> dict[str, Any]:
    """Return the Task answering a handover offer: accepted or rejected, owned by the answerer."""
    ctx.consume("id", "offer_id", "stafetlog_id", "child_id", "accepted", "answered_by",
                "org_id", "answered_at")
    task = _task(record.kind, record.id, "accepted" if record.accepted else "rejected",
                 record.stafetlog_id, record.child_id, ctx)
    task["basedOn"] = [logical("Task", urls.record_id_system("stafetlog_handover_offer"),
                               record.offer_id)]
    task["authoredOn"] = fhir_datetime(record.answered_at)
    task["owner"] = _owner(ctx, record.answered_by, record.org_id)
    return task


def read_handover_answer(task: Node, ctx: ReadContext) -> dict[str, Any]:
    """Return the handover-answer record data of its Task."""
    status = task.req("status")
    if status.value not in ("accepted", "rejected"):
        raise unexpected(status.path, "accepted or rejected")
    data = _task_common(task, "stafetlog_handover_accept", ctx)
    person, data["org_id"] = _read_owner(task.req("owner"), ctx)
    data |= {"accepted": status.value == "accepted", "answered_by": person,
             "answered_at": task.req("authoredOn").text(),
             "offer_id": logical_value(task.first("basedOn"),
                                       urls.record_id_system("stafetlog_handover_offer"))}
    return data
