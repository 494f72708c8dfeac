"""CON-1…CON-12: consent scope, validity, revocation, parties, age and form."""

from __future__ import annotations

from ssd_gateway.policy import decide
from tests.policy.builders import DAYCARE, PPR, SCHOOL, child, consent, request


def test_permit_when_consent_covers_everything() -> None:
    """A consent covering sender, recipient, categories and purpose permits, naming itself."""
    decision = decide(request())
    assert (decision.decision, decision.basis, decision.consent_id) == ("permit", "consent", "c1")
    assert decision.reasons == ()


def test_con1_no_consent() -> None:
    """No consent at all for the child: CONSENT_MISSING."""
    decision = decide(request(consents=[]))
    assert decision.decision == "deny"
    assert "CONSENT_MISSING" in decision.codes


def test_con1_named_consent_unknown() -> None:
    """A named consent_id that is not among the consents: CONSENT_MISSING."""
    decision = decide(request(consent_id="c9"))
    assert "CONSENT_MISSING" in decision.codes


def test_con1_named_consent_used() -> None:
    """A named consent_id that exists and covers the transfer permits."""
    assert decide(request(consent_id="c1")).consent_id == "c1"


def test_con2_consent_for_another_child() -> None:
    """A consent given for another child is refused (and counts as no consent)."""
    decision = decide(request(consents=[consent(child_id="1105124321")]))
    assert {"CONSENT_WRONG_CHILD", "CONSENT_MISSING"} <= set(decision.codes)


def test_con2_dashed_cpr_is_same_child() -> None:
    """A consent naming the child's CPR with a dash is for the same child."""
    assert decide(request(consents=[consent(child_id="020315-4321")])).permitted


def test_con3_not_yet_signed() -> None:
    """A transfer the day before signature is refused; on the signing day it is allowed."""
    late = consent(signed_at="2026-03-11", valid_until="2026-12-31")
    assert "CONSENT_NOT_YET_VALID" in decide(request(consents=[late])).codes
    same_day = consent(signed_at="2026-03-10", valid_until="2026-12-31")
    assert decide(request(consents=[same_day])).permitted


def _on_day(days_after_signature: int) -> str:
    from datetime import date, timedelta

    return (date(2025, 9, 1) + timedelta(days=days_after_signature)).isoformat() + "T10:00:00+02:00"


def test_con4_day_364_and_365_valid_366_expired() -> None:
    """The one-year cap: valid through signed_at + 365 days, expired the day after."""
    long_consent = [consent(valid_until="2027-06-01")]
    assert decide(request(consents=long_consent, at=_on_day(364))).permitted
    assert decide(request(consents=long_consent, at=_on_day(365))).permitted
    late = decide(request(consents=long_consent, at=_on_day(366)))
    assert late.decision == "deny"
    assert "CONSENT_EXPIRED" in late.codes


def test_con4_valid_until_passed() -> None:
    """After valid_until the consent has lapsed, whatever the cap."""
    short = [consent(valid_until="2026-03-09")]
    assert "CONSENT_EXPIRED" in decide(request(consents=short)).codes
    assert decide(request(consents=[consent(valid_until="2026-03-10")])).permitted


def test_con4_profile_max_days() -> None:
    """A profile with a shorter consent_max_days shortens every consent."""
    decision = decide(request(profile={"consent_max_days": 180}))
    assert "CONSENT_EXPIRED" in decision.codes


def test_con5_revocation_one_second_before_at_and_after() -> None:
    """Revoked at or before the moment refuses; one second after still permits."""
    before = consent(revoked_at="2026-03-10T09:59:59+01:00")
    same = consent(revoked_at="2026-03-10T10:00:00+01:00")
    after = consent(revoked_at="2026-03-10T10:00:01+01:00")
    assert "CONSENT_REVOKED" in decide(request(consents=[before])).codes
    assert "CONSENT_REVOKED" in decide(request(consents=[same])).codes
    assert decide(request(consents=[after])).permitted


def test_con5_revocation_in_other_timezone() -> None:
    """Revocation moments compare as instants: 08:59:59Z is before 10:00+01:00."""
    utc = consent(revoked_at="2026-03-10T08:59:59Z")
    assert "CONSENT_REVOKED" in decide(request(consents=[utc])).codes


def test_con6_recipient_not_covered() -> None:
    """A recipient sector the consent does not list is refused."""
    decision = decide(request(recipient=PPR))
    assert "CONSENT_RECIPIENT_NOT_COVERED" in decision.codes
    assert "PPR" in decision.reasons[0].remedy


def test_con6_org_id_narrows_sector() -> None:
    """A party with an org_id covers only that organisation of the sector."""
    narrowed = consent(parties=[{"sector": "school"}, {"sector": "daycare", "org_id": "bh-anden"}])
    assert "CONSENT_RECIPIENT_NOT_COVERED" in decide(request(consents=[narrowed])).codes
    exact = consent(parties=[{"sector": "school"},
                             {"sector": "daycare", "org_id": DAYCARE["org_id"]}])
    assert decide(request(consents=[exact])).permitted


