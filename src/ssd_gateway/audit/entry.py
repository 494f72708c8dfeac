"""From an ``AuditEvent`` to the sealed bytes of one log entry, and back to a readable view.

An entry is the RFC 8785 (JCS) canonical JSON of a flat object with a fixed set of keys; its
leaf hash is ``SHA-256(0x00 || canonical)`` (RFC 6962). The child is kept only as
``HMAC-SHA256(audit_secret, normalised CPR)``; plain CPR numbers, names and bodies are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import rfc8785

from ssd_gateway.contracts import AuditEvent
from ssd_gateway.exceptions import Problem, RecordInvalid
from ssd_gateway.model import cpr

#: version of the entry layout, sealed into every entry
ENTRY_VERSION = 1
#: a detail string longer than this is treated as a body, not a code or an id
MAX_DETAIL_TEXT = 200
#: the string fields of an event that are copied into the entry (and into indexed columns)
TEXT_FIELDS = (
    "kind", "actor", "transfer_id", "sender_org", "recipient_org", "sender_sector",
    "recipient_sector", "record_kind", "basis", "decision", "rule_pack", "consent_id",
    "meeting_id",
)


def child_hash(secret: bytes, child_id: str) -> str:
    """Return the keyed hash (hex) that stands for a child; CPR numbers are normalised first."""
    try:
        key = cpr.normalise(child_id)
    except ValueError:
        key = child_id.strip()
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


def utc_text(at: datetime) -> str:
    """Return ``at`` as an ISO 8601 UTC text with microseconds; naive times are refused."""
    if at.tzinfo is None:
        raise _refused("at", "AUDIT_NAIVE_TIME", "tidspunktet mangler tidszone",
                       "the time has no time zone")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _refused(path: str, code: str, da: str, en: str) -> RecordInvalid:
    return RecordInvalid([Problem(path=path, code=code, message_da=da, message_en=en)])


def _check_value(path: str, value: Any) -> None:
    """Refuse CPR-like numbers and long texts anywhere in a value (keys included)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_value(f"{path}.{key}", str(key))
            _check_value(f"{path}.{key}", item)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_value(f"{path}[{i}]", item)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float | str):
        text = str(value)
        if cpr.looks_like_cpr(text):
            raise _refused(path, "AUDIT_CPR_IN_DETAIL",
                           "loggen må ikke indeholde CPR-numre",
                           "the log must not hold CPR numbers")
        if path.startswith("detail") and len(text) > MAX_DETAIL_TEXT:
            raise _refused(path, "AUDIT_TEXT_IN_DETAIL",
                           "loggen må kun indeholde koder og id'er, ikke tekst",
                           "the log holds codes and ids only, not text")
    else:
        raise _refused(path, "AUDIT_DETAIL_TYPE", "ukendt værditype", "unsupported value type")


def entry_object(seq: int, event: AuditEvent, secret: bytes) -> dict[str, Any]:
    """Build the JSON object sealed for ``event`` as entry ``seq`` (validates it first)."""
    obj: dict[str, Any] = {name: getattr(event, name) for name in TEXT_FIELDS}
    for name, value in obj.items():
        _check_value(name, value)
    _check_value("reason_codes", list(event.reason_codes))
    _check_value("detail", event.detail)
    obj.update(
        v=ENTRY_VERSION,
        seq=seq,
        at=utc_text(event.at),
        child=child_hash(secret, event.child_id) if event.child_id else None,
        reason_codes=list(event.reason_codes),
        detail=event.detail,
    )
    return obj


def canonical(obj: Mapping[str, Any]) -> bytes:
    """Return the RFC 8785 canonical JSON bytes of ``obj``."""
    try:
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise _refused("detail", "AUDIT_NOT_CANONICAL", "værdien kan ikke gemmes som JSON",
                       f"the value cannot be stored as JSON ({exc})") from None


@dataclass(frozen=True)
class EntryView:
    """One entry as read back: the sealed fields, its sequence number and its leaf hash."""

    seq: int
    at: datetime
    kind: str
    actor: str
    leaf_hash: str
    transfer_id: str | None = None
    child: str | None = None
    sender_org: str | None = None
    recipient_org: str | None = None
    sender_sector: str | None = None
    recipient_sector: str | None = None
    record_kind: str | None = None
    basis: str | None = None
    decision: str | None = None
    reason_codes: tuple[str, ...] = ()
    rule_pack: str | None = None
    consent_id: str | None = None
    meeting_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_canonical(cls, text: str | bytes, leaf_hash: str) -> EntryView:
        """Parse the sealed JSON of an entry."""
        obj = json.loads(text)
        obj.pop("v", None)
        obj["at"] = datetime.fromisoformat(obj["at"])
        obj["reason_codes"] = tuple(obj.get("reason_codes") or ())
        return cls(leaf_hash=leaf_hash, **obj)

    @property
    def withheld(self) -> bool:
        """True if the entry concerns an underretning withheld from the parents (§3.3)."""
        obligations = self.detail.get("obligations") or ()
        return bool(self.detail.get("withheld")) or "do_not_contact_parents" in obligations

    def as_row(self) -> dict[str, Any]:
        """Return the entry as a flat dict of JSON-ready values (for tables, CSV and JSON)."""
        return {
            "seq": self.seq, "at": self.at.isoformat(), "kind": self.kind, "actor": self.actor,
            "transfer_id": self.transfer_id, "child": self.child,
            "sender_org": self.sender_org, "recipient_org": self.recipient_org,
            "sender_sector": self.sender_sector, "recipient_sector": self.recipient_sector,
            "record_kind": self.record_kind, "basis": self.basis, "decision": self.decision,
            "reason_codes": list(self.reason_codes), "rule_pack": self.rule_pack,
            "consent_id": self.consent_id, "meeting_id": self.meeting_id,
            "detail": self.detail, "leaf_hash": self.leaf_hash,
        }
