"""What every check sees (``Context``) and the tables that key checks by rule id.

A check is a small function registered under its rule id. It returns ``None`` when the rule is
satisfied, or the message arguments of the refusal (a possibly empty dict) when it is not.
Which checks run for which record kind and basis, and their parameters, come from the pack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from ssd_gateway.policy.calendar import WorkingDayCalendar
from ssd_gateway.policy.packs import RulePack
from ssd_gateway.policy.profile import Profile
from ssd_gateway.policy.request import Consent, Request

Failure = dict[str, Any]


@dataclass(slots=True)
class Context:
    """One request with the pack, profile and calendar that decide it."""

    request: Request
    pack: RulePack
    profile: Profile
    calendar: WorkingDayCalendar
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def day(self) -> date:
        """The Danish local date of the transfer."""
        return self.request.day

    def age(self) -> int:
        """The child's age in whole years on the transfer date."""
        return self.request.child.age_on(self.request.day)


TransferCheck = Callable[[Context], Failure | None]
ConsentCheck = Callable[[Context, Consent], Failure | None]

#: checks of the transfer as a whole, by rule id
TRANSFER_CHECKS: dict[str, TransferCheck] = {}
#: checks of one consent against the transfer, by rule id
CONSENT_CHECKS: dict[str, ConsentCheck] = {}

_T = TypeVar("_T")


def _register(table: dict[str, _T], rule_id: str) -> Callable[[_T], _T]:
    def register(fn: _T) -> _T:
        if rule_id in table:
            raise RuntimeError(f"rule {rule_id} registered twice")
        table[rule_id] = fn
        return fn

    return register


def transfer_check(rule_id: str) -> Callable[[TransferCheck], TransferCheck]:
    """Register a check of the whole transfer under ``rule_id``."""
    return _register(TRANSFER_CHECKS, rule_id)


def consent_check(rule_id: str) -> Callable[[ConsentCheck], ConsentCheck]:
    """Register a check of one consent under ``rule_id``."""
    return _register(CONSENT_CHECKS, rule_id)
