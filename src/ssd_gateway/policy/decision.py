"""What the engine answers: a Decision with its Reasons (the ``response`` of the contract)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["permit", "deny"]


Texts = tuple[str, str, str, str]


class Reason:
    """One rule that refused, with its stable code, source and bilingual texts.

    The texts are rendered from the pack's templates on first use: a refusal built from many
    consents costs little until someone reads it.
    """

    __slots__ = ("_key", "_render", "_texts", "code", "rule", "source")

    def __init__(self, code: str, rule: str, source: str, key: tuple[Any, ...],
                 render: Callable[[], Texts]) -> None:
        self.code = code
        self.rule = rule
        self.source = source
        self._key = key
        self._render = render
        self._texts: Texts | None = None

    def _all(self) -> Texts:
        if self._texts is None:
            self._texts = self._render()
        return self._texts

    @property
    def message(self) -> str:
        """The refusal in Danish."""
        return self._all()[0]

    @property
    def message_en(self) -> str:
        """The refusal in English."""
        return self._all()[1]

    @property
    def remedy(self) -> str:
        """What would make the transfer lawful, in Danish."""
        return self._all()[2]

    @property
    def remedy_en(self) -> str:
        """What would make the transfer lawful, in English."""
        return self._all()[3]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reason) and (self.rule, self._key) == (other.rule, other._key)

    def __hash__(self) -> int:
        return hash((self.rule, self._key))

    def __repr__(self) -> str:
        return f"Reason({self.rule} {self.code})"

    def as_dict(self) -> dict[str, str]:
        """The reason as the contract's JSON object (the remedy is for ``explain``)."""
        message, message_en, _, _ = self._all()
        return {
            "code": self.code,
            "rule": self.rule,
            "message": message,
            "message_en": message_en,
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
