"""The Danish working-day calendar and the six-working-day receipt deadline."""

from __future__ import annotations

from datetime import date

import pytest

from ssd_gateway.policy import decide, load_pack
from ssd_gateway.policy.calendar import ClosingDay, easter_sunday
from tests.policy.builders import underretning


@pytest.mark.parametrize("year,expected", [
    (2000, date(2000, 4, 23)), (2019, date(2019, 4, 21)), (2023, date(2023, 4, 9)),
    (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
    (2038, date(2038, 4, 25)),
])
def test_easter_sunday(year: int, expected: date) -> None:
    """Easter Sunday is computed correctly, including the earliest and latest cases seen."""
    assert easter_sunday(year) == expected


def test_holidays_2026() -> None:
    """The 2026 helligdage are the pack's fixed days plus the Easter-based ones."""
    calendar = load_pack("dk-sel-2011").calendar
    assert calendar.holidays(2026) == {
        date(2026, 1, 1), date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 5),
        date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 24), date(2026, 5, 25),
        date(2026, 12, 25), date(2026, 12, 26),
    }


def test_store_bededag_2023_but_not_2024() -> None:
    """Store Bededag (4th Friday after Easter) is a holiday in 2023 and abolished from 2024."""
    calendar = load_pack("dk-sel-2011").calendar
    assert not calendar.is_working_day(date(2023, 5, 5))
    assert calendar.is_working_day(date(2024, 4, 26))


def _due(at: str, profile: dict[str, object] | None = None) -> str:
    obligations = decide(underretning(at=at, profile=profile)).obligations
    return next(o for o in obligations if o.startswith("receipt_due:")).split(":", 1)[1]


def test_receipt_due_easter_2026() -> None:
    """DOMAIN.md's worked example: Tuesday 31 March 2026 → Monday 13 April 2026."""
    assert _due("2026-03-31T10:00:00+02:00") == "2026-04-13"


def test_receipt_due_ordinary_week() -> None:
    """Received Tuesday 10 March 2026 → due Wednesday 18 March (six working days after)."""
    assert _due("2026-03-10T10:00:00+01:00") == "2026-03-18"


def test_receipt_due_store_bededag_2023_vs_2024() -> None:
    """Thursday 4 May 2023 skips Store Bededag 5 May (due 15 May); 26 April 2024 counts."""
    assert _due("2023-05-04T10:00:00+02:00") == "2023-05-15"
    assert _due("2024-04-25T10:00:00+02:00") == "2024-05-03"


def test_receipt_due_received_on_weekend() -> None:
    """Received on a Saturday, the count starts on Monday."""
    assert _due("2026-03-14T10:00:00+01:00") == "2026-03-23"


def test_profile_closing_days_move_deadline() -> None:
    """Closing days of the profile (24 and 31 December) are not working days."""
    assert _due("2026-12-22T10:00:00+01:00") == "2026-12-31"
    assert _due("2026-12-22T10:00:00+01:00", {"id": "kbh"}) == "2027-01-05"
    assert _due("2026-12-22T10:00:00+01:00", {"closing_days": ["2026-12-28"]}) == "2027-01-04"


def test_closing_day_parse() -> None:
    """Closing days are MM-DD (yearly) or YYYY-MM-DD (once); nonsense is refused."""
    assert ClosingDay.parse("06-05") == ClosingDay(6, 5)
    assert ClosingDay.parse("2026-12-28") == ClosingDay(12, 28, 2026)
    with pytest.raises(ValueError):
        ClosingDay.parse("12-32")
