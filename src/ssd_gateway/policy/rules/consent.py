"""CON-2…CON-12: whether one consent covers the transfer (DOMAIN.md §3.1).

CON-1 (no consent at all for the child) is decided over the whole list, in the engine.
"""

from __future__ import annotations

from datetime import date, timedelta

from ssd_gateway.policy import vocab
from ssd_gateway.policy.request import Consent
from ssd_gateway.policy.rules.base import Context, Failure, consent_check


def consent_end(consent: Consent, max_days: int) -> date:
    """The last day a consent is valid: ``valid_until``, capped at ``signed_at + max_days``."""
    cap = consent.signed_at + timedelta(days=max_days)
    return cap if consent.valid_until is None or consent.valid_until > cap else consent.valid_until


@consent_check("CON-2")
def wrong_child(ctx: Context, consent: Consent) -> Failure | None:
    """The consent must be for the child the transfer is about."""
    if consent.child_id == ctx.request.child.id:
        return None
    return {"consent_id": consent.id}


@consent_check("CON-3")
def not_yet_valid(ctx: Context, consent: Consent) -> Failure | None:
    """Nothing may be shared before the consent was signed."""
    if ctx.day >= consent.signed_at:
        return None
    return {"consent_id": consent.id, "signed_at": consent.signed_at.isoformat()}


@consent_check("CON-4")
def expired(ctx: Context, consent: Consent) -> Failure | None:
    """Valid through ``valid_until`` and at most ``consent_max_days`` after signature."""
    max_days = ctx.profile.consent_max_days
    end = consent_end(consent, max_days)
    if ctx.day <= end:
        return None
    return {
        "consent_id": consent.id,
        "ends_on": end.isoformat(),
        "valid_until": consent.valid_until.isoformat() if consent.valid_until else "-",
        "max_days": max_days,
    }


@consent_check("CON-5")
def revoked(ctx: Context, consent: Consent) -> Failure | None:
    """A revocation at or before the moment of transfer stops it."""
    if consent.revoked_at is None or consent.revoked_at > ctx.request.at:
        return None
    return {"consent_id": consent.id, "revoked_at": consent.revoked_at.isoformat()}


@consent_check("CON-6")
def recipient_not_covered(ctx: Context, consent: Consent) -> Failure | None:
    """The recipient must be among the listed parties (an org_id narrows a sector)."""
    recipient = ctx.request.transfer.recipient
    if consent.covers(recipient):
        return None
    return {"consent_id": consent.id, "recipient_sector": recipient.sector}


@consent_check("CON-7")
def sender_not_covered(ctx: Context, consent: Consent) -> Failure | None:
    """The grant is mutual between the listed parties, so the sender must be listed too."""
    sender = ctx.request.transfer.sender
    if consent.covers(sender):
        return None
    return {"consent_id": consent.id, "sender_sector": sender.sector}


@consent_check("CON-8")
def category_not_covered(ctx: Context, consent: Consent) -> Failure | None:
    """Every category sent must be consented to, and allowed at all by the profile."""
    wanted = ctx.request.transfer.categories
    missing = wanted - consent.categories
    barred = (
        wanted & {vocab.WELLBEING_SCREENING}
        if not ctx.profile.share_wellbeing_screening
        else frozenset()
    )
    if not missing and not barred:
        return None
    return {
        "consent_id": consent.id,
        "categories": sorted(missing | barred),
        "profile_da": "; kommunen tillader ikke deling af trivselsvurderinger" if barred else "",
        "profile_en": "; the municipality does not allow wellbeing screening to be shared"
        if barred else "",
    }


@consent_check("CON-9")
def purpose_not_covered(ctx: Context, consent: Consent) -> Failure | None:
    """The purpose of the transfer must be one the consent was given for."""
    purpose = ctx.request.transfer.purpose
    if purpose in consent.purposes:
        return None
    return {"consent_id": consent.id, "purpose": purpose}


@consent_check("CON-10")
def child_15_missing(ctx: Context, consent: Consent) -> Failure | None:
    """From the 15th birthday the young person must have consented too."""
    limit = ctx.pack.param("consent", "child_own_consent_age")
    if ctx.age() < limit or any(role == "child" for _, role in consent.grants):
        return None
    return {"consent_id": consent.id, "age_limit": limit}


@consent_check("CON-11")
def custody_holder_missing(ctx: Context, consent: Consent) -> Failure | None:
    """Custody holders consent: all of them when the profile says so, else at least one."""
    holders = ctx.request.child.custody_holders
    granted = {person for person, role in consent.grants if role == "custody_holder"}
    if holders:
        missing = [h for h in holders if h not in granted]
        if ctx.profile.consent_requires_all_custody_holders:
            ok = not missing
        else:
            ok = len(missing) < len(holders)
    else:
        missing, ok = [], bool(granted)
    if ok:
        return None
    return {"consent_id": consent.id, "missing": len(missing) or 1}


@consent_check("CON-12")
def form_not_accepted(ctx: Context, consent: Consent) -> Failure | None:
    """Oral consent is refused where the municipality requires written consent."""
    if consent.form == "written" or not ctx.profile.consent_requires_written:
        return None
    return {"consent_id": consent.id}
