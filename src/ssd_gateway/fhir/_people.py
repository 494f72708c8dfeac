"""Organisations, persons and the child as FHIR resources, and back.

- ``Party`` → ``Organization`` with DK-core identifiers (CVR, SOR, KOMBIT org id), the project
  org id, the sector as ``type`` and the municipality as DK-core's municipality extension.
- ``Person`` → ``Practitioner`` (professionals) or ``RelatedPerson`` (family), identified by the
  project person id (and CPR when known).
- ``Child`` → ``Patient`` with a CPR identifier (``use=official``) or a replacement id
  (``use=temp``); custody holders and parents without custody as ``RelatedPerson``.
"""

from __future__ import annotations

from typing import Any

from ssd_gateway.fhir import urls
from ssd_gateway.fhir._bundle import (
    BundleBuilder,
    BundleIndex,
    logical,
    logical_value,
    narrative,
    reference,
)
from ssd_gateway.fhir._node import EMPTY_STRING_EXT, Node, put_str, unexpected
from ssd_gateway.fhir.terminology import coding
from ssd_gateway.model import Child, ConsentParty, Party, Person

PUBLIC_TASK_EXT = urls.extension("performs-public-task")
SECTOR_WIDE_EXT = urls.extension("sector-wide")
PERSON_ROLE_EXT = urls.extension("person-role")
SECTOR = urls.code_system("sector")
EMPTY_MARK = {"url": EMPTY_STRING_EXT, "valueBoolean": True}

_PARTY_IDS = (("org_id", urls.ORG_ID), ("cvr", urls.CVR), ("kombit_org_id", urls.KOMBIT_ORG),
              ("sor", urls.SOR))


def _identifier(system: str, value: str, use: str | None = None) -> dict[str, Any]:
    ident: dict[str, Any] = {"use": use} if use else {}
    ident["system"] = system
    put_str(ident, "value", value)
    return ident


def _identifier_values(node: Node) -> dict[str, str]:
    return {i.req("system").text(): i.req_str("value") for i in node.items("identifier")}


def _municipality(code: str) -> dict[str, Any]:
    return {"url": urls.MUNICIPALITY_EXTENSION, "valueCodeableConcept": {
        "coding": [{"system": urls.MUNICIPALITY_CODES, "code": code}]}}


def _read_municipality(address: Node) -> str | None:
    ext = address.extension(urls.MUNICIPALITY_EXTENSION)
    if ext is None:
        return None
    return ext.req("valueCodeableConcept").first("coding").req("code").text()


def _sector(resource: Node) -> str:
    for concept in resource.items("type"):
        for c in concept.items("coding"):
            if c.get("system") is not None and c.req("system").value == SECTOR:
                return c.req("code").text()
    raise unexpected(f"{resource.path}.type", f"a coding from {SECTOR}")


def party_organization(party: Party) -> dict[str, Any]:
    """Return the bundled sender/receiver Organization of ``party``."""
    org: dict[str, Any] = {
        "resourceType": "Organization",
        "text": narrative(party.name or party.org_id, f"{party.sector.value} ({party.org_id})"),
        "extension": [{"url": PUBLIC_TASK_EXT, "valueBoolean": party.performs_public_task}],
        "identifier": [_identifier(system, getattr(party, field))
                       for field, system in _PARTY_IDS if getattr(party, field) is not None],
        "active": True,
        "type": [{"coding": [coding("sector", party.sector.value)]}],
    }
    put_str(org, "name", party.name)
    if party.municipality is not None:
        org["address"] = [{"extension": [_municipality(party.municipality)]}]
    return org


def read_party(org: Node) -> dict[str, Any]:
    """Return the Party (as JSON data) of a sender/receiver Organization."""
    ids = _identifier_values(org)
    party: dict[str, Any] = {field: ids[system] for field, system in _PARTY_IDS if system in ids}
    party["sector"] = _sector(org)
    ext = org.extension(PUBLIC_TASK_EXT)
    if ext is not None:
        party["performs_public_task"] = ext.req("valueBoolean").boolean()
    if (name := org.opt_str("name")) is not None:
        party["name"] = name
    addresses = org.items("address")
    if addresses and (code := _read_municipality(addresses[0])) is not None:
        party["municipality"] = code
    return party


