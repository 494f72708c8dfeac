"""Dates as Danish journals write them, normalised to ISO 8601.

Accepted: ISO (``2007-09-06``), ``06.09.2007``, ``6.9.2007``, ``06-09-2007``, ``06/09/2007`` and
two-digit years (``07.11.07``), which need a pivot: ``yy <= pivot`` is 20yy, otherwise 19yy.
"""

from __future__ import annotations

import re
from datetime import date, datetime

DEFAULT_PIVOT = 50
_DANISH = re.compile(r"^(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{2}|\d{4})$")


def parse_danish_date(value: object, pivot: int = DEFAULT_PIVOT) -> date:
    """Return ``value`` as a date; raise ValueError with a code if it is none."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("date_type")
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = _DANISH.match(text)
    if not match:
        raise ValueError("date_format")
    day, month, year_text = int(match[1]), int(match[2]), match[3]
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year <= pivot else 1900
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("date_impossible") from None
