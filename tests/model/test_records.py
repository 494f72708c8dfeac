"""Canonical records: each kind validates, and each bad input names its exact path."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.model import (
    ValidationSettings,
    parse_message,
    parse_record,
    record_json_text,
    record_to_json,
)
from ssd_gateway.samples import sample_message_data

TODAY = date(2026, 3, 10)
SETTINGS = ValidationSettings(today=TODAY)


def data(kind: str) -> dict[str, Any]:
    """A fresh copy of the sample message of ``kind``."""
    return copy.deepcopy(sample_message_data(TODAY)[kind])


def problems(payload: object) -> dict[str, str]:
    """Map path -> code of every problem found in a message payload."""
    with pytest.raises(RecordInvalid) as info:
        parse_message(payload, SETTINGS)
    return {p.path: p.code for p in info.value.problems}


def test_every_sample_kind_is_valid() -> None:
    """One sample of each of the twelve record kinds validates."""
    for kind, payload in sample_message_data(TODAY).items():
        assert parse_message(payload, SETTINGS).kind == kind


def test_impossible_cpr_is_reported_at_its_path() -> None:
    """A CPR whose date part is 34th month is reported at record.child.id."""
    payload = data("underretning")
    payload["record"]["child"]["id"] = "123456-7891"
    assert problems(payload) == {"record.child.id": "cpr_impossible_date"}


def test_cpr_and_birth_date_must_agree() -> None:
    """A birth date different from the CPR's date part is reported at birth_date."""
    payload = data("stafetlog")
    payload["record"]["child"]["birth_date"] = "2019-01-13"
    assert problems(payload) == {"record.child.birth_date": "cpr_birth_date_mismatch"}


def test_impossible_journal_date_is_reported_at_its_entry() -> None:
    """30.02.2008 in the third field of a dated entry names that entry's path."""
    payload = data("stafetlog")
    payload["record"]["section_a"]["assessments"][0]["date"] = "30.02.2008"
    assert problems(payload) == {"record.section_a.assessments[0].date": "date_impossible"}


def test_danish_date_formats_are_normalised_in_records() -> None:
    """A stafetlog written with 06.09.07-style dates comes out with ISO dates."""
    payload = data("stafetlog")
    payload["record"]["section_a"]["assessments"][0]["date"] = "03.09.25"
    message = parse_message(payload, SETTINGS)
    dumped = message.model_dump(mode="json")
    assert dumped["record"]["section_a"]["assessments"][0]["date"] == "2025-09-03"


def test_future_dated_entry_is_refused() -> None:
    """An assessment dated after today is reported at that entry."""
    payload = data("stafetlog")
    payload["record"]["section_a"]["assessments"][0]["date"] = "2026-04-01"
    payload["record"]["last_updated"] = "2026-04-02"
    found = problems(payload)
    assert found["record.section_a.assessments[0].date"] == "future_date"


def test_entry_after_last_update_is_refused() -> None:
    """The seed's '15.11.08' after lastUpdated 15.01.2008 case is caught."""
    payload = data("stafetlog")
    payload["record"]["last_updated"] = "2026-01-01"
    payload["record"]["section_b"]["plan"][0]["date"] = "2026-02-01"
    assert problems(payload)["record.section_b.plan[0].date"] == "after_last_update"


def test_underretning_form_must_fit_age() -> None:
    """A pre-school form for a seven-year-old is refused at form_variant, naming the right one."""
    payload = data("underretning")
    payload["record"]["form_variant"] = "pre_school"
    with pytest.raises(RecordInvalid) as info:
        parse_message(payload, SETTINGS)
    (problem,) = info.value.problems
    assert problem.path == "record.form_variant"
    assert "school" in problem.message_en and "7" in problem.message_da


def test_consent_longer_than_policy_maximum_is_refused() -> None:
    """valid_until after signed_at + consent_max_days is reported at valid_until."""
    payload = data("consent")
    payload["record"]["valid_until"] = "2027-06-01"
    assert problems(payload) == {"record.valid_until": "consent_too_long"}


def test_consent_maximum_comes_from_settings() -> None:
    """A municipality allowing 730 days accepts what the 365-day default refuses."""
    record = data("consent")["record"]
    record["valid_until"] = "2027-06-01"
    consent = parse_record(record, ValidationSettings(today=TODAY, consent_max_days=730))
    assert consent.kind == "consent"


def test_open_stafetlog_needs_a_holder() -> None:
    """An open stafetlog without a stafetholder is refused at holder."""
    payload = data("stafetlog")
    del payload["record"]["holder"]
    assert problems(payload) == {"record.holder": "holder_required"}


def test_unknown_field_and_kind_are_named() -> None:
    """An unknown field is refused at its path; an unknown kind names the allowed kinds."""
    payload = data("consent")
    payload["record"]["everyone"] = True
    assert problems(payload) == {"record.everyone": "extra_forbidden"}
    payload = data("consent")
    payload["record"]["kind"] = "letter"
    assert problems(payload) == {"record": "union_tag_invalid"}


def test_problems_are_bilingual() -> None:
    """Every problem carries a Danish and an English text."""
    payload = data("underretning")
    payload["record"]["child"]["id"] = "3102154321"
    with pytest.raises(RecordInvalid) as info:
        parse_message(payload, SETTINGS)
    problem = info.value.problems[0]
    assert "CPR-nummerets" in problem.render("da")
    assert "CPR number" in problem.render("en")


def test_dated_fields_are_every_date_and_dated_entry_of_the_sections() -> None:
    """The future/last-update check sees every date of sections A and B except planned
    ones, as a walk over every field's value finds them."""
    from datetime import date as day_type

    payload = data("stafetlog")
    payload["record"]["section_a"]["parents_informed_on"] = "2026-01-05"
    log = parse_message(payload, SETTINGS).record
    planned = {"next_review_on", "due", "follow_up_on"}

    def walk(prefix: str, section: Any) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        for name in type(section).model_fields:
            value = getattr(section, name)
            if name in planned:
                continue
            if isinstance(value, day_type):
                found.append((f"{prefix}.{name}", value))
            elif isinstance(value, list):
                found += [(f"{prefix}.{name}[{i}].date", item.date)
                          for i, item in enumerate(value) if hasattr(item, "date")]
        return found

    expected = [("created_on", log.created_on), *walk("section_a", log.section_a),
                *walk("section_b", log.section_b)]
    assert log.section_b is not None and len(expected) > 6
    assert log.dated_fields() == expected


def test_record_json_text_is_the_canonical_json() -> None:
    """``record_json_text`` (pydantic-core's serialiser) gives, parsed back, exactly
    ``record_to_json`` of every kind, with Danish letters, quotes and line breaks kept."""
    for kind, payload in sample_message_data(TODAY).items():
        record = parse_message(payload, SETTINGS).record
        for indent in (None, 2):
            text = record_json_text(record, indent=indent)
            assert json.loads(text) == record_to_json(record), kind
    record = parse_record({**data("underretning")["record"],
                           "reason_for_concern": 'Æbler "og" pærer\nny linje'}, SETTINGS)
    text = record_json_text(record)
    assert "Æbler" in text
    assert json.loads(text)["reason_for_concern"] == 'Æbler "og" pærer\nny linje'
