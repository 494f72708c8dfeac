"""CPR numbers: ten digits whose first six are a real DDMMYY date.

Modulus 11 is not required: CPR numbers without it have been issued since 2007.
The century follows the CPR office's table for the seventh digit.
"""

from __future__ import annotations

import re
from datetime import date

_CPR = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")
#: a CPR-like number inside free text, with or without the dash
CPR_IN_TEXT = re.compile(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)")
#: tokens that are identifiers by construction (canonical UUIDs, hex of 32+ characters such as
#: hashes); a digit run inside one is not a CPR number, however it looks
ID_TOKEN = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}|[0-9a-fA-F]{32,})(?![0-9A-Za-z])")


def normalise(value: str) -> str:
    """Return the ten digits of ``value`` (``DDMMYY-SSSS`` or ``DDMMYYSSSS``); raise ValueError."""
    match = _CPR.match(value.strip())
    if not match:
        raise ValueError("not_cpr_format")
    birth_date(value)
    return "".join(match.groups())


def _century(yy: int, seventh: int) -> int:
    if seventh <= 3:
        return 1900
    if seventh in (4, 9):
        return 2000 if yy <= 36 else 1900
    return 2000 if yy <= 57 else 1800


def birth_date(value: str) -> date:
    """Return the birth date encoded in a CPR number; raise ValueError if it is no date."""
    match = _CPR.match(value.strip())
    if not match:
        raise ValueError("not_cpr_format")
    dd, mm, yy, serial = match.groups()
    year = _century(int(yy), int(serial[0])) + int(yy)
    try:
        return date(year, int(mm), int(dd))
    except ValueError:
        raise ValueError("cpr_impossible_date") from None


def _outside_ids(text: str) -> list[tuple[int, int]]:
    """The spans of ``text`` that are not identifier tokens."""
    spans, start = [], 0
    for token in ID_TOKEN.finditer(text):
        spans.append((start, token.start()))
        start = token.end()
    spans.append((start, len(text)))
    return spans


def looks_like_cpr(text: str) -> bool:
    """Return True if ``text`` contains a ten-digit number whose first six digits are a date.

    Digits inside identifier tokens (UUIDs, long hex hashes) do not count.
    """
    if ID_TOKEN.search(text):
        return any(looks_like_cpr(text[a:b]) for a, b in _outside_ids(text) if b > a)
    for six, four in CPR_IN_TEXT.findall(text):
        try:
            birth_date(six + four)
        except ValueError:
            continue
        return True
    return False


def mask_cpr(text: str, mask: str = "##########") -> str:
    """Replace every CPR-like number in ``text`` by ``mask``, leaving identifier tokens intact."""
    if not ID_TOKEN.search(text):
        return CPR_IN_TEXT.sub(mask, text)
    parts: list[str] = []
    last = 0
    for a, b in _outside_ids(text):
        parts.append(text[last:a])
        parts.append(CPR_IN_TEXT.sub(mask, text[a:b]))
        last = b
    return "".join(parts)
