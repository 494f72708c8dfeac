"""Message -> XML -> Message is lossless for every record kind."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.model import (
    AnonymousConsultation,
    Category,
    Message,
    Purpose,
    Sector,
    ValidationSettings,
    parse_message,
)
from ssd_gateway.model.codes import ChildIdKind
from ssd_gateway.model.records import RECORD_CLASSES
from ssd_gateway.samples import sample_message_data
from ssd_gateway.xml import message_to_xml, xml_to_message

TODAY = date(2026, 3, 10)
SETTINGS = ValidationSettings(today=TODAY)
HYPOTHESIS = settings(max_examples=60, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

#: text XML 1.0 can carry: no surrogates, no unassigned code points, no control characters
#: except tab, newline and carriage return
xml_text = st.text(
    st.characters(exclude_categories=("Cs", "Cn", "Cc"), include_characters="\t\n\r"),
    max_size=40,
)
non_blank = xml_text.filter(lambda s: s.strip() != "")
zones = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=2)),
                         timezone(timedelta(hours=-3, minutes=-30))])
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 12, 31),
                       timezones=zones)


def sample(kind: str) -> dict[str, Any]:
    """A fresh copy of the sample message data of ``kind``."""
    return copy.deepcopy(sample_message_data(TODAY)[kind])


def round_trip(payload: dict[str, Any]) -> tuple[Message, Message]:
    """Validate ``payload``, render it and read it back; skip payloads the model refuses."""
    try:
        message = parse_message(payload, SETTINGS)
    except RecordInvalid:
        assume(False)
        raise
    return message, xml_to_message(message_to_xml(message), SETTINGS)


@pytest.mark.parametrize("kind", sorted(RECORD_CLASSES))
def test_every_kind_round_trips(messages: dict[str, Message], kind: str) -> None:
    """Each of the twelve sample messages comes back from XML equal to what went in."""
    message = messages[kind]
    back = xml_to_message(message_to_xml(message), SETTINGS)
    assert back == message
    assert back.record.kind == kind


def test_all_twelve_kinds_are_covered(messages: dict[str, Message]) -> None:
    """The samples the round trip runs over are exactly the twelve record kinds."""
    assert set(messages) == set(RECORD_CLASSES) and len(messages) == 12


def test_record_element_sits_in_its_kinds_namespace(documents: dict[str, bytes]) -> None:
    """The record element is named after its kind, in urn:ssd-gateway:<kind>:1."""
    for kind, data in documents.items():
        record = etree.fromstring(data)[-1]
        assert etree.QName(record).localname == kind
        assert etree.QName(record).namespace == f"urn:ssd-gateway:{kind.replace('_', '-')}:1"


def test_prefixes_chosen_by_the_sender_do_not_matter(documents: dict[str, bytes]) -> None:
    """A document using other namespace prefixes reads to the same message."""
    data = documents["consent"]
    renamed = (data.replace(b"env:", b"e:").replace(b"xmlns:env=", b"xmlns:e=")
               .replace(b"con:", b"k:").replace(b"xmlns:con=", b"xmlns:k="))
    assert b"env:" not in renamed
    assert xml_to_message(renamed, SETTINGS) == xml_to_message(data, SETTINGS)


@HYPOTHESIS
@given(
    purpose_text=non_blank,
    categories=st.lists(st.sampled_from(list(Category)), min_size=1, max_size=4, unique=True),
    purposes=st.lists(st.sampled_from(list(Purpose)), min_size=1, max_size=3, unique=True),
    parties=st.lists(st.tuples(st.sampled_from(list(Sector)), st.none() | non_blank),
                     min_size=1, max_size=4),
    signed_days_ago=st.integers(0, 2000),
    valid_days=st.integers(0, 365),
    revoked_at=st.none() | moments,
    form=st.sampled_from(["written", "oral"]),
    explained=st.booleans(),
)
def test_consent_variations_round_trip(
    purpose_text: str, categories: list[str], purposes: list[str],
    parties: list[tuple[str, str | None]], signed_days_ago: int, valid_days: int,
    revoked_at: datetime | None, form: str, explained: bool,
) -> None:
    """Consents with any texts, code subsets, parties, dates and revocation round-trip."""
    payload = sample("consent")
    signed = TODAY - timedelta(days=signed_days_ago)
    payload["record"].update(
        purpose_text=purpose_text, categories=categories, purposes=purposes,
        parties=[{"sector": s, **({"org_id": o} if o else {})} for s, o in parties],
        signed_at=signed.isoformat(), valid_until=(signed + timedelta(days=valid_days)).isoformat(),
        revoked_at=revoked_at.isoformat() if revoked_at else None, form=form,
        consequences_explained=explained,
    )
    message, back = round_trip(payload)
    assert back == message


@HYPOTHESIS
@given(
    observations=st.lists(xml_text, max_size=4),
    presumptions=st.lists(xml_text, max_size=3),
    reason=non_blank,
    withhold=st.booleans(),
    withhold_reason=st.none() | non_blank,
    interpreter=st.none() | xml_text,
    child_view=st.none() | xml_text,
    replacement_id=st.none() | st.from_regex(r"\A[A-Za-zÆØÅæøå][A-Za-z0-9-]{0,15}\Z"),
    created_at=moments,
)
def test_underretning_variations_round_trip(
    observations: list[str], presumptions: list[str], reason: str, withhold: bool,
    withhold_reason: str | None, interpreter: str | None, child_view: str | None,
    replacement_id: str | None, created_at: datetime,
) -> None:
    """Underretninger with any free texts, lists, flags and a replacement id round-trip."""
    payload = sample("underretning")
    record = payload["record"]
    record.update(observations=observations, presumptions=presumptions,
                  reason_for_concern=reason, withhold_from_parents=withhold,
                  withhold_reason=withhold_reason, interpreter_needed=interpreter is not None,
                  interpreter_language=interpreter, child_view=child_view,
                  created_at=created_at.isoformat())
    if replacement_id:
        record["child"].update(id=replacement_id, id_kind="replacement")
    message, back = round_trip(payload)
    assert back == message


@HYPOTHESIS
@given(question=non_blank, age=st.none() | st.integers(0, 25),
       sector=st.none() | st.sampled_from(list(Sector)), asked_at=moments,
       asker_name=st.none() | xml_text)
def test_anonymous_consultation_variations_round_trip(
    question: str, age: int | None, sector: str | None, asked_at: datetime,
    asker_name: str | None,
) -> None:
    """Anonymous consultations with any question, age, sector and time round-trip."""
    payload = sample("anonymous_consultation")
    payload["record"].update(question=question, age_years=age, sector_of_asker=sector,
                             asked_at=asked_at.isoformat())
    payload["record"]["asked_by"]["name"] = asker_name
    message, back = round_trip(payload)
    assert back == message


@HYPOTHESIS
@given(outcome=st.sampled_from(["investigation_started", "measure_started", "no_action",
                                "request_refused"]),
       content=st.none() | xml_text, fuller=st.booleans(), answered_at=moments)
def test_feedback_variations_round_trip(
    outcome: str, content: str | None, fuller: bool, answered_at: datetime
) -> None:
    """Feedback answers with every outcome, optional content and any time round-trip."""
    payload = sample("feedback")
    payload["record"].update(outcome=outcome, content=content,
                             parents_accepted_fuller_feedback=fuller,
                             answered_at=answered_at.isoformat())
    message, back = round_trip(payload)
    assert back == message


def test_carriage_return_in_text_survives() -> None:
    """A carriage return inside a text is escaped, not normalised away by the parser."""
    payload = sample("anonymous_consultation")
    payload["record"]["question"] = "første linje\r\nanden linje"
    message, back = round_trip(payload)
    assert back.record == message.record
    assert isinstance(back.record, AnonymousConsultation)
    assert "\r\n" in back.record.question


def test_control_character_is_refused_with_its_path() -> None:
    """A control character is refused by the model, and by the renderer if validation is skipped."""
    payload = sample("anonymous_consultation")
    payload["record"]["question"] = "a\x01b"
    with pytest.raises(RecordInvalid) as parsed:
        parse_message(payload, SETTINGS)
    assert [(p.path, p.code) for p in parsed.value.problems] == [
        ("record.question", "control_character")]
    message = parse_message(sample("anonymous_consultation"), SETTINGS)
    bypassed = message.model_copy(
        update={"record": message.record.model_copy(update={"question": "a\x01b"})})
    with pytest.raises(RecordInvalid) as info:
        message_to_xml(bypassed)
    assert [(p.path, p.code) for p in info.value.problems] == [
        ("/env:message/ano:anonymous_consultation/ano:question", "xml_invalid_character")]


def test_digit_only_replacement_id_cannot_be_carried() -> None:
    """A digit-only replacement id is refused by the model, and by the schema if bypassed."""
    payload = sample("underretning")
    payload["record"]["child"].update(id="12345", id_kind="replacement")
    with pytest.raises(RecordInvalid) as parsed:
        parse_message(payload, SETTINGS)
    assert [p.code for p in parsed.value.problems] == ["replacement_id_format"]
    message = parse_message(sample("underretning"), SETTINGS)
    record = message.record
    child = record.child.model_copy(update={"id": "12345", "id_kind": ChildIdKind.REPLACEMENT})
    bypassed = message.model_copy(update={"record": record.model_copy(update={"child": child})})
    with pytest.raises(RecordInvalid) as info:
        message_to_xml(bypassed)
    assert [p.path for p in info.value.problems] == [
        "/env:message/und:underretning/und:child/c:id"]
