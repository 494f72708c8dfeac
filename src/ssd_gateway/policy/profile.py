"""Municipal profiles: the policy parameters each municipality chooses (DOMAIN.md §5).

A profile is data (``profiles/*.yaml``). A request may name a shipped profile by ``id`` and
override any parameter; a key the profile does not know is an error, never ignored, because a
misspelt ``consent_requires_writen: false`` must not silently leave the default in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import cache
from importlib import resources
from typing import Any

from ssd_gateway.exceptions import PolicyError
from ssd_gateway.policy.calendar import ClosingDay

#: SLA timers a profile may set (days, or working days where the name says so)
SLA_KEYS = frozenset({
    "dialogue_meeting_days", "underretning_meeting_working_days", "receipt_alert_working_days",
})


@dataclass(frozen=True)
class Profile:
    """One municipality's policy parameters."""

    id: str = "default"
    consent_max_days: int = 365
    consent_requires_written: bool = True
    consent_requires_all_custody_holders: bool = True
    share_wellbeing_screening: bool = False
    notify_parents_after_ssd: bool = False
    closing_days: tuple[ClosingDay, ...] = ()
    sla: tuple[tuple[str, int], ...] = ()


_FIELDS = {f.name for f in fields(Profile)}
_BOOLS = {
    "consent_requires_written", "consent_requires_all_custody_holders",
    "share_wellbeing_screening", "notify_parents_after_ssd",
}


def _positive_int(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PolicyError(f"profile.{key}: expected a positive whole number")
    return value


def _convert(key: str, value: Any) -> Any:
    if key in _BOOLS:
        if not isinstance(value, bool):
            raise PolicyError(f"profile.{key}: expected true or false")
        return value
    if key == "id":
        if not isinstance(value, str) or not value:
            raise PolicyError("profile.id: expected a non-empty string")
        return value
    if key == "consent_max_days":
        return _positive_int(key, value)
    if key == "closing_days":
        if not isinstance(value, list):
            raise PolicyError("profile.closing_days: expected a list of MM-DD or YYYY-MM-DD")
        try:
            return tuple(ClosingDay.parse(str(day)) for day in value)
        except ValueError:
            raise PolicyError("profile.closing_days: expected MM-DD or YYYY-MM-DD") from None
    if not isinstance(value, Mapping):
        raise PolicyError("profile.sla: expected a mapping of timer names to days")
    unknown = sorted(set(value) - SLA_KEYS)
    if unknown:
        raise PolicyError(f"profile.sla: unknown keys {unknown}")
    return tuple(sorted((k, _positive_int(f"sla.{k}", v)) for k, v in value.items()))


def apply(base: Profile, data: Mapping[str, Any]) -> Profile:
    """Return ``base`` with the parameters in ``data``; raise PolicyError on unknown keys."""
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise PolicyError(f"profile: unknown keys {unknown}")
    return replace(base, **{key: _convert(key, value) for key, value in data.items()})


@cache
def shipped(profile_id: str) -> Profile | None:
    """Return the profile shipped as ``profiles/<id>.yaml``, or None if there is none."""
    if not profile_id.replace("-", "").replace("_", "").isalnum():
        return None
    source = resources.files("ssd_gateway.policy") / "profiles" / f"{profile_id}.yaml"
    if not source.is_file():
        return None
    from ssd_gateway.policy._yaml import load_yaml

    return apply(Profile(), load_yaml(source.read_text(encoding="utf-8")))


def default_profile() -> Profile:
    """Return the shipped default profile."""
    found = shipped("default")
    assert found is not None, "profiles/default.yaml is part of the package"
    return found


def resolve(data: Mapping[str, Any] | None) -> Profile:
    """Return the profile a request asks for: a shipped one by ``id``, with overrides."""
    if not data:
        return default_profile()
    if not isinstance(data, Mapping):
        raise PolicyError("profile: expected an object")
    profile_id = data.get("id")
    base = (shipped(profile_id) if isinstance(profile_id, str) else None) or default_profile()
    return apply(base, data)
