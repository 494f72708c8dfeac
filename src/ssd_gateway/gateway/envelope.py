"""Wrap a record (from a journal mapping) in a message envelope with per-kind defaults.

A journal export carries records; the envelope adds who sends it to whom, why and on what
basis. The defaults below are what each kind is normally sent for; a caller may override.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ssd_gateway.model import Message, Party, Record, parse_message

#: kind -> (purpose, basis, categories) a record of that kind is normally sent with
DEFAULTS: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "stafetlog": ("coordination", "consent", ("identity", "private_family")),
    "stafetlog_handover_offer": ("transition", "consent", ("identity",)),
    "stafetlog_handover_accept": ("transition", "consent", ("identity",)),
    "consent": ("coordination", "consent", ("identity",)),
    "underretning": ("notification", "underretning", ("identity", "private_family")),
    "underretning_receipt": ("notification", "underretning", ("identity",)),
    "feedback_request": ("feedback", "underretning", ("identity",)),
    "feedback": ("feedback", "underretning", ("identity",)),
    "ssd_meeting": ("early_preventive", "ssd_49a", ("identity",)),
    "ssd_exchange": ("early_preventive", "ssd_49a", ("private_family",)),
    "anonymous_consultation": ("consultation", "anonymous", ("ordinary",)),
    "private_note": ("coordination", None, ("ordinary",)),
}

#: stand-in parties for a dry run that names no sender or recipient
DRY_RUN_SENDER = Party(org_id="dry-run-sender", name="Afsender (prøvekørsel)", sector="other")
DRY_RUN_RECIPIENT = Party(org_id="dry-run-recipient", name="Modtager (prøvekørsel)",
                          sector="other")


def envelope_for(record: Record, sender: Party, recipient: Party,
                 consent_id: str | None = None, message_id: str | None = None) -> Message:
    """A message carrying ``record`` from ``sender`` to ``recipient`` with the kind's defaults."""
    purpose, basis, categories = DEFAULTS[record.kind]
    data = {
        "message_id": message_id or str(uuid.uuid4()),
        "sent_at": datetime.now(UTC).isoformat(),
        "sender": sender.model_dump(mode="json", exclude_none=True),
        "recipient": recipient.model_dump(mode="json", exclude_none=True),
        "purpose": purpose, "categories": list(categories), "basis": basis,
        "consent_id": consent_id or _consent_of(record),
        "meeting_id": getattr(record, "meeting_id", None),
        "record": record.model_dump(mode="json", exclude_none=True),
    }
    return parse_message({k: v for k, v in data.items() if v is not None})


def _consent_of(record: Record) -> str | None:
    ids = getattr(record, "consent_ids", None)
    if ids:
        return str(ids[-1])
    return None


def dry_run_fhir(record: Record) -> str:
    """The record as a FHIR message Bundle between stand-in parties (``map --to fhir``)."""
    import json

    from ssd_gateway.fhir import message_to_bundle

    bundle = message_to_bundle(envelope_for(record, DRY_RUN_SENDER, DRY_RUN_RECIPIENT))
    return json.dumps(bundle, indent=2, ensure_ascii=False)


def dry_run_xml(record: Record) -> str:
    """The record as an XML message between stand-in parties (``map --to xml``)."""
    from ssd_gateway.xml import message_to_xml

    return message_to_xml(envelope_for(record, DRY_RUN_SENDER, DRY_RUN_RECIPIENT)).decode()
