"""Log entries as FHIR R4 ``AuditEvent`` resources, shaped after IHE Basic Audit Log Patterns.

- ``decision``: BALP *AuthZconsent*: ``type`` DCM#110113 Security Alert, ``subtype``
  AuthZ-Consent, ``action`` E, ``outcome`` 0 (permit) or 8 (deny, reason codes in
  ``outcomeDesc``); agents user / userorg / authorizer (the gateway); an entity for the consent.
- ``send_attempt``, ``acknowledgement``, ``handover``, ``cancellation``, ``revocation``:
  BALP *PrivacyDisclosure.Source*: DCM#110106 Export, ``action`` R, subtype
  ``iso-21089-lifecycle#disclose``; agents source (DCM#110153) and recipient (DCM#110152).
- ``receipt``, ``inbound``: BALP *PrivacyDisclosure.Recipient*: DCM#110107 Import, ``action`` C.
- anything else: DCM#110100 Application Activity with our kind as subtype.

The patient entity identifies the child only by the keyed hash (``urn:ssd-gateway:child-hmac``);
no CPR number ever leaves the log. Every resource carries the entry's sequence number and leaf
hash, so a FHIR consumer can tie it back to the verifiable log. The resources are shaped after
BALP but do not claim its ``meta.profile``: that needs an IG validator run, not done here.
"""

from __future__ import annotations

from typing import Any

from ssd_gateway.audit.entry import EntryView

DCM = "http://dicom.nema.org/resources/ontology/DCM"
OUTCOME = "http://terminology.hl7.org/CodeSystem/audit-event-outcome"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
LIFECYCLE = "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle"
AUTHZ_SUBTYPE = "https://profiles.ihe.net/ITI/BasicAudit/CodeSystem/AuthZsubType"
NETWORK_TYPE = "http://hl7.org/fhir/network-type"
KIND_SYSTEM = "urn:ssd-gateway:audit-kind"
BASIS_SYSTEM = "urn:ssd-gateway:legal-basis"
REASON_SYSTEM = "urn:ssd-gateway:reason-code"
CHILD_SYSTEM = "urn:ssd-gateway:child-hmac"
ORG_SYSTEM = "urn:ssd-gateway:org-id"
LOG_SYSTEM = "urn:ssd-gateway:evidence-log"

_EXPORT = {"send_attempt", "acknowledgement", "handover", "cancellation", "revocation"}
_IMPORT = {"receipt", "inbound"}
_ACK_OUTCOME = {"ok": "0", "transient-error": "4", "fatal-error": "8"}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _org(org_id: str | None) -> dict[str, Any]:
    if not org_id:
        return {"display": "unknown"}
    return {"identifier": {"system": ORG_SYSTEM, "value": org_id}, "display": org_id}


def _network(org_id: str | None) -> dict[str, str]:
    return {"address": f"urn:ssd-gateway:org:{org_id or 'unknown'}", "type": "5"}


def _outcome(e: EntryView) -> str:
    if e.decision == "deny":
        return "8"
    if e.kind == "acknowledgement":
        return _ACK_OUTCOME.get(str(e.detail.get("code", "ok")), "4")
    if e.kind in {"dead_letter", "quarantine"} or e.detail.get("error"):
        return "4"
    return "0"


