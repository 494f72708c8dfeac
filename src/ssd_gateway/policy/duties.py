"""Obligations a permit carries and warnings that never block, keyed by the names packs use."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from ssd_gateway.policy.request import Consent
from ssd_gateway.policy.rules.base import Context
from ssd_gateway.policy.rules.consent import consent_end


@dataclass(frozen=True, slots=True)
class Reliance:
    """What a permitting basis relied on: a consent, or a §49a meeting."""

    consent: Consent | None = None
    meeting_id: str | None = None
    meeting_ordinal: int | None = None


Duty = Callable[[Context, Reliance], tuple[str, ...]]
OBLIGATIONS: dict[str, Duty] = {}
WARNINGS: dict[str, Duty] = {}


def _into(table: dict[str, Duty], name: str) -> Callable[[Duty], Duty]:
    def register(fn: Duty) -> Duty:
        table[name] = fn
        return fn

    return register


@_into(OBLIGATIONS, "no_redisclosure")
def _no_redisclosure(ctx: Context, _: Reliance) -> tuple[str, ...]:
    return ("no_redisclosure",)


@_into(OBLIGATIONS, "parent_copy")
def _parent_copy(ctx: Context, _: Reliance) -> tuple[str, ...]:
    return ("parent_copy",)


@_into(OBLIGATIONS, "notify_data_subject")
def _notify_data_subject(ctx: Context, _: Reliance) -> tuple[str, ...]:
    return ("notify_data_subject",) if ctx.profile.notify_parents_after_ssd else ()


@_into(OBLIGATIONS, "receipt_due")
def _receipt_due(ctx: Context, _: Reliance) -> tuple[str, ...]:
    days = ctx.pack.param("underretning", "receipt_working_days")
    return (f"receipt_due:{ctx.calendar.add_working_days(ctx.day, days).isoformat()}",)


def withheld_lawfully(ctx: Context) -> bool:
    """Parents are not told only when a parent is suspected of violence or abuse (001:2420)."""
    facts = ctx.request.transfer.underretning
    return facts is not None and facts.suspected_violence_or_abuse and facts.withhold_from_parents


@_into(OBLIGATIONS, "parents")
def _parents(ctx: Context, _: Reliance) -> tuple[str, ...]:
    return ("do_not_contact_parents",) if withheld_lawfully(ctx) else ("inform_parents",)


@_into(WARNINGS, "CONSENT_EXPIRES_SOON")
def _expires_soon(ctx: Context, relied: Reliance) -> tuple[str, ...]:
    if relied.consent is None:
        return ()
    left = (consent_end(relied.consent, ctx.profile.consent_max_days) - ctx.day).days
    soon = ctx.pack.param("consent", "expires_soon_days")
    return ("CONSENT_EXPIRES_SOON",) if left <= soon else ()


@_into(WARNINGS, "PARENTS_NOT_INFORMED_NO_REASON")
def _parents_not_informed(ctx: Context, _: Reliance) -> tuple[str, ...]:
    facts = ctx.request.transfer.underretning
    if facts is None or facts.parents_informed is not False or withheld_lawfully(ctx):
        return ()
    reason = facts.reason_parents_not_informed
    return () if reason and reason.strip() else ("PARENTS_NOT_INFORMED_NO_REASON",)


@cache
def _markers(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + ")", re.IGNORECASE)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@_into(WARNINGS, "ASSESSMENT_IN_UNDERRETNING")
def _assessment(ctx: Context, _: Reliance) -> tuple[str, ...]:
    payload = ctx.request.transfer.payload
    if not isinstance(payload, dict):
        return ()
    if any(payload.get(key) for key in ("presumptions", "assessment", "assessments")):
        return ("ASSESSMENT_IN_UNDERRETNING",)
    pattern = _markers(tuple(ctx.pack.param("underretning", "assessment_markers")))
    for key in ("observations", "reason_for_concern"):
        if any(pattern.search(text) for text in _strings(payload.get(key))):
            return ("ASSESSMENT_IN_UNDERRETNING",)
    return ()
