"""What the engine answers: a Decision with its Reasons (the ``response`` of the contract)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["permit", "deny"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule that refused, with its stable code, source and bilingual texts."""

    code: str
    rule: str
    message: str
    message_en: str
    source: str
    remedy: str
    remedy_en: str

    def as_dict(self) -> dict[str, str]:
        """The reason as the contract's JSON object (the remedy is for ``explain``)."""
        return {
            "code": self.code,
            "rule": self.rule,
            "message": self.message,
            "message_en": self.message_en,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one decision request."""

    decision: Verdict
    basis: str | None
    reasons: tuple[Reason, ...]
    obligations: tuple[str, ...]
    warnings: tuple[str, ...]
    rule_pack: str
    profile: str
    consent_id: str | None = None
    meeting_id: str | None = None
    meeting_ordinal: int | None = None

    @property
    def permitted(self) -> bool:
        """True for a permit."""
        return self.decision == "permit"

    @property
    def codes(self) -> tuple[str, ...]:
        """The reason codes, in order."""
        return tuple(r.code for r in self.reasons)

    def as_dict(self) -> dict[str, Any]:
        """The decision as the contract's ``response`` JSON object."""
        return {
            "decision": self.decision,
            "basis": self.basis,
            "reasons": [r.as_dict() for r in self.reasons],
            "obligations": list(self.obligations),
            "warnings": list(self.warnings),
            "consent_id": self.consent_id,
            "meeting_id": self.meeting_id,
            "meeting_ordinal": self.meeting_ordinal,
            "rule_pack": self.rule_pack,
            "profile": self.profile,
        }
