"""Each transform does one thing to a value, and says why when it cannot."""

from __future__ import annotations

import pytest

from ssd_gateway.mapping.transforms import (
    TransformFailed,
    code_map,
    join,
    replace,
    split,
    template,
    to_bool,
    to_date,
    to_datetime,
    to_int,
)


@pytest.mark.parametrize(("text", "iso"), [
    ("06.09.2007", "2007-09-06"), ("07.11.07", "2007-11-07"), ("6.9.2007", "2007-09-06"),
    ("06-09-2007", "2007-09-06"), ("2007-09-06", "2007-09-06"), ("01.01.51", "1951-01-01"),
])
def test_danish_dates_become_iso(text: str, iso: str) -> None:
    """Every Danish date form of model.dates comes out as ISO 8601 (pivot 50)."""
    assert to_date(50)(text) == iso


def test_impossible_and_unknown_dates_fail_with_the_model_codes() -> None:
    """30.02.2008 is impossible and 'i går' is no date, with the model's codes."""
    with pytest.raises(TransformFailed) as impossible:
        to_date(50)("30.02.2008")
    with pytest.raises(TransformFailed) as unknown:
        to_date(50)("i går")
    assert (impossible.value.code, unknown.value.code) == ("date_impossible", "date_format")


def test_datetimes_get_the_danish_offset_for_their_season() -> None:
    """Local times get +01:00 in winter and +02:00 in summer; 'kl.' forms are read."""
    convert = to_datetime("Europe/Copenhagen", 50)
    assert convert("13.03.2026 14:05") == "2026-03-13T14:05:00+01:00"
    assert convert("13.07.2026 kl. 9.30") == "2026-07-13T09:30:00+02:00"
    assert convert("2026-03-13T14:05:00+00:00") == "2026-03-13T14:05:00+00:00"
    with pytest.raises(TransformFailed):
        convert("snart")


def test_code_map_exact_then_case_insensitive_then_fallback() -> None:
    """Codes match exactly, then ignoring case; '*' catches the rest; else unknown_code."""
    convert = code_map("parter", {"SPL": "municipal_health", "Læge": "general_practitioner"})
    assert convert("SPL") == "municipal_health" and convert("LÆGE") == "general_practitioner"
    with pytest.raises(TransformFailed) as info:
        convert("XYZ")
    assert info.value.code == "unknown_code" and info.value.context == {"codes": "parter"}
    assert code_map("p", {"*": "other"})("XYZ") == "other"


def test_yes_no_words_and_integers() -> None:
    """Ja/Nej/X become booleans; other words fail; whole numbers parse."""
    convert = to_bool(["ja", "x"], ["nej", ""])
    assert (convert("Ja"), convert("X"), convert("NEJ"), convert(True)) == (True, True, False, True)
    with pytest.raises(TransformFailed):
        convert("måske")
    assert to_int(" 4 ") == 4
    with pytest.raises(TransformFailed):
        to_int("fire")


def test_split_join_template_replace() -> None:
    """Split drops empty parts; join, template and replace do what they say."""
    assert split(",")("DI, SPL,,PPR ") == ["DI", "SPL", "PPR"]
    assert join(" og ")(["Lilly", "Ib"]) == "Lilly og Ib"
    assert template("samtykke-{}")("14") == "samtykke-14"
    assert replace(r"\s+", " ")("a   b") == "a b"
