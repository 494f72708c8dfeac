"""SSD-1…SSD-7: information exchange under Serviceloven §49a (DOMAIN.md §4).

Eligible sectors, the meeting count and the preventive purposes are pack parameters
(``ssd_49a`` section); the functions here only apply them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssd_gateway.policy.request import COPENHAGEN, Party
from ssd_gateway.policy.rules.base import Context, Failure, transfer_check


@dataclass(frozen=True, slots=True)
class MeetingPosition:
    """Where the transfer's meeting stands in the child's §49a history."""

    ordinal: int
    already_counted: bool
    first_meeting_id: str | None


def meeting_position(ctx: Context) -> MeetingPosition | None:
    """The meeting's ordinal (1 initial, 2 follow-up, …) over the known history, or None."""
    if "meeting" in ctx.memo:
        found: MeetingPosition | None = ctx.memo["meeting"]
        return found
    meeting = ctx.request.transfer.meeting
    position = None
    if meeting is not None and meeting.id:
        ordered: list[str] = []
        for past in sorted(ctx.request.ssd_history, key=lambda m: (m.at, m.meeting_id)):
            if past.meeting_id not in ordered:
                ordered.append(past.meeting_id)
        first = ordered[0] if ordered else None
        if meeting.id in ordered:
            position = MeetingPosition(ordered.index(meeting.id) + 1, True, first)
        else:
            position = MeetingPosition(len(ordered) + 1, False, first)
    ctx.memo["meeting"] = position
    return position


def _eligible(ctx: Context, party: Party) -> bool:
    if party.sector in ctx.pack.param("ssd_49a", "eligible_sectors"):
        return True
    return party.performs_public_task and party.sector in ctx.pack.param(
        "ssd_49a", "eligible_with_public_task"
    )


def _not_eligible(ctx: Context, party: Party, key: str) -> Failure | None:
    if _eligible(ctx, party):
        return None
    stk3 = party.sector in ctx.pack.param("ssd_49a", "eligible_with_public_task")
    return {
        key: party.sector,
        "public_task_da": " (stk. 3 kræver, at den løser en opgave for kommunen)" if stk3 else "",
        "public_task_en": " (stk. 3 requires it to perform a task for the municipality)"
        if stk3 else "",
    }


@transfer_check("SSD-1")
def sender_not_eligible(ctx: Context) -> Failure | None:
    """The sender's sector must be one §49a names (stk. 3 only with a public task)."""
    return _not_eligible(ctx, ctx.request.transfer.sender, "sender_sector")


@transfer_check("SSD-2")
def recipient_not_eligible(ctx: Context) -> Failure | None:
    """The recipient's sector must be one §49a names (stk. 3 only with a public task)."""
    return _not_eligible(ctx, ctx.request.transfer.recipient, "recipient_sector")


@transfer_check("SSD-3")
def not_at_meeting(ctx: Context) -> Failure | None:
    """§49a exchange happens at a meeting: one must be named, and the transfer on its day."""
    meeting = ctx.request.transfer.meeting
    if meeting is None or not meeting.id:
        return {}
    if meeting.at is None:
        return None
    at = ctx.request.at
    if meeting.at <= at and meeting.at.astimezone(COPENHAGEN).date() == ctx.day:
        return None
    return {
        "detail_da": "; overførslen sker ikke under mødet",
        "detail_en": "; the transfer does not happen during the meeting",
    }


@transfer_check("SSD-4")
def follow_up_needs_justification(ctx: Context) -> Failure | None:
    """A second meeting must follow up the first and carry a special-case justification."""
    position = meeting_position(ctx)
    if position is None or position.already_counted or position.ordinal != 2:
        return None
    meeting = ctx.request.transfer.meeting
    assert meeting is not None
    points_back = meeting.follow_up_of == position.first_meeting_id
    justified = bool(meeting.justification and meeting.justification.strip())
    if points_back and justified:
        return None
    first = position.first_meeting_id
    return {
        "first_meeting": first,
        "detail_da": "; der mangler en begrundelse" if points_back
        else f"; mødet henviser ikke til det første møde ({first})",
        "detail_en": "; the justification is missing" if points_back
        else f"; the meeting does not refer to the first meeting ({first})",
    }


@transfer_check("SSD-5")
def meeting_limit_reached(ctx: Context) -> Failure | None:
    """No §49a exchange beyond the initial and the one follow-up meeting."""
    position = meeting_position(ctx)
    if position is None or position.ordinal <= ctx.pack.param("ssd_49a", "max_meetings"):
        return None
    return {}


@transfer_check("SSD-6")
def purpose_not_preventive(ctx: Context) -> Failure | None:
    """§49a serves the early, preventive cooperation only."""
    purpose = ctx.request.transfer.purpose
    if purpose in ctx.pack.param("ssd_49a", "purposes"):
        return None
    return {"purpose": purpose}


@transfer_check("SSD-7")
def not_for_case_evidence(ctx: Context) -> Failure | None:
    """§49a knowledge may not open or document a case."""
    if ctx.request.transfer.purpose in ctx.pack.param("ssd_49a", "case_evidence_purposes"):
        return {}
    return None
