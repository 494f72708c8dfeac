"""Shared pydantic configuration, validation context and field types of the model.

Validation takes a context (``ValidationSettings``): the two-digit-year pivot, "today" for
future-date checks and the policy maximum for consent validity. Errors are translated once,
in ``translate_errors``, into path-addressed ``Problem`` objects in Danish and English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from ssd_gateway.exceptions import Problem
from ssd_gateway.model import cpr
from ssd_gateway.model.dates import DEFAULT_PIVOT, parse_danish_date
from ssd_gateway.model.messages import texts


@dataclass(frozen=True)
class ValidationSettings:
    """Parameters of record validation that the municipality or the caller chooses."""

    year_pivot: int = DEFAULT_PIVOT
    today: date = field(default_factory=date.today)
    consent_max_days: int = 365


def settings_of(info: ValidationInfo) -> ValidationSettings:
    """Return the validation settings passed as context, or the defaults."""
    ctx = info.context
    if isinstance(ctx, ValidationSettings):
        return ctx
    return ValidationSettings()


def fail(code: str, **context: Any) -> PydanticCustomError:
    """Build a pydantic error carrying one of our stable codes."""
    return PydanticCustomError(code, texts(code, context, code)[1], context or None)


def _danish_date(value: object, info: ValidationInfo) -> date:
    try:
        return parse_danish_date(value, settings_of(info).year_pivot)
    except ValueError as exc:
        raise fail(str(exc)) from None


#: the two ways a ``DanishDate`` is read, named in pydantic's error locations: ISO text (as
#: mappings, messages and most callers write dates) by pydantic-core, without a Python call;
#: anything else (Danish formats with the settings' pivot, date objects) by ``_danish_date``
_ISO_DATE, _ANY_DATE = "iso-date", "danish-date"


def _danish_date_schema(_source: Any, _handler: GetCoreSchemaHandler) -> CoreSchema:
    iso = core_schema.chain_schema([
        core_schema.str_schema(strict=True, pattern=r"^\d{4}-\d{2}-\d{2}$"),
        core_schema.date_schema()])
    other = core_schema.with_info_before_validator_function(_danish_date,
                                                            core_schema.date_schema())
    return core_schema.union_schema([(iso, _ISO_DATE), (other, _ANY_DATE)],
                                    mode="left_to_right")


def _cpr_or_id(value: object) -> object:
    if isinstance(value, str) and value.strip().replace("-", "").isdigit():
        stripped = value.strip()
        if len(stripped.replace("-", "")) == 10:
            try:
                return cpr.normalise(stripped)
            except ValueError as exc:
                raise fail(str(exc)) from None
    return value


def _municipality(value: object) -> object:
    if not (isinstance(value, str) and len(value) == 4 and value.isdigit()):
        raise fail("municipality_code")
    return value


#: no control character but tab, line feed and carriage return; checked by pydantic-core
#: (in Rust: no Python call per field)
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_PRINTABLE = StringConstraints(pattern=PRINTABLE)

#: text: line breaks and tabs allowed, no other control characters (XML cannot carry them);
#: a break of the rule is reported as ``control_character`` (``translate_errors``)
Text = Annotated[str, _PRINTABLE]
DanishDate = Annotated[date, GetPydanticSchema(_danish_date_schema),
                       WithJsonSchema({"type": "string", "format": "date"})]
MunicipalityCode = Annotated[str, BeforeValidator(_municipality), _PRINTABLE]
ChildId = Annotated[str, BeforeValidator(_cpr_or_id), _PRINTABLE]


class Model(BaseModel):
    """Base of every canonical record: unknown fields are refused, values are checked.

    Text fields are typed ``Text``: they may hold line breaks and tabs but no other control
    characters (XML cannot carry them); ``tests/model/test_text_fields.py`` checks that no
    field of any record is a plain ``str``. (A check on every field, ``field_validator("*")``,
    cost a Python call per field of every record: a fifth of validating a mapped stafetlog.)
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


def _path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item.startswith("function-") or item in {"json-or-python[json=...]"}:
            continue
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts)


def _strip_union_tags(loc: tuple[int | str, ...], kinds: set[str]) -> tuple[int | str, ...]:
    return tuple(p for p in loc if not (isinstance(p, str) and p in kinds))


def translate_errors(
    exc: ValidationError, *, prefix: str = "", union_tags: set[str] | None = None
) -> list[Problem]:
    """Turn a pydantic ValidationError into path-addressed Problems."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        if _ISO_DATE in err["loc"]:
            continue  # a date that is not ISO text: the other reading's error says why
        loc = _strip_union_tags(tuple(err["loc"]), (union_tags or set()) | {_ANY_DATE})
        path = _path(loc)
        ctx = err.get("ctx") or {}
        code = err["type"]
        if code == "string_pattern_mismatch" and ctx.get("pattern") == PRINTABLE:
            code, ctx = "control_character", {}
        da, en = texts(code, ctx, err["msg"])
        for sub in ctx.get("paths") or [ctx.get("path")]:
            full = ".".join(p for p in (prefix, path, sub) if p)
            problems.append(Problem(path=full, code=code, message_da=da, message_en=en))
    return problems
