"""Properties of the engine over generated requests (hypothesis)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ssd_gateway.policy import decide, vocab
from tests.policy.builders import SOCIAL, child, consent, party, request, underretning

SECTORS = sorted(vocab.SECTORS)
CATEGORIES = sorted(vocab.CATEGORIES)
PURPOSES = sorted(vocab.PURPOSES)
CONSENT_CODES = {"CONSENT_MISSING", "CONSENT_WRONG_CHILD", "CONSENT_NOT_YET_VALID",
                 "CONSENT_EXPIRED", "CONSENT_REVOKED", "CONSENT_RECIPIENT_NOT_COVERED",
                 "CONSENT_SENDER_NOT_COVERED", "CONSENT_CATEGORY_NOT_COVERED",
                 "CONSENT_PURPOSE_NOT_COVERED", "CONSENT_CHILD_15_MISSING",
                 "CONSENT_CUSTODY_HOLDER_MISSING", "CONSENT_FORM_NOT_ACCEPTED"}

parties = st.builds(party, st.sampled_from(["a", "b", "c"]), st.sampled_from(SECTORS),
                    st.sampled_from(["0101", "0751"]), st.booleans())
dates = st.dates(min_value=__import__("datetime").date(2024, 1, 1),
                 max_value=__import__("datetime").date(2027, 12, 31))
moments = st.sampled_from([None, "2026-03-10T09:00:00+01:00", "2026-03-10T10:00:00+01:00",
                           "2026-03-10T10:00:01+01:00", "2025-01-01T00:00:00+01:00"])
consent_parties = st.lists(st.builds(
    lambda s, o: {"sector": s, **({"org_id": o} if o else {})},
    st.sampled_from(SECTORS), st.sampled_from([None, "a", "b"])), max_size=5)
grants = st.lists(st.builds(lambda p, r: {"person_id": p, "role": r},
                            st.sampled_from(["mor-1", "far-1", "ung"]),
                            st.sampled_from(["custody_holder", "child"])), min_size=1, max_size=3)
consents = st.builds(
    lambda cid, g, s, v, r, f, p, c, pu: consent(
        child_id=cid, granted_by=g, signed_at=s.isoformat(), valid_until=v.isoformat(),
        revoked_at=r, form=f, parties=p, categories=c, purposes=pu),
    st.sampled_from(["0203154321", "1105124321"]), grants, dates, dates, moments,
    st.sampled_from(["written", "oral"]), consent_parties,
    st.lists(st.sampled_from(CATEGORIES), min_size=1, unique=True),
    st.lists(st.sampled_from(PURPOSES), min_size=1, unique=True))
kinds = st.sampled_from(["stafetlog", "stafetlog_handover_offer", "consent", "ssd_exchange"])


@st.composite
def consent_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A transfer decided on consent, with generated parties, categories and consents."""
    return request(
        draw(kinds), sender=draw(parties), recipient=draw(parties),
        purpose=draw(st.sampled_from(PURPOSES)),
        categories=tuple(draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, unique=True))),
        consents=draw(st.lists(consents, max_size=3)),
        child_=child(birth_date=draw(st.sampled_from(["2015-03-02", "2011-03-10", "2011-03-11"]))),
        basis="consent",
    )


@settings(max_examples=300, deadline=None)
@given(consent_requests(), st.sampled_from(SECTORS), st.sampled_from([None, "a", "zz"]))
def test_adding_a_party_never_turns_permit_into_deny(
    body: dict[str, Any], sector: str, org_id: str | None
) -> None:
    """Listing one more party on every consent can only widen what is permitted."""
    before = decide(body)
    wider = copy.deepcopy(body)
    for item in wider["consents"]:
        item["parties"].append({"sector": sector, **({"org_id": org_id} if org_id else {})})
    if before.permitted:
        assert decide(wider).permitted


@settings(max_examples=300, deadline=None)
@given(consent_requests())
def test_revoked_consent_never_permits(body: dict[str, Any]) -> None:
    """A consent revoked at or before the moment is never the one a permit relies on."""
    for item in body["consents"]:
        item["revoked_at"] = "2026-03-10T10:00:00+01:00"
    assert not decide(body).permitted


@settings(max_examples=300, deadline=None)
@given(consent_requests())
def test_decide_is_deterministic(body: dict[str, Any]) -> None:
    """The same request always gets the same decision."""
    assert decide(copy.deepcopy(body)).as_dict() == decide(body).as_dict()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(consents, max_size=3),
    st.sampled_from(["public_employee", "private_person"]),
    st.booleans(), st.booleans(), st.sampled_from([None, True, False]),
    st.lists(st.sampled_from(CATEGORIES), unique=True), parties,
)
def test_underretning_to_right_authority_never_denied_for_consent(
    items: list[dict[str, Any]], notifier: str, suspected: bool, withhold: bool,
    informed: bool | None, categories: list[str], sender: dict[str, Any],
) -> None:
    """Whatever the consents, an underretning to the child's social authority is permitted."""
    facts = {"notifier_kind": notifier, "suspected_violence_or_abuse": suspected,
             "withhold_from_parents": withhold, "parents_informed": informed}
    decision = decide(underretning(facts, sender=sender, recipient=SOCIAL,
                                   categories=tuple(categories), consents=items))
    assert decision.permitted
    assert not CONSENT_CODES & set(decision.codes)
