"""UND-1…UND-4: underretning to the right authority, receipt deadline, parents, feedback."""

from __future__ import annotations

import pytest

from ssd_gateway.policy import decide
from tests.policy.builders import (
    DAYCARE,
    SCHOOL,
    SOCIAL,
    SOCIAL_AARHUS,
    consent,
    feedback,
    party,
    request,
    underretning,
)


def test_permit_to_childs_social_authority() -> None:
    """An underretning to the social authority of the child's municipality is permitted."""
    decision = decide(underretning())
    assert (decision.decision, decision.basis) == ("permit", "underretning")
    assert "inform_parents" in decision.obligations


def test_und1_wrong_municipality() -> None:
    """The social authority of another municipality is the wrong recipient."""
    assert "UNDERRETNING_WRONG_RECIPIENT" in decide(underretning(recipient=SOCIAL_AARHUS)).codes


def test_und1_not_a_social_authority() -> None:
    """An underretning to a daycare is refused."""
    assert "UNDERRETNING_WRONG_RECIPIENT" in decide(underretning(recipient=DAYCARE)).codes


def test_und1_recipient_without_municipality() -> None:
    """A social authority whose municipality is unknown cannot be shown to be the right one."""
    unknown = {k: v for k, v in SOCIAL.items() if k != "municipality"}
    assert "UNDERRETNING_WRONG_RECIPIENT" in decide(underretning(recipient=unknown)).codes


def test_und1_section_152_move() -> None:
    """§152: the authority the family moves from notifies the authority it moves to."""
    moving = underretning({"notifier_kind": "municipality"}, sender=SOCIAL, recipient=SOCIAL_AARHUS)
    assert decide(moving).permitted
    not_moving = underretning(sender=SOCIAL, recipient=SOCIAL_AARHUS)
    assert "UNDERRETNING_WRONG_RECIPIENT" in decide(not_moving).codes
    from_school = underretning({"notifier_kind": "municipality"}, recipient=SOCIAL_AARHUS)
    assert "UNDERRETNING_WRONG_RECIPIENT" in decide(from_school).codes


@pytest.mark.parametrize("consents", [
    [],
    [consent(revoked_at="2026-01-01T00:00:00+01:00")],
    [consent(valid_until="2025-10-01", form="oral")],
    [{"id": "broken"}],
])
def test_never_blocked_by_consent(consents: list[object]) -> None:
    """Missing, revoked, expired or even malformed consents never block an underretning."""
    assert decide(underretning(consents=consents)).permitted


def test_basis_named_explicitly() -> None:
    """Naming the underretning basis gives the same permit."""
    assert decide(underretning(basis="underretning")).basis == "underretning"


def test_receipt_due_over_easter() -> None:
    """Received Tuesday 31 March 2026, the receipt is due Monday 13 April 2026."""
    decision = decide(underretning(at="2026-03-31T10:00:00+02:00"))
    assert "receipt_due:2026-04-13" in decision.obligations


def test_receipt_due_uses_danish_local_date() -> None:
    """23:30 UTC on 30 March is 31 March in Denmark."""
    decision = decide(underretning(at="2026-03-30T22:30:00Z"))
    assert "receipt_due:2026-04-13" in decision.obligations


def test_do_not_contact_parents_when_parent_suspected() -> None:
    """Suspected violence by a parent and withholding: do_not_contact_parents, no inform."""
    decision = decide(underretning({"suspected_violence_or_abuse": True,
                                    "withhold_from_parents": True, "parents_informed": False}))
    assert "do_not_contact_parents" in decision.obligations
    assert "inform_parents" not in decision.obligations
    assert "PARENTS_NOT_INFORMED_NO_REASON" not in decision.warnings


def test_withholding_without_suspicion_still_informs() -> None:
    """Withholding is only lawful on suspicion of violence or abuse by a parent."""
    decision = decide(underretning({"withhold_from_parents": True}))
    assert "inform_parents" in decision.obligations


def test_parents_not_informed_without_reason_warns() -> None:
    """Parents not informed and no reason given: a warning, never a refusal."""
    decision = decide(underretning({"parents_informed": False}))
    assert decision.permitted and "PARENTS_NOT_INFORMED_NO_REASON" in decision.warnings
    reasoned = decide(underretning({"parents_informed": False,
                                    "reason_parents_not_informed": "ikke truffet"}))
    assert reasoned.warnings == ()


def test_assessment_in_underretning_warns() -> None:
    """Presumptions or assessment words in the observations warn (observe, don't assess)."""
    with_assessment = underretning(payload={"observations": ["Jeg vurderer, at mor drikker"]})
    assert "ASSESSMENT_IN_UNDERRETNING" in decide(with_assessment).warnings
    presumptions = underretning(payload={"observations": ["Kom uden madpakke 3 dage"],
                                         "presumptions": ["måske problemer hjemme"]})
    assert "ASSESSMENT_IN_UNDERRETNING" in decide(presumptions).warnings
    factual = underretning(payload={"observations": ["Kom uden madpakke 3 dage i uge 10"]})
    assert decide(factual).warnings == ()


def test_receipt_from_social_authority() -> None:
    """A receipt comes from the social authority; from a school it is refused."""
    good = request("underretning_receipt", sender=SOCIAL, recipient=SCHOOL,
                   purpose="notification", consents=[])
    assert decide(good).permitted
    bad = request("underretning_receipt", sender=SCHOOL, recipient=DAYCARE,
                  purpose="notification", consents=[])
    assert "UNDERRETNING_WRONG_RECIPIENT" in decide(bad).codes


def test_feedback_outcome_only_permits() -> None:
    """Requested feedback to a professional carrying only the outcome is permitted."""
    assert decide(feedback()).permitted


def test_und2_feedback_not_requested() -> None:
    """Unsolicited feedback is refused."""
    assert "FEEDBACK_NOT_REQUESTED" in decide(feedback({"requested": False})).codes
    assert "FEEDBACK_NOT_REQUESTED" in decide(request(
        "feedback", sender=SOCIAL, recipient=SCHOOL, purpose="feedback", consents=[])).codes


def test_und3_feedback_content() -> None:
    """Content beyond the outcome is refused unless the parents accepted fuller feedback."""
    content = {"content": "Familien har fået en familiebehandler"}
    assert "FEEDBACK_CONTENT_NOT_ALLOWED" in decide(feedback(content)).codes
    accepted = {**content, "parents_accepted_fuller_feedback": True}
    assert decide(feedback(accepted)).permitted
    assert decide(feedback({"content": "  "})).permitted


def test_und4_feedback_to_private_person() -> None:
    """Feedback under §153 goes to professionals only."""
    citizen = feedback({"notifier_kind": "private_person"}, recipient=party("nabo", "other"))
    assert "FEEDBACK_NOTIFIER_NOT_PROFESSIONAL" in decide(citizen).codes
