"""Canonical URLs and identifier systems: the project's own under ``https://ssd-gateway.dk/fhir/``,
and the Danish (DK-core, MedCom) and HL7 ones the messages reuse.
"""

from __future__ import annotations

from typing import Final

BASE: Final = "https://ssd-gateway.dk/fhir"
CODE_SYSTEM: Final = f"{BASE}/CodeSystem"
VALUE_SET: Final = f"{BASE}/ValueSet"
EXTENSION: Final = f"{BASE}/StructureDefinition"
SID: Final = f"{BASE}/sid"


def code_system(name: str) -> str:
    """Return the canonical URL of the project CodeSystem ``name``."""
    return f"{CODE_SYSTEM}/{name}"


def extension(name: str) -> str:
    """Return the canonical URL of the project extension ``name``."""
    return f"{EXTENSION}/{name}"


def record_id_system(kind: str) -> str:
    """Return the identifier system of records of ``kind`` (``.../sid/consent``)."""
    return f"{SID}/{kind}"


# DK-core identifier systems (anchors-interop §4.6)
CPR: Final = "urn:oid:1.2.208.176.1.2"
SOR: Final = "urn:oid:1.2.208.176.1.1"
CVR: Final = "http://cvr.dk"
KOMBIT_ORG: Final = "https://kombit.dk/sts/organisation"
MUNICIPALITY_CODES: Final = "http://hl7.dk/fhir/core/CodeSystem/dk-core-municipality-codes"
MUNICIPALITY_EXTENSION: Final = "http://hl7.dk/fhir/core/StructureDefinition/dk-core-municipalityCodes"

# project identifier systems
ORG_ID: Final = f"{SID}/org-id"
PERSON_ID: Final = f"{SID}/person-id"
REPLACEMENT_ID: Final = f"{SID}/replacement-id"
BUNDLE_ID: Final = "urn:ietf:rfc:3986"

# MedCom messaging (anchors-interop §4.1)
MEDCOM_ACTIVITY: Final = (
    "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-activityCodes"
)
MEDCOM_DESTINATION_USE: Final = (
    "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-destinationUse"
)
MEDCOM_DESTINATION_USE_EXT: Final = (
    "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-destinationUseExtension"
)

# HL7
CONSENT_SCOPE: Final = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC: Final = "http://loinc.org"
PARTICIPATION_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
TRANSLATION: Final = "http://hl7.org/fhir/StructureDefinition/translation"
XHTML_NS: Final = "http://www.w3.org/1999/xhtml"
