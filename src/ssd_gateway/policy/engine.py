"""``decide()``: one deterministic decision over a request, a rule pack and a profile.

The order of work: parse (an invalid request is refused by GEN-3), pick the pack and the
profile, run the checks the pack names for the record kind, then try the bases that fit the
kind (or the one the request names) in the pack's order. The first basis whose checks all
pass permits; if none does, every reason found is returned with GEN-2 on top.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from ssd_gateway.exceptions import PolicyError
from ssd_gateway.policy import packs
from ssd_gateway.policy import profile as profiles
from ssd_gateway.policy.calendar import ClosingDay, WorkingDayCalendar
from ssd_gateway.policy.decision import Decision, Reason
from ssd_gateway.policy.duties import OBLIGATIONS, WARNINGS, Duty, Reliance
from ssd_gateway.policy.packs import BasisSpec, RulePack
from ssd_gateway.policy.profile import Profile
from ssd_gateway.policy.request import Invalid, Request, parse_moment, parse_request
from ssd_gateway.policy.rules import CONSENT_CHECKS, TRANSFER_CHECKS, Context
from ssd_gateway.policy.rules.base import ConsentCheck, TransferCheck
from ssd_gateway.policy.rules.ssd import meeting_position


@dataclass(frozen=True)
class BasisPlan:
    """One basis for one record kind, with its checks bound to functions."""

    basis: str
    checks: tuple[tuple[str, TransferCheck], ...]
    consent_checks: tuple[tuple[str, ConsentCheck], ...]
    consent_missing_rule: str | None
    obligations: tuple[Duty, ...]
    warnings: tuple[Duty, ...]


@dataclass(frozen=True)
class KindPlan:
    """Everything the engine runs for one record kind under one pack."""

    checks: tuple[tuple[str, TransferCheck], ...]
    bases: tuple[BasisPlan, ...]


@dataclass(slots=True)
class _Outcome:
    reasons: list[Reason]
    relied: Reliance | None = None


def _bind_transfer(rule_ids: tuple[str, ...]) -> tuple[tuple[str, TransferCheck], ...]:
    return tuple((r, TRANSFER_CHECKS[r]) for r in rule_ids if r in TRANSFER_CHECKS)


def _bind_basis(spec: BasisSpec) -> BasisPlan:
    unknown = [
        r for r in spec.checks if r not in TRANSFER_CHECKS and r not in CONSENT_CHECKS
        and r != "CON-1"
    ]
    missing = [d for d in spec.obligations if d not in OBLIGATIONS]
    missing += [w for w in spec.warnings if w not in WARNINGS]
    if unknown or missing:
        raise PolicyError(f"rule pack names checks or duties with no implementation: "
                          f"{unknown + missing}")
    return BasisPlan(
        basis=spec.basis,
        checks=_bind_transfer(spec.checks),
        consent_checks=tuple((r, CONSENT_CHECKS[r]) for r in spec.checks if r in CONSENT_CHECKS),
        consent_missing_rule="CON-1" if "CON-1" in spec.checks else None,
        obligations=tuple(OBLIGATIONS[d] for d in spec.obligations),
        warnings=tuple(WARNINGS[w] for w in spec.warnings),
    )


@cache
def plans(pack: RulePack) -> Mapping[str, KindPlan]:
    """The pack's record kinds with their checks bound (PolicyError if one is missing)."""
    result = {}
    for kind, spec in pack.kinds.items():
        unbound = [r for r in spec.checks if r not in TRANSFER_CHECKS]
        if unbound:
            raise PolicyError(f"rule pack {pack.ref}: no check implements {unbound}")
        result[kind] = KindPlan(_bind_transfer(spec.checks), tuple(map(_bind_basis, spec.bases)))
    return result


@lru_cache(maxsize=64)
def _calendar(pack: RulePack, closing: tuple[ClosingDay, ...]) -> WorkingDayCalendar:
    return pack.calendar.with_closing_days(closing) if closing else pack.calendar


_PROFILES: dict[str, Profile] = {}


def _profile(data: Any) -> Profile:
    if not data:
        return profiles.default_profile()
    if not isinstance(data, Mapping):
        raise PolicyError("profile: expected an object")
    key = json.dumps(data, sort_keys=True, default=str)
    found = _PROFILES.get(key)
    if found is None:
        found = profiles.resolve(data)
        if len(_PROFILES) < 1024:
            _PROFILES[key] = found
    return found


def _run(ctx: Context, checks: tuple[tuple[str, TransferCheck], ...]) -> list[Reason]:
    reasons = []
    for rule_id, check in checks:
        failure = check(ctx)
        if failure is not None:
            reasons.append(ctx.pack.reason(rule_id, failure))
    return reasons


def _consent_basis(ctx: Context, plan: BasisPlan) -> _Outcome:
    named = ctx.request.transfer.consent_id
    candidates = ctx.request.consents
    if named is not None:
        candidates = tuple(c for c in candidates if c.id == named)
    reasons: list[Reason] = []
    for_child = False
    for consent in candidates:
        failed = False
        for rule_id, check in plan.consent_checks:
            failure = check(ctx, consent)
            if failure is not None:
                reasons.append(ctx.pack.reason(rule_id, failure))
                failed = True
                if rule_id == "CON-2":  # nothing else about another child's consent matters
                    break
        else:
            for_child = True
        if not failed:
            return _Outcome([], Reliance(consent=consent))
    if not for_child and plan.consent_missing_rule:
        detail = {"named_da": f" (samtykke {named})", "named_en": f" (consent {named})"}
        transfer = ctx.request.transfer
        args = {
            **(detail if named else {}),
            "sender_sector": transfer.sender.sector,
            "recipient_sector": transfer.recipient.sector,
        }
        reasons.insert(0, ctx.pack.reason(plan.consent_missing_rule, args))
    return _Outcome(reasons)


