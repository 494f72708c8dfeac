"""SSD-1…SSD-7: §49a exchange — eligible sectors, meeting-bound, counted, preventive only."""

from __future__ import annotations

import pytest

from ssd_gateway.policy import decide
from tests.policy.builders import (
    DAYCARE,
    DENTAL,
    HEALTH,
    HOSPITAL,
    JOBCENTER,
    PPR,
    SCHOOL,
    SOCIAL,
    consent,
    party,
    ssd,
)

INITIAL = {"meeting_id": "m0", "at": "2026-01-12T09:00:00+01:00"}
FOLLOW_UP = {"meeting_id": "m0b", "at": "2026-02-02T09:00:00+01:00", "follow_up_of": "m0"}


def test_initial_meeting_permits_with_no_redisclosure() -> None:
    """An initial meeting between eligible sectors permits, ordinal 1, no_redisclosure."""
    decision = decide(ssd())
    assert (decision.decision, decision.basis, decision.meeting_ordinal) == ("permit", "ssd_49a", 1)
    assert decision.meeting_id == "m1"
    assert "no_redisclosure" in decision.obligations


@pytest.mark.parametrize("sender", [SCHOOL, DAYCARE, HEALTH, PPR, SOCIAL,
                                    party("sfo", "sfo"), party("fh", "fritidshjem")])
def test_ssd1_eligible_senders(sender: dict[str, object]) -> None:
    """Every sector §49a stk. 1 names may send."""
    assert decide(ssd(sender=sender, recipient=SOCIAL)).permitted


@pytest.mark.parametrize(
    "sender", [HOSPITAL, DENTAL, JOBCENTER, party("gp", "general_practitioner")]
)
def test_ssd1_ineligible_senders(sender: dict[str, object]) -> None:
    """Hospital, municipal dental care (dk-sel-2011), job centre, GP may not send under §49a."""
    assert "SSD_SENDER_NOT_ELIGIBLE" in decide(ssd(sender=sender)).codes


def test_ssd2_recipient_not_eligible() -> None:
    """A recipient outside §49a (job centre, dental care) is refused; eligible ones permit."""
    assert "SSD_RECIPIENT_NOT_ELIGIBLE" in decide(ssd(recipient=JOBCENTER)).codes
    assert "SSD_RECIPIENT_NOT_ELIGIBLE" in decide(ssd(recipient=DENTAL)).codes
    assert decide(ssd(recipient=PPR)).permitted


@pytest.mark.parametrize("sector", ["free_school", "private_institution"])
def test_ssd_stk3_only_with_public_task(sector: str) -> None:
    """Free schools and private institutions are eligible only when performing a public task."""
    without = decide(ssd(sender=party("x", sector)))
    assert "SSD_SENDER_NOT_ELIGIBLE" in without.codes
    assert "stk. 3" in without.reasons[0].message
    assert decide(ssd(sender=party("x", sector, public_task=True))).permitted
    assert decide(ssd(recipient=party("x", sector, public_task=True))).permitted
    assert "SSD_RECIPIENT_NOT_ELIGIBLE" in decide(ssd(recipient=party("x", sector))).codes


def test_ssd3_no_meeting() -> None:
    """Without a meeting there is no §49a exchange."""
    request = ssd()
    del request["transfer"]["meeting"]
    assert "SSD_NOT_AT_MEETING" in decide(request).codes


def test_ssd3_transfer_not_during_meeting() -> None:
    """A transfer on another day than the meeting, or before it, is not at the meeting."""
    next_day = ssd(meeting={"id": "m1", "at": "2026-03-09T09:00:00+01:00"})
    assert "SSD_NOT_AT_MEETING" in decide(next_day).codes
    before = ssd(meeting={"id": "m1", "at": "2026-03-10T11:00:00+01:00"})
    assert "SSD_NOT_AT_MEETING" in decide(before).codes