def _shape(e: EntryView, gateway: dict[str, Any]) -> dict[str, Any]:
    kind = _coding(KIND_SYSTEM, e.kind)
    if e.kind == "decision":
        authz = _coding(AUTHZ_SUBTYPE, "AuthZ-Consent" if e.basis == "consent" else "AuthZ-Role")
        return {"type": _coding(DCM, "110113", "Security Alert"), "subtype": [authz, kind],
                "action": "E", "agent": [
                    {"type": {"coding": [_coding("http://terminology.hl7.org/CodeSystem/"
                                                 "v3-ParticipationType", "IRCP")]},
                     "who": {"display": e.actor}, "requestor": True},
                    {"type": {"coding": [_coding("http://terminology.hl7.org/CodeSystem/"
                                                 "v3-RoleClass", "PROV")]},
                     "who": _org(e.sender_org), "requestor": False},
                    {"type": {"coding": [_coding("http://terminology.hl7.org/CodeSystem/"
                                                 "extra-security-role-type", "authserver")]},
                     "who": gateway, "requestor": False}]}
    disclosure = [_coding(LIFECYCLE, "disclose"), kind]
    parties = [
        {"type": {"coding": [_coding(DCM, "110153", "Source Role ID")]},
         "who": _org(e.sender_org), "requestor": False, "network": _network(e.sender_org)},
        {"type": {"coding": [_coding(DCM, "110152", "Destination Role ID")]},
         "who": _org(e.recipient_org), "requestor": False, "network": _network(e.recipient_org)},
        {"who": {"display": e.actor}, "requestor": True}]
    if e.kind in _EXPORT:
        return {"type": _coding(DCM, "110106", "Export"), "subtype": disclosure, "action": "R",
                "agent": parties}
    if e.kind in _IMPORT:
        return {"type": _coding(DCM, "110107", "Import"), "subtype": disclosure, "action": "C",
                "agent": parties}
    return {"type": _coding(DCM, "110100", "Application Activity"), "subtype": [kind],
            "action": "E", "agent": [{"who": {"display": e.actor}, "requestor": True}]}


def _entities(e: EntryView) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if e.child:
        out.append({"what": {"type": "Patient",
                             "identifier": {"system": CHILD_SYSTEM, "value": e.child}},
                    "type": _coding(ENTITY_TYPE, "1", "Person"),
                    "role": _coding(OBJECT_ROLE, "1", "Patient")})
    if e.consent_id:
        out.append({"what": {"type": "Consent", "identifier": {"value": e.consent_id}},
                    "type": _coding("http://hl7.org/fhir/resource-types", "Consent")})
    if e.transfer_id:
        out.append({"what": {"identifier": {"system": "urn:ssd-gateway:transfer",
                                            "value": e.transfer_id}},
                    "type": _coding(ENTITY_TYPE, "2", "System Object"),
                    "description": e.record_kind or None})
    details = [{"type": "leaf_hash", "valueString": e.leaf_hash}]
    for name in ("rule_pack", "meeting_id", "record_kind"):
        if value := getattr(e, name):
            details.append({"type": name, "valueString": value})
    out.append({"what": {"identifier": {"system": LOG_SYSTEM, "value": str(e.seq)}},
                "type": _coding(ENTITY_TYPE, "2", "System Object"), "detail": details})
    return [{k: v for k, v in ent.items() if v is not None} for ent in out]


def audit_event(e: EntryView, gateway_org: str = "ssd-gateway") -> dict[str, Any]:
    """Return the FHIR R4 AuditEvent (as JSON data) for one log entry."""
    gateway = {"identifier": {"system": ORG_SYSTEM, "value": gateway_org},
               "display": f"ssd-gateway {gateway_org}"}
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent", "id": f"ssd-audit-{e.seq}", **_shape(e, gateway),
        "recorded": e.at.isoformat(), "outcome": _outcome(e),
        "source": {"site": gateway_org, "observer": gateway,
                   "type": [_coding("http://terminology.hl7.org/CodeSystem/"
                                    "security-source-type", "4", "Application Server")]},
        "entity": _entities(e)}
    if e.reason_codes:
        resource["outcomeDesc"] = " ".join(e.reason_codes)
    if e.basis:
        resource["purposeOfEvent"] = [{"coding": [_coding(BASIS_SYSTEM, e.basis)]}]
    return resource


def validate(resource: dict[str, Any]) -> None:
    """Check ``resource`` structurally against the FHIR R4 (R4B) AuditEvent model."""
    from fhir.resources.R4B.auditevent import AuditEvent

    AuditEvent.model_validate(resource)
