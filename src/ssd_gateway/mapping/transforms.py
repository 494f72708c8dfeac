"""Transforms: small functions from a source value to a target value, compiled once.

Lists are transformed item by item, except by ``split`` (text → list), ``join``
(list → text) and ``first`` (list → its first item). A transform that cannot handle a value
raises ``TransformFailed`` with a stable code; the engine reports it at the value's source
location and goes on with the record's other fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ssd_gateway.mapping.spec import Transform
from ssd_gateway.model.dates import DEFAULT_PIVOT, parse_danish_date

Fn = Callable[[Any], Any]
_TIME = re.compile(r"^(.*?)[ T]+(?:kl\.?\s*)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
#: dates remembered per date transform (the same dates recur within and across records)
_DATES_KEPT = 4096
#: the key of a code map's fallback: what an unlisted code becomes
FALLBACK = "*"


class TransformFailed(ValueError):
    """A value did not fit a transform; ``code`` and ``context`` explain why."""

    def __init__(self, code: str, **context: object) -> None:
        super().__init__(code)
        self.code = code
        self.context = context


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TransformFailed("not_text")
    return value


def _each(fn: Fn, text: Fn | None = None) -> Fn:
    """``fn`` on a value, or on each item of a list. ``.one`` is the function to call on a
    value known to be text (``text`` if given: the same result, cheaper)."""
    def apply(value: Any) -> Any:
        if isinstance(value, list):
            return [fn(v) for v in value]
        return fn(value)

    apply.one = text or fn  # type: ignore[attr-defined]
    return apply


def to_date(pivot: int) -> Fn:
    """Danish date (06.09.2007, 07.11.07, 2007-09-06) → ISO date text."""

    seen: dict[str, str] = {}

    def convert(value: Any) -> str:
        if value.__class__ is str:
            known = seen.get(value)
            if known is not None:
                return known
        try:
            text = parse_danish_date(value, pivot).isoformat()
        except ValueError as exc:
            raise TransformFailed(str(exc)) from None
        if value.__class__ is str:
            if len(seen) >= _DATES_KEPT:
                seen.clear()
            seen[value] = text
        return text

    return convert


def to_datetime(zone_name: str, pivot: int) -> Fn:
    """``14.03.2026 13:05`` (or ISO) in ``zone_name`` → ISO date-time with its UTC offset."""
    zone = ZoneInfo(zone_name)

    def convert(value: Any) -> str:
        text = _text(value).strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = _danish_datetime(text, pivot)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed.isoformat()

    return convert


def _danish_datetime(text: str, pivot: int) -> datetime:
    match = _TIME.match(text)
    day_text, clock = (match[1], match) if match else (text, None)
    try:
        day: date = parse_danish_date(day_text, pivot)
        moment = time(int(clock[2]), int(clock[3]), int(clock[4] or 0)) if clock else time()
    except ValueError:
        raise TransformFailed("datetime_format") from None
    return datetime.combine(day, moment)


def code_map(name: str, table: Mapping[str, Any]) -> Fn:
    """A journal's local code → a canonical code; ``*`` is the fallback for unlisted codes."""
    folded = {k.casefold(): v for k, v in table.items()}

    def convert(value: Any) -> Any:
        key = str(value).strip()
        if key in table:
            return table[key]
        if key.casefold() in folded:
            return folded[key.casefold()]
        if FALLBACK in table:
            return table[FALLBACK]
        raise TransformFailed("unknown_code", codes=name)

    return convert


def split(separator: str) -> Fn:
    """Text → list of its non-empty, stripped parts."""

    def convert(value: Any) -> list[str]:
        items = value if isinstance(value, list) else [value]
        return [p.strip() for v in items for p in _text(v).split(separator) if p.strip()]

    return convert


def join(separator: str) -> Fn:
    """List → text joined by ``separator``."""

    def convert(value: Any) -> str:
        items = value if isinstance(value, list) else [value]
        return separator.join(str(v) for v in items)

    return convert


def to_bool(true_words: list[str], false_words: list[str]) -> Fn:
    """Ja/Nej, X, 1/0 … → true/false (case-insensitive)."""
    yes = {w.casefold() for w in true_words}
    no = {w.casefold() for w in false_words}

    def convert(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        word = str(value).strip().casefold()
        if word in yes:
            return True
        if word in no:
            return False
        raise TransformFailed("not_boolean")

    return convert


def to_int(value: Any) -> int:
    """Text of a whole number → int."""
    if isinstance(value, bool):
        raise TransformFailed("not_integer")
    try:
        return int(str(value).strip())
    except ValueError:
        raise TransformFailed("not_integer") from None


def template(pattern: str) -> Fn:
    """Put the value into ``pattern`` at ``{}`` (e.g. ``samtykke-{}``)."""

    def convert(value: Any) -> str:
        try:
            return pattern.format(value)
        except (IndexError, KeyError, ValueError):
            raise TransformFailed("template_failed") from None

    return convert


def replace(pattern: str, replacement: str) -> Fn:
    """Regular-expression replacement in text."""
    regex = re.compile(pattern)
    return lambda value: regex.sub(replacement, _text(value))


def first(value: Any) -> Any:
    """List → its first item (None if empty); other values pass through."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def compile_transform(step: Transform, codes: Mapping[str, Mapping[str, Any]],
                      pivot: int | None) -> Fn:
    """Return the function of one transform step (code-map names are checked beforehand)."""
    year_pivot = DEFAULT_PIVOT if pivot is None else pivot
    if step.date is not None:
        return _each(to_date(step.date.pivot if step.date.pivot is not None else year_pivot))
    if step.datetime_ is not None:
        return _each(to_datetime(step.datetime_.timezone, year_pivot))
    if step.map is not None:
        if isinstance(step.map, str):
            return _each(code_map(step.map, codes[step.map]))
        return _each(code_map("inline", {str(k): v for k, v in step.map.items()}))
    if step.split is not None:
        return split(step.split)
    if step.join is not None:
        return join(step.join)
    if step.bool_ is not None:
        return _each(to_bool(step.bool_.true, step.bool_.false))
    if step.template is not None:
        return _each(template(step.template))
    if step.replace is not None:
        return _each(replace(step.replace.pattern, step.replace.with_))
    if step.first:
        return first
    simple: dict[str, tuple[Fn, Fn | None]] = {
        "int": (to_int, None), "upper": (lambda v: _text(v).upper(), str.upper),
        "lower": (lambda v: _text(v).lower(), str.lower)}
    return _each(*simple[step.name])