def test_ssd4_second_meeting_needs_follow_up_and_justification() -> None:
    """A second meeting must point to the first and be justified."""
    bare = ssd(meeting={"id": "m1", "at": "2026-03-10T09:00:00+01:00"}, history=[INITIAL])
    assert "SSD_FOLLOW_UP_NEEDS_JUSTIFICATION" in decide(bare).codes
    unjustified = ssd(meeting={"id": "m1", "at": "2026-03-10T09:00:00+01:00",
                               "follow_up_of": "m0"}, history=[INITIAL])
    assert "SSD_FOLLOW_UP_NEEDS_JUSTIFICATION" in decide(unjustified).codes
    wrong_ref = ssd(meeting={"id": "m1", "at": "2026-03-10T09:00:00+01:00",
                             "follow_up_of": "mX", "special_case_justification": "ny bekymring"},
                    history=[INITIAL])
    assert "SSD_FOLLOW_UP_NEEDS_JUSTIFICATION" in decide(wrong_ref).codes


def test_ssd4_justified_follow_up_permits() -> None:
    """A justified follow-up of the first meeting permits as meeting 2."""
    request = ssd(meeting={"id": "m1", "at": "2026-03-10T09:00:00+01:00", "follow_up_of": "m0",
                           "special_case_justification": "ny bekymring"}, history=[INITIAL])
    decision = decide(request)
    assert (decision.decision, decision.meeting_ordinal) == ("permit", 2)


def test_ssd5_third_meeting_refused() -> None:
    """After an initial and a follow-up meeting no further §49a meeting is allowed."""
    request = ssd(meeting={"id": "m3", "at": "2026-03-10T09:00:00+01:00", "follow_up_of": "m0b",
                           "special_case_justification": "igen"},
                  history=[INITIAL, FOLLOW_UP])
    assert "SSD_MEETING_LIMIT_REACHED" in decide(request).codes


def test_ssd5_more_transfers_at_counted_meeting_allowed() -> None:
    """Several transfers at an already counted meeting are fine (here the follow-up)."""
    request = ssd(meeting={"id": "m0b", "at": "2026-03-10T09:00:00+01:00", "follow_up_of": "m0",
                           "special_case_justification": "ny bekymring"},
                  history=[INITIAL, FOLLOW_UP])
    decision = decide(request)
    assert (decision.decision, decision.meeting_ordinal) == ("permit", 2)
    again = decide(ssd(meeting={"id": "m0", "at": "2026-03-10T09:00:00+01:00"},
                       history=[INITIAL]))
    assert (again.decision, again.meeting_ordinal) == ("permit", 1)


def test_ssd6_purpose_not_preventive() -> None:
    """Coordination is not §49a's purpose; assessing a possible notification is."""
    assert "SSD_PURPOSE_NOT_PREVENTIVE" in decide(ssd(purpose="coordination")).codes
    assert decide(ssd(purpose="assess_notification")).permitted


def test_ssd7_not_for_case_evidence() -> None:
    """§49a information may not open or document a child-welfare case."""
    assert "SSD_NOT_FOR_CASE_EVIDENCE" in decide(ssd(purpose="child_welfare_case")).codes


def test_wellbeing_screening_not_exchanged_under_ssd_by_default() -> None:
    """Screening results stay in the institution unless the profile allows sharing."""
    denied = decide(ssd(categories=("wellbeing_screening",)))
    assert denied.decision == "deny" and "NO_LEGAL_BASIS" in denied.codes
    shared = ssd(categories=("wellbeing_screening",), profile={"share_wellbeing_screening": True})
    assert decide(shared).permitted


def test_notify_data_subject_when_profile_asks() -> None:
    """A profile may oblige telling the parents after a §49a exchange."""
    decision = decide(ssd(profile={"notify_parents_after_ssd": True}))
    assert "notify_data_subject" in decision.obligations


def test_without_named_basis_consent_can_carry_an_exchange() -> None:
    """With no basis named, an exchange §49a refuses may still rest on a covering consent."""
    hospital_consent = consent(parties=[{"sector": "hospital"}, {"sector": "school"}],
                               purposes=["early_preventive"], categories=["health"])
    request = ssd(sender=HOSPITAL, recipient=SCHOOL, categories=("health",),
                  consents=[hospital_consent])
    del request["transfer"]["basis"]
    decision = decide(request)
    assert (decision.decision, decision.basis, decision.consent_id) == ("permit", "consent", "c1")


def test_without_named_basis_every_reason_reported() -> None:
    """With no basis named and none holding, reasons from §49a and consent are both reported."""
    request = ssd(sender=HOSPITAL)
    del request["transfer"]["basis"]
    codes = set(decide(request).codes)
    assert {"SSD_SENDER_NOT_ELIGIBLE", "CONSENT_MISSING", "NO_LEGAL_BASIS"} <= codes