def test_con7_sender_not_covered() -> None:
    """Consent is mutual between listed parties: an unlisted sender is refused."""
    decision = decide(request(sender=PPR, recipient=SCHOOL))
    assert "CONSENT_SENDER_NOT_COVERED" in decision.codes


def test_con8_category_not_covered() -> None:
    """A category outside the consent is refused; covered categories permit."""
    assert "CONSENT_CATEGORY_NOT_COVERED" in decide(request(categories=("criminal",))).codes
    assert decide(request(categories=("health", "school"))).permitted


def test_con8_wellbeing_screening_barred_by_default_profile() -> None:
    """Screening results are not shared under the default profile, even if consented."""
    with_screening = consent(categories=["identity", "wellbeing_screening"])
    denied = decide(request(consents=[with_screening], categories=("wellbeing_screening",)))
    assert "CONSENT_CATEGORY_NOT_COVERED" in denied.codes
    allowed = decide(request(consents=[with_screening], categories=("wellbeing_screening",),
                             profile={"share_wellbeing_screening": True}))
    assert allowed.permitted


def test_con9_purpose_not_covered() -> None:
    """A purpose outside the consent is refused; a covered purpose permits."""
    assert "CONSENT_PURPOSE_NOT_COVERED" in decide(request(purpose="consultation")).codes
    assert decide(request(purpose="transition")).permitted


def test_con10_day_before_fifteenth_birthday() -> None:
    """The day before the 15th birthday the parents' consent suffices."""
    young = child(birth_date="2011-03-11")
    assert decide(request(child_=young)).permitted


def test_con10_on_fifteenth_birthday() -> None:
    """On the 15th birthday the young person's own consent is required."""
    fifteen = child(birth_date="2011-03-10")
    assert "CONSENT_CHILD_15_MISSING" in decide(request(child_=fifteen)).codes
    grants = [*consent()["granted_by"], {"person_id": "ung-1", "role": "child"}]
    assert decide(request(child_=fifteen, consents=[consent(granted_by=grants)])).permitted


def test_con11_all_custody_holders() -> None:
    """One of two custody holders missing is refused under the default profile."""
    one = consent(granted_by=[{"person_id": "mor-1", "role": "custody_holder"}])
    assert "CONSENT_CUSTODY_HOLDER_MISSING" in decide(request(consents=[one])).codes
    relaxed = {"consent_requires_all_custody_holders": False}
    assert decide(request(consents=[one], profile=relaxed)).permitted


def test_con11_non_custody_parent_does_not_count() -> None:
    """A grant by someone who is not a custody holder does not stand in for one."""
    other = consent(granted_by=[{"person_id": "mor-1", "role": "custody_holder"},
                                {"person_id": "stedfar", "role": "custody_holder"}])
    assert "CONSENT_CUSTODY_HOLDER_MISSING" in decide(request(consents=[other])).codes


def test_con12_oral_consent() -> None:
    """Oral consent is refused by default and accepted where the profile allows it."""
    oral = consent(form="oral")
    assert "CONSENT_FORM_NOT_ACCEPTED" in decide(request(consents=[oral])).codes
    assert decide(request(consents=[oral], profile={"consent_requires_written": False})).permitted


def test_first_good_consent_wins_and_bad_ones_do_not_block() -> None:
    """With a revoked and a valid consent, the valid one permits."""
    revoked = consent(id="c0", revoked_at="2026-01-01T00:00:00+01:00")
    decision = decide(request(consents=[revoked, consent(id="c2")]))
    assert (decision.decision, decision.consent_id) == ("permit", "c2")


def test_every_reason_reported() -> None:
    """A consent failing several rules reports each of them, and GEN-2 on top."""
    bad = consent(form="oral", purposes=["transition"], categories=["school"])
    codes = set(decide(request(consents=[bad])).codes)
    assert {"CONSENT_FORM_NOT_ACCEPTED", "CONSENT_PURPOSE_NOT_COVERED",
            "CONSENT_CATEGORY_NOT_COVERED", "NO_LEGAL_BASIS"} <= codes


def test_consent_expires_soon_warning() -> None:
    """Within 30 days of lapsing a permit carries CONSENT_EXPIRES_SOON; earlier it does not."""
    soon = decide(request(consents=[consent(valid_until="2026-04-09")]))
    assert soon.permitted and "CONSENT_EXPIRES_SOON" in soon.warnings
    later = decide(request(consents=[consent(valid_until="2026-04-10")]))
    assert later.permitted and later.warnings == ()


def test_stafetlog_permit_carries_parent_copy() -> None:
    """Sending a stafetlog obliges a copy to the parents."""
    assert "parent_copy" in decide(request()).obligations
