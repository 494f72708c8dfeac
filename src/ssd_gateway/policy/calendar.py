"""The Danish working-day calendar: helligdage from the rule pack, closing days from the profile.

Working days are Monday to Friday except public holidays; Easter is computed (the anonymous
Gregorian algorithm), and every Easter-based holiday is an offset from Easter Sunday in the
rule pack, with an optional last year (Store Bededag was abolished after 2023).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta


def easter_sunday(year: int) -> date:
    """Return Easter Sunday of ``year`` in the Gregorian calendar."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@dataclass(frozen=True)
class EasterHoliday:
    """A holiday at a fixed distance from Easter Sunday, kept until ``until_year`` if given."""

    offset: int
    name: str
    until_year: int | None = None


@dataclass(frozen=True)
class ClosingDay:
    """A municipal closing day: every year (``MM-DD``) or once (``YYYY-MM-DD``)."""

    month: int
    day: int
    year: int | None = None

    @classmethod
    def parse(cls, text: str) -> ClosingDay:
        """Parse ``MM-DD`` or ``YYYY-MM-DD``; raise ValueError otherwise."""
        parts = text.split("-")
        if len(parts) == 2:
            found = cls(int(parts[0]), int(parts[1]))
            date(2000, found.month, found.day)  # 2000 is a leap year: 02-29 is allowed
            return found
        day = date.fromisoformat(text)
        return cls(day.month, day.day, day.year)


@dataclass
class WorkingDayCalendar:
    """Public holidays of the pack plus the closing days of a municipal profile."""

    fixed: tuple[tuple[int, int], ...]
    easter: tuple[EasterHoliday, ...]
    closing: tuple[ClosingDay, ...] = ()
    _years: dict[int, frozenset[date]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_pack(cls, data: Mapping[str, object]) -> WorkingDayCalendar:
        """Build the calendar from a rule pack's ``calendar`` section."""
        fixed = data.get("fixed") or {}
        easter = data.get("easter") or []
        assert isinstance(fixed, Mapping) and isinstance(easter, list)
        return cls(
            fixed=tuple((int(k[:2]), int(k[3:])) for k in fixed),
            easter=tuple(EasterHoliday(**entry) for entry in easter),
        )

    def with_closing_days(self, days: Iterable[ClosingDay]) -> WorkingDayCalendar:
        """Return a copy that also treats the municipal closing ``days`` as non-working."""
        return WorkingDayCalendar(self.fixed, self.easter, tuple(days))

    def holidays(self, year: int) -> frozenset[date]:
        """Return the public holidays and closing days of ``year``."""
        cached = self._years.get(year)
        if cached is None:
            sunday = easter_sunday(year)
            days = {date(year, m, d) for m, d in self.fixed}
            days.update(
                sunday + timedelta(days=h.offset)
                for h in self.easter
                if h.until_year is None or year <= h.until_year
            )
            for closing in self.closing:
                if closing.year in (None, year):
                    try:
                        days.add(date(year, closing.month, closing.day))
                    except ValueError:  # 02-29 in a year that has none
                        continue
            cached = self._years[year] = frozenset(days)
        return cached

    def is_working_day(self, day: date) -> bool:
        """Return True if ``day`` is a Monday–Friday that is no holiday or closing day."""
        return day.weekday() < 5 and day not in self.holidays(day.year)

    def add_working_days(self, day: date, count: int) -> date:
        """Return the ``count``-th working day after ``day`` (``day`` itself never counts)."""
        current = day
        while count > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count -= 1
        return current
