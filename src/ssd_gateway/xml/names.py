"""Namespaces, prefixes, element names and schema files of the gateway's XML documents.

One schema per record kind, each with its own target namespace; Child, Person, Party and the
code lists live in ``common.xsd``; the envelope imports them all. Element names are the
canonical model's field names (snake_case), so an XML path reads like the JSON path of the
same value; repeated elements take the singular name of their list field (``ITEM_NAMES``).
"""

from __future__ import annotations

from pathlib import Path

from ssd_gateway.model.codes import RecordKind
from ssd_gateway.resources import data_dir

ENVELOPE_NS = "urn:ssd-gateway:envelope:1"
COMMON_NS = "urn:ssd-gateway:common:1"
ACK_NS = "urn:ssd-gateway:acknowledgement:1"
XS_NS = "http://www.w3.org/2001/XMLSchema"

#: record kind -> prefix used in documents and error paths
KIND_PREFIXES: dict[str, str] = {
    RecordKind.STAFETLOG: "sta",
    RecordKind.STAFETLOG_HANDOVER_OFFER: "sho",
    RecordKind.STAFETLOG_HANDOVER_ACCEPT: "sha",
    RecordKind.CONSENT: "con",
    RecordKind.UNDERRETNING: "und",
    RecordKind.UNDERRETNING_RECEIPT: "rcp",
    RecordKind.FEEDBACK_REQUEST: "fbr",
    RecordKind.FEEDBACK: "fb",
    RecordKind.SSD_MEETING: "mtg",
    RecordKind.SSD_EXCHANGE: "sx",
    RecordKind.ANONYMOUS_CONSULTATION: "ano",
    RecordKind.PRIVATE_NOTE: "pn",
}


def kind_namespace(kind: str) -> str:
    """Return the target namespace of a record kind's schema (``urn:ssd-gateway:consent:1``)."""
    return f"urn:ssd-gateway:{kind.replace('_', '-')}:1"


#: record kind -> target namespace
KIND_NAMESPACES: dict[str, str] = {kind: kind_namespace(kind) for kind in KIND_PREFIXES}
#: target namespace -> record kind
NAMESPACE_KINDS: dict[str, str] = {ns: kind for kind, ns in KIND_NAMESPACES.items()}

#: namespace -> prefix, for rendering and for readable error paths
PREFIXES: dict[str, str] = {
    ENVELOPE_NS: "env",
    COMMON_NS: "c",
    ACK_NS: "ack",
    **{KIND_NAMESPACES[kind]: prefix for kind, prefix in KIND_PREFIXES.items()},
}

#: list field -> name of each repeated element (the field name itself when not listed)
ITEM_NAMES: dict[str, str] = {
    "custody_holders": "custody_holder",
    "parents_without_custody": "parent_without_custody",
    "categories": "category",
    "purposes": "purpose",
    "granted_by": "grant",
    "parties": "party",
    "participants": "participant",
    "parents": "parent",
    "actors": "actor_action",
    "consent_ids": "consent_id",
    "assessments": "assessment",
    "decisions": "decision",
    "goals": "goal",
    "plan": "plan_entry",
    "child_goals": "child_goal",
    "family_goals": "family_goal",
    "agreements": "agreement",
    "evaluations": "evaluation",
    "siblings": "sibling",
    "observations": "observation",
    "presumptions": "presumption",
    "resources_and_difficulties": "domain_note",
}

#: schema names besides the record kinds
SCHEMA_NAMES = ("envelope", "common", "acknowledgement")


def schema_path(kind: str) -> Path:
    """Return the XSD file of a record kind, or of ``envelope``, ``common``, ``acknowledgement``.

    Raises KeyError for a name that has no schema.
    """
    if kind not in KIND_PREFIXES and kind not in SCHEMA_NAMES:
        raise KeyError(f"no XML schema for {kind!r}")
    return data_dir("schemas") / f"{kind}.xsd"

#: the W3C XML signature namespace (an enveloped signature is the root's last child)
XMLDSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
#: root attribute carrying the per-send id (MedCom's Bundle.id)
ENVELOPE_ID_ATTRIBUTE = "envelope_id"