def consent_party_organization(party: ConsentParty) -> dict[str, Any]:
    """Return the Organization a consent covers: one organisation, or a whole sector."""
    org: dict[str, Any] = {"resourceType": "Organization"}
    if party.org_id is not None:
        org["identifier"] = [_identifier(urls.ORG_ID, party.org_id)]
    org["type"] = [{"coding": [coding("sector", party.sector.value)]}]
    if party.org_id is None and party.name is None:
        # org-1 needs a name or an identifier: a sector-wide party is named after its sector
        org["extension"] = [{"url": SECTOR_WIDE_EXT, "valueBoolean": True}]
        org["name"] = coding("sector", party.sector.value)["display"]
    else:
        put_str(org, "name", party.name)
    if party.contact_person is not None:
        name: dict[str, Any] = {}
        put_str(name, "text", party.contact_person)
        org["contact"] = [{"name": name}]
    return org


def read_consent_party(org: Node) -> dict[str, Any]:
    """Return the ConsentParty (as JSON data) of an Organization a consent covers."""
    party: dict[str, Any] = {"sector": _sector(org)}
    ids = _identifier_values(org)
    if urls.ORG_ID in ids:
        party["org_id"] = ids[urls.ORG_ID]
    if org.extension(SECTOR_WIDE_EXT) is None and (name := org.opt_str("name")) is not None:
        party["name"] = name
    contacts = org.items("contact")
    contact = contacts[0].get("name") if contacts else None
    if contact is not None and (text := contact.opt_str("text")) is not None:
        party["contact_person"] = text
    return party


def _person_elements(person: Person) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if person.role is not None:
        # an extension needs a value or sub-extensions: an empty role is a marked sub-extension
        out["extension"] = [{"url": PERSON_ROLE_EXT, "valueString": person.role} if person.role
                            else {"url": PERSON_ROLE_EXT, "extension": [EMPTY_MARK]}]
    out["identifier"] = [_identifier(urls.PERSON_ID, person.id)]
    if person.cpr is not None:
        out["identifier"].append(_identifier(urls.CPR, person.cpr, "official"))
    for key, value, wrap in (("name", person.name, "text"), ("telecom", person.phone, "value"),
                             ("address", person.address, "text")):
        if value is not None:
            element: dict[str, Any] = {"system": "phone"} if key == "telecom" else {}
            put_str(element, wrap, value)
            out[key] = [element]
    return out


def read_person(resource: Node) -> dict[str, Any]:
    """Return the Person (as JSON data) of a Practitioner or RelatedPerson."""
    ids = _identifier_values(resource)
    if urls.PERSON_ID not in ids:
        raise unexpected(f"{resource.path}.identifier", f"an identifier of {urls.PERSON_ID}")
    person: dict[str, Any] = {"id": ids[urls.PERSON_ID]}
    if urls.CPR in ids:
        person["cpr"] = ids[urls.CPR]
    role = resource.extension(PERSON_ROLE_EXT)
    if role is not None:
        person["role"] = "" if role.extension(EMPTY_STRING_EXT) else role.req("valueString").text()
    for key, field, wrap in (("name", "name", "text"), ("telecom", "phone", "value"),
                             ("address", "address", "text")):
        items = resource.items(key)
        if items and (value := items[0].opt_str(wrap)) is not None:
            person[field] = value
    return person


def add_practitioner(b: BundleBuilder, person: Person) -> str:
    """Bundle ``person`` as a Practitioner (once) and return its fullUrl."""
    return b.add({"resourceType": "Practitioner", **_person_elements(person)})


def practitioner(index: BundleIndex, ref: Node) -> dict[str, Any]:
    """Return the Person a reference to a bundled Practitioner stands for."""
    return read_person(index.resolve(ref, "Practitioner"))


def add_practitioner_role(b: BundleBuilder, person: Person, org_id: str) -> str:
    """Bundle ``person`` working at ``org_id`` as a PractitionerRole; return its fullUrl."""
    return b.add({"resourceType": "PractitionerRole",
                  "practitioner": reference(add_practitioner(b, person)),
                  "organization": logical("Organization", urls.ORG_ID, org_id)})


