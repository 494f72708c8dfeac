"""The gateway's own record kinds beyond the contract's list are decided by rule-pack data."""

from __future__ import annotations

import copy
from typing import Any

from ssd_gateway.policy import decide

SCHOOL = {"org_id": "skole-valby", "sector": "school", "municipality": "0101"}
SOCIAL = {"org_id": "bfa-kbh", "sector": "social_authority", "municipality": "0101"}
SOCIAL_AARHUS = {"org_id": "bfa-aarhus", "sector": "social_authority", "municipality": "0751"}
HOSPITAL = {"org_id": "rh-bup", "sector": "hospital", "municipality": "0101"}
CHILD = {"id": "0203154321", "birth_date": "2015-03-02", "municipality": "0101",
         "custody_holders": ["mor-1", "far-1"]}


def request(kind: str, sender: dict[str, Any], recipient: dict[str, Any],
            **transfer: Any) -> dict[str, Any]:
    """A decision request for ``kind`` on 10 March 2026."""
    return {"at": "2026-03-10T10:00:00+01:00", "rule_pack": "dk-sel-2011",
            "transfer": {"kind": kind, "sender": copy.deepcopy(sender),
                         "recipient": copy.deepcopy(recipient), "purpose": "feedback",
                         "categories": ["identity"], **transfer},
            "child": CHILD, "consents": [], "ssd_history": []}


def test_feedback_request_to_the_childs_authority_is_permitted() -> None:
    """A notifier may ask the social authority of the child's municipality for feedback."""
    decision = decide(request("feedback_request", SCHOOL, SOCIAL)).as_dict()
    assert decision["decision"] == "permit" and decision["basis"] == "underretning"


def test_feedback_request_elsewhere_is_refused_like_an_underretning() -> None:
    """A feedback request to another municipality's authority is refused by UND-1."""
    decision = decide(request("feedback_request", SCHOOL, SOCIAL_AARHUS)).as_dict()
    assert decision["decision"] == "deny"
    assert "UNDERRETNING_WRONG_RECIPIENT" in [r["code"] for r in decision["reasons"]]


def test_meeting_notice_among_eligible_sectors_is_permitted_under_49a() -> None:
    """A §49a meeting notice from a school to the social authority carries no_redisclosure."""
    meeting = {"id": "m1", "at": "2026-03-10T09:00:00+01:00"}
    decision = decide(request("ssd_meeting", SCHOOL, SOCIAL, purpose="early_preventive",
                              basis="ssd_49a", meeting=meeting)).as_dict()
    assert decision["decision"] == "permit"
    assert "no_redisclosure" in decision["obligations"]


def test_meeting_notice_to_a_hospital_is_refused() -> None:
    """A hospital is not a §49a party, so it gets no meeting notice without consent."""
    meeting = {"id": "m1", "at": "2026-03-10T09:00:00+01:00"}
    decision = decide(request("ssd_meeting", SCHOOL, HOSPITAL, purpose="early_preventive",
                              basis="ssd_49a", meeting=meeting)).as_dict()
    assert decision["decision"] == "deny"
    assert "SSD_RECIPIENT_NOT_ELIGIBLE" in [r["code"] for r in decision["reasons"]]