def _evaluate(ctx: Context, plan: BasisPlan) -> _Outcome:
    reasons = _run(ctx, plan.checks)
    if plan.consent_checks or plan.consent_missing_rule:
        outcome = _consent_basis(ctx, plan)
        if reasons:
            return _Outcome(reasons + outcome.reasons)
        return outcome
    if reasons:
        return _Outcome(reasons)
    position = meeting_position(ctx) if plan.basis == "ssd_49a" else None
    meeting = ctx.request.transfer.meeting
    return _Outcome([], Reliance(
        meeting_id=meeting.id if position and meeting else None,
        meeting_ordinal=position.ordinal if position else None,
    ))


def _duties(ctx: Context, duties: tuple[Duty, ...], relied: Reliance) -> tuple[str, ...]:
    out: list[str] = []
    for duty in duties:
        out.extend(duty(ctx, relied))
    return tuple(out)


def _no_basis(ctx: Context, named: str | None) -> Reason:
    args = {}
    if named:
        kind = ctx.request.transfer.kind
        args = {
            "detail_da": f": grundlaget {named} gælder ikke for {kind}",
            "detail_en": f": the basis {named} does not apply to {kind}",
        }
    return ctx.pack.reason("GEN-2", args)


def _deny(ctx: Context, reasons: list[Reason], warnings: tuple[str, ...]) -> Decision:
    unique = tuple(dict.fromkeys(reasons))
    return Decision("deny", None, unique, (), warnings, ctx.pack.ref, ctx.profile.id)


def _decide(ctx: Context) -> Decision:
    transfer = ctx.request.transfer
    plan = plans(ctx.pack).get(transfer.kind)
    if plan is None:
        return _deny(ctx, [_no_basis(ctx, transfer.basis)], ())
    reasons = _run(ctx, plan.checks)
    if transfer.kind == "private_note":  # GEN-1: no basis is even tried
        return _deny(ctx, reasons, ())
    bases = plan.bases
    if transfer.basis is not None:
        bases = tuple(b for b in bases if b.basis == transfer.basis)
    tried: list[Reason] = []
    warnings: list[str] = []
    for basis in bases:
        outcome = _evaluate(ctx, basis)
        relied = outcome.relied
        if relied is None:
            tried.extend(outcome.reasons)
            warnings.extend(_duties(ctx, basis.warnings, Reliance()))
            continue
        if reasons:  # the basis holds, but a rule of the record kind refuses
            return _deny(ctx, reasons, _duties(ctx, basis.warnings, relied))
        return Decision(
            "permit", basis.basis, (), _duties(ctx, basis.obligations, relied),
            _duties(ctx, basis.warnings, relied), ctx.pack.ref, ctx.profile.id,
            consent_id=relied.consent.id if relied.consent else None,
            meeting_id=relied.meeting_id, meeting_ordinal=relied.meeting_ordinal,
        )
    if not any(r.rule == "GEN-2" for r in tried):
        tried.append(_no_basis(ctx, transfer.basis if not bases else None))
    return _deny(ctx, reasons + tried, tuple(dict.fromkeys(warnings)))


def _raw_moment(data: Mapping[str, Any], now: datetime | None) -> date:
    try:
        moment = now if now is not None else parse_moment(data.get("at"), "at")
    except Invalid:
        return date.today()
    return moment.date()


def _invalid(data: Any, error: Invalid, now: datetime | None) -> Decision:
    if isinstance(data, Request):
        pack = packs.select(data.rule_pack, data.day)
        profile = _profile(data.profile)
        reason = pack.reason("GEN-3", {"path": error.path, "problem": error.code})
        return Decision("deny", None, (reason,), (), (), pack.ref, profile.id)
    raw = data if isinstance(data, Mapping) else {}
    name = raw.get("rule_pack")
    pack = packs.select(name if isinstance(name, str) else None, _raw_moment(raw, now))
    profile = _profile(raw.get("profile"))
    reason = pack.reason("GEN-3", {"path": error.path or "<request>", "problem": error.code})
    return Decision("deny", None, (reason,), (), (), pack.ref, profile.id)


def decide(request: Mapping[str, Any] | Request, *, now: datetime | None = None) -> Decision:
    """Decide one transfer request (``decision.schema.json`` ``request``).

    ``now`` is the moment to decide at (a transfer is decided again just before it is sent);
    it defaults to the request's ``at``. Raises PolicyError for an unknown rule pack or a
    malformed profile; an invalid record is a refusal (GEN-3), not an exception.
    """
    try:
        parsed = request if isinstance(request, Request) else parse_request(request, now)
        pack = packs.select(parsed.rule_pack, parsed.day)
        profile = _profile(parsed.profile)
        return _decide(Context(parsed, pack, profile, _calendar(pack, profile.closing_days)))
    except Invalid as error:
        return _invalid(request, error, now)