def practitioner_role(index: BundleIndex, ref: Node) -> tuple[dict[str, Any], str]:
    """Return (person, org_id) of a reference to a bundled PractitionerRole."""
    role = index.resolve(ref, "PractitionerRole")
    person = practitioner(index, role.req("practitioner"))
    return person, logical_value(role.req("organization"), urls.ORG_ID)


def child_identifier(child_id: str, cpr: bool) -> dict[str, Any]:
    """Return the Patient identifier of a child: CPR (official) or a replacement id (temp)."""
    if cpr:
        return _identifier(urls.CPR, child_id, "official")
    return _identifier(urls.REPLACEMENT_ID, child_id, "temp")


def add_child(b: BundleBuilder, child: Child) -> str:
    """Bundle the child as a Patient with its custody holders and parents; return its fullUrl."""
    patient: dict[str, Any] = {"resourceType": "Patient", "identifier": [
        child_identifier(child.id, child.id_kind.value == "cpr")]}
    if child.name is not None:
        name: dict[str, Any] = {}
        put_str(name, "text", child.name)
        patient["name"] = [name]
    patient["birthDate"] = child.birth_date.isoformat()
    address: dict[str, Any] = {"extension": [_municipality(child.municipality)]}
    put_str(address, "text", child.address)
    patient["address"] = [address]
    if child.language is not None:
        language: dict[str, Any] = {}
        put_str(language, "text", child.language)
        patient["communication"] = [{"language": language}]
    url = b.add(patient, key="patient")
    relatives = [("custody_holder", p) for p in child.custody_holders]
    relatives += [("parent_without_custody", p) for p in child.parents_without_custody]
    for i, (role, person) in enumerate(relatives):
        b.add({"resourceType": "RelatedPerson", **_person_elements(person), "patient":
               reference(url), "relationship": [{"coding": [coding("role", role)]}]},
              key=f"related:{i}")
    return url


def _child_id(patient: Node) -> tuple[str, str]:
    ident = patient.first("identifier")
    system = ident.req("system").text()
    if system not in (urls.CPR, urls.REPLACEMENT_ID):
        raise unexpected(f"{ident.path}.system", f"{urls.CPR} or {urls.REPLACEMENT_ID}")
    return ident.req_str("value"), "cpr" if system == urls.CPR else "replacement"


def read_child(index: BundleIndex, ref: Node) -> dict[str, Any]:
    """Return the Child (as JSON data) of a reference to its bundled Patient."""
    patient = index.resolve(ref, "Patient")
    child_id, kind = _child_id(patient)
    child: dict[str, Any] = {"id": child_id, "id_kind": kind,
                             "birth_date": patient.req("birthDate").text()}
    names = patient.items("name")
    if names and (name := names[0].opt_str("text")) is not None:
        child["name"] = name
    address = patient.first("address")
    child["municipality"] = _read_municipality(address)
    if (text := address.opt_str("text")) is not None:
        child["address"] = text
    languages = patient.items("communication")
    if languages and (lang := languages[0].req("language").opt_str("text")) is not None:
        child["language"] = lang
    child["custody_holders"], child["parents_without_custody"] = _relatives(index, ref)
    return child


def _relatives(index: BundleIndex, ref: Node) -> tuple[list[Any], list[Any]]:
    holders: list[Any] = []
    others: list[Any] = []
    target = ref.req("reference").value
    for related in index.of_type("RelatedPerson"):
        if related.req("patient").req("reference").value != target:
            continue
        role = related.first("relationship").first("coding").req("code").text()
        (holders if role == "custody_holder" else others).append(read_person(related))
    return holders, others


def add_child_id(b: BundleBuilder, child_id: str) -> str:
    """Bundle a child known only by its id as a Patient; return its fullUrl."""
    is_cpr = len(child_id) == 10 and child_id.isdigit()
    return b.add({"resourceType": "Patient", "identifier": [child_identifier(child_id, is_cpr)]},
                 key="patient")


def read_child_id(index: BundleIndex, ref: Node) -> str:
    """Return the child id of a reference to a bundled Patient."""
    return _child_id(index.resolve(ref, "Patient"))[0]
