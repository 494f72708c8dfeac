"""CPR numbers and Danish date formats."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.model import ValidationSettings, cpr, parse_record
from ssd_gateway.model.dates import parse_danish_date
from ssd_gateway.samples import sample_message_data


def test_cpr_with_and_without_dash_normalises_to_ten_digits() -> None:
    """Both DDMMYY-SSSS and DDMMYYSSSS become ten digits."""
    assert cpr.normalise("020315-4321") == "0203154321"
    assert cpr.normalise("0203154321") == "0203154321"


def test_cpr_without_modulus_11_is_accepted() -> None:
    """A CPR number failing the old modulus-11 check is still valid (issued since 2007)."""
    digits = "0203154322"
    weights = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1]
    assert sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 != 0
    assert cpr.birth_date(digits) == date(2015, 3, 2)


@pytest.mark.parametrize("value", ["123456-7891", "3102154321", "0013154321"])
def test_cpr_with_impossible_date_is_refused(value: str) -> None:
    """The seed's example 123456-7891 (month 34) and 31 February are not dates."""
    with pytest.raises(ValueError, match="cpr_impossible_date"):
        cpr.normalise(value)


def test_cpr_century_follows_seventh_digit() -> None:
    """Seventh digit 4 with year 15 is 2015; seventh digit 1 with year 85 is 1985."""
    assert cpr.birth_date("0203154321").year == 2015
    assert cpr.birth_date("0203851321").year == 1985


def test_cpr_found_in_free_text_with_or_without_dash() -> None:
    """CPR-like numbers are found in text; a phone number is not a date and is ignored."""
    assert cpr.looks_like_cpr("barnet 020315-4321 går i 3.a")
    assert cpr.looks_like_cpr("cpr0203154321.")
    assert not cpr.looks_like_cpr("ring 9999999999")
    assert not cpr.looks_like_cpr("ingen tal her")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06.09.2007", date(2007, 9, 6)),
        ("07.11.07", date(2007, 11, 7)),
        ("2008-01-15", date(2008, 1, 15)),
        ("6.9.2007", date(2007, 9, 6)),
        ("15/01/2008", date(2008, 1, 15)),
        ("01.01.85", date(1985, 1, 1)),
    ],
)
def test_danish_dates_normalise_to_iso(text: str, expected: date) -> None:
    """Journal date formats become ISO dates; two-digit years use the default pivot 50."""
    assert parse_danish_date(text) == expected


def test_two_digit_year_pivot_is_configurable() -> None:
    """With pivot 5, '07' is 1907 rather than 2007."""
    assert parse_danish_date("07.11.07", pivot=5) == date(1907, 11, 7)


@pytest.mark.parametrize(("text", "code"), [("30.02.2008", "date_impossible"),
                                             ("onsdag d. 24. oktober", "date_format")])
def test_bad_dates_are_refused_with_a_code(text: str, code: str) -> None:
    """Impossible and unparseable dates raise with a stable code."""
    with pytest.raises(ValueError, match=code):
        parse_danish_date(text)


@pytest.mark.parametrize(("value", "expected"), [
    ("2007-09-06", date(2007, 9, 6)), (" 2007-09-06 ", date(2007, 9, 6)),
    ("06.09.2007", date(2007, 9, 6)), ("07.11.07", date(1907, 11, 7)),
    ("20070906", date(2007, 9, 6)), (date(2007, 9, 6), date(2007, 9, 6)),
    (datetime(2007, 9, 6, 10), date(2007, 9, 6)),
    ("2007-02-30", "date_format"), ("86400", "date_format"), ("x", "date_format"),
    ("30.02.2008", "date_impossible"), (5, "date_type"), (None, "date_type")])
def test_record_dates_read_iso_natively_and_the_rest_as_danish(value: Any,
                                                               expected: date | str) -> None:
    """A record's date field takes ISO text (read by pydantic-core), Danish formats with the
    settings' pivot, and dates; anything else is one problem at the field's own path."""
    data = sample_message_data(date(2026, 3, 10))["stafetlog"]["record"]
    settings = ValidationSettings(today=date(2026, 3, 10), year_pivot=5)
    if isinstance(expected, date):
        assert parse_record({**data, "created_on": value}, settings).created_on == expected
        return
    with pytest.raises(RecordInvalid) as info:
        parse_record({**data, "created_on": value}, settings)
    assert [(p.path, p.code) for p in info.value.problems] == [("created_on", expected)]


@given(st.dates(min_value=date(1951, 1, 1), max_value=date(2049, 12, 31)))
def test_every_date_survives_both_danish_formats(day: date) -> None:
    """Any date written DD.MM.YYYY or DD.MM.YY (inside the pivot window) parses back to itself."""
    assert parse_danish_date(day.strftime("%d.%m.%Y")) == day
    assert parse_danish_date(day.strftime("%d.%m.%y")) == day


def test_identifier_tokens_are_not_cpr_numbers() -> None:
    """A UUID or a hex hash whose digits happen to form a date is not taken for a CPR number."""
    uuid_text = "receipt_overdue:75571514-8463-4b70-ad02-89e2c354f7ce"
    sha = "ab" + "1203961234" + "cd" * 26
    assert not cpr.looks_like_cpr(uuid_text)
    assert not cpr.looks_like_cpr(f"hash {sha}")
    assert cpr.looks_like_cpr(f"{uuid_text} barn 020315-4321")
    assert cpr.mask_cpr(f"{uuid_text} 0203154321") == f"{uuid_text} ##########"
