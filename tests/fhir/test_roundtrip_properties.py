"""Property-based round trips: generated variations of several record kinds survive FHIR."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssd_gateway.fhir import bundle_to_message, message_to_bundle, validate_bundle
from ssd_gateway.model import Category, Purpose, Sector, parse_message
from ssd_gateway.samples import sample_message_data
from tests.conftest import TODAY
from tests.fhir.conftest import SETTINGS

BASE = sample_message_data(TODAY)
_ALPHABET = st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="\x85\xa0")
text = st.text(_ALPHABET, min_size=1, max_size=25).filter(lambda s: s.strip() != "")
maybe_text = st.none() | st.just("") | text
zones = st.sampled_from([UTC, timezone(timedelta(hours=2)),
                         timezone(timedelta(hours=-3, minutes=-30)),
                         timezone(timedelta(hours=5, minutes=45))])
moments = st.datetimes(datetime(2020, 1, 1), datetime(2026, 3, 1), timezones=zones)
past_days = st.dates(date(2025, 1, 1), date(2026, 1, 31))
person = st.fixed_dictionaries({"id": text}, optional={
    "name": maybe_text, "role": maybe_text, "phone": maybe_text, "address": maybe_text})
party = st.fixed_dictionaries(
    {"org_id": text, "sector": st.sampled_from(list(Sector))},
    optional={"name": maybe_text, "municipality": st.sampled_from(["0101", "0740", "0851"]),
              "performs_public_task": st.booleans(),
              "cvr": st.from_regex(r"\A\d{8}\Z"), "kombit_org_id": text,
              "sor": st.from_regex(r"\A\d{11,16}\Z")})


def _round_trip(data: dict[str, Any]) -> None:
    message = parse_message(data, SETTINGS)
    bundle = message_to_bundle(message)
    assert validate_bundle(bundle) == []
    assert bundle_to_message(bundle, SETTINGS) == message


def _envelope(kind: str, record: dict[str, Any], sender: dict[str, Any],
              recipient: dict[str, Any], sent_at: datetime, message_id: str,
              categories: list[Category], purpose: Purpose) -> dict[str, Any]:
    return {**BASE[kind], "record": record, "sender": sender, "recipient": recipient,
            "sent_at": sent_at.isoformat(), "message_id": message_id,
            "categories": categories, "purpose": purpose}


envelopes = st.fixed_dictionaries({
    "sender": party, "recipient": party, "sent_at": moments, "message_id": text,
    "categories": st.lists(st.sampled_from(list(Category)), min_size=1, max_size=4),
    "purpose": st.sampled_from(list(Purpose))})
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(env=envelopes, parties=st.lists(st.fixed_dictionaries(
           {"sector": st.sampled_from(list(Sector))},
           optional={"org_id": text, "name": maybe_text, "contact_person": maybe_text}),
           min_size=1, max_size=4),
       revoked=st.none() | moments, purpose_text=text, form=st.sampled_from(["written", "oral"]),
       grantors=st.lists(st.fixed_dictionaries(
           {"person_id": text, "role": st.sampled_from(["custody_holder", "child"])},
           optional={"name": maybe_text}), min_size=1, max_size=3))
def test_consent_variations(env: dict[str, Any], parties: list[Any], revoked: Any,
                            purpose_text: str, form: str, grantors: list[Any]) -> None:
    """Consents with any parties, grantors, revocation and form round-trip losslessly."""
    record = {**BASE["consent"]["record"], "parties": parties, "purpose_text": purpose_text,
              "form": form, "granted_by": grantors}
    if revoked is not None:
        record["revoked_at"] = revoked.isoformat()
    _round_trip(_envelope("consent", record, **env))


entries = st.lists(st.fixed_dictionaries({"date": past_days, "text": text}), max_size=3)


@fast
@given(env=envelopes, creator=person, holder=person, goals=entries, child_goals=entries,
       family_goals=entries, closed=st.booleans(), with_b=st.booleans(),
       agreements=st.lists(st.fixed_dictionaries(
           {"action": text, "responsible": text}, optional={"due": st.dates(
               date(2025, 1, 1), date(2027, 1, 1))}), max_size=3),
       discussed=st.lists(text, max_size=3))
def test_stafetlog_variations(env: dict[str, Any], creator: Any, holder: Any, goals: Any,
                              child_goals: Any, family_goals: Any, closed: bool, with_b: bool,
                              agreements: Any, discussed: Any) -> None:
    """Stafetlogs open or archived, with or without section B, goals and agreements."""
    record: dict[str, Any] = {**BASE["stafetlog"]["record"], "created_by": creator,
                              "created_on": "2024-12-01", "last_updated": "2026-02-01"}
    record["section_a"] = {**record["section_a"], "goals": goals, "discussed_by": discussed}
    if closed:
        record |= {"status": "archived", "holder": None}
    else:
        record["holder"] = {"person": holder, "org_id": env["sender"]["org_id"],
                            "since": "2024-12-01"}
    if with_b:
        record["section_b"] = {"child_goals": child_goals, "family_goals": family_goals,
                               "agreements": agreements}
    else:
        record.pop("section_b")
    _round_trip(_envelope("stafetlog", record, **env))


@fast
@given(env=envelopes, notifier=person, observations=st.lists(text, max_size=3),
       presumptions=st.lists(text, max_size=3), informed=st.booleans(),
       reason=maybe_text, withhold=st.booleans(), stafetlog_ref=st.none() | text,
       created=moments, language=maybe_text)
def test_underretning_variations(env: dict[str, Any], notifier: Any, observations: Any,
                                 presumptions: Any, informed: bool, reason: Any, withhold: bool,
                                 stafetlog_ref: Any, created: datetime, language: Any) -> None:
    """Underretninger with varied notifiers, observations and parent information."""
    record = {**BASE["underretning"]["record"], "observations": observations,
              "presumptions": presumptions, "created_at": created.isoformat(),
              "parents_informed": {"informed": informed, "reason_not_informed": reason},
              "withhold_from_parents": withhold, "withhold_reason": "politiet efterforsker",
              "stafetlog_ref": stafetlog_ref}
    record["notifier"] = {**record["notifier"], "person": notifier}
    record["child"] = {**record["child"], "language": language}
    _round_trip(_envelope("underretning", record, **env))


@fast
@given(env=envelopes, state=st.sampled_from(
           ["offered", "accepted", "refused", "withdrawn", "expired"]),
       to_person=st.none() | person, note=maybe_text, decided=st.none() | moments)
def test_handover_offer_variations(env: dict[str, Any], state: str, to_person: Any, note: Any,
                                   decided: Any) -> None:
    """Handover offers in every state, with or without a named receiver and note."""
    record = {**BASE["stafetlog_handover_offer"]["record"], "state": state,
              "to_person": to_person, "note": note,
              "decided_at": decided.isoformat() if decided else None}
    _round_trip(_envelope("stafetlog_handover_offer", record, **env))


@fast
@given(env=envelopes, content=maybe_text, request_id=st.none() | text,
       outcome=st.sampled_from(["investigation_started", "measure_started", "no_action",
                                "request_refused"]),
       participants=st.lists(st.fixed_dictionaries({"party": party},
                                                   optional={"person": person}), max_size=3))
def test_feedback_and_meeting_variations(env: dict[str, Any], content: Any, request_id: Any,
                                         outcome: str, participants: Any) -> None:
    """Feedback with any outcome and (empty) content; meetings with any participants."""
    feedback = {**BASE["feedback"]["record"], "content": content, "request_id": request_id,
                "outcome": outcome}
    _round_trip(_envelope("feedback", feedback, **env))
    meeting = {**BASE["ssd_meeting"]["record"], "participants": participants}
    _round_trip(_envelope("ssd_meeting", meeting, **env))
