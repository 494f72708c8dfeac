"""The mapping file, as pydantic models: what a YAML mapping may say, and nothing more.

Every model forbids unknown keys, so a misspelt ``trasnforms`` is an error with its line.
Semantic checks that need the source format or the target model (path syntax, target
fields, code-map names) live in ``ssd_gateway.mapping.check``.
"""

from __future__ import annotations

import codecs
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator


class Strict(BaseModel):
    """A mapping section: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class XmlSource(Strict):
    """An XML export: namespaces by prefix, and the path of the repeated record element."""

    format: Literal["xml"]
    namespaces: dict[str, str] = Field(default_factory=dict)
    record: str = Field(min_length=1, description="/p:Root/p:Record, //p:Record or p:Record")
    year_pivot: int | None = Field(default=None, ge=0, le=99)


class JsonSource(Strict):
    """A JSON export: the records are the array (or the object) at ``records``."""

    format: Literal["json"]
    records: str = Field(default="", description="JSON pointer (/a/b) or dotted path (a.b)")
    year_pivot: int | None = Field(default=None, ge=0, le=99)


class CsvSource(Strict):
    """A CSV export: delimiter, encoding and (optionally) the expected header names."""

    format: Literal["csv"]
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8"
    header_row: bool = True
    header: list[str] | None = None
    year_pivot: int | None = Field(default=None, ge=0, le=99)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding '{value}'") from None
        return value

    @model_validator(mode="after")
    def _header_needed(self) -> Self:
        if not self.header_row and not self.header:
            raise ValueError("a CSV without a header row needs 'header' (the column names)")
        return self


Source = Annotated[XmlSource | JsonSource | CsvSource, Field(discriminator="format")]


class Target(Strict):
    """The canonical record kind the mapping produces."""

    kind: str


class DateOptions(Strict):
    """Options of the ``date`` transform."""

    pivot: int | None = Field(default=None, ge=0, le=99)


class DatetimeOptions(Strict):
    """Options of the ``datetime`` transform: the zone of times written without one."""

    timezone: str = "Europe/Copenhagen"


class BoolOptions(Strict):
    """Options of the ``bool`` transform: the words that mean yes and no."""

    true: list[str] = Field(default_factory=lambda: ["ja", "j", "x", "yes", "true", "1", "sand"])
    false: list[str] = Field(default_factory=lambda: ["nej", "n", "no", "false", "0", "falsk"])


class ReplaceOptions(Strict):
    """Options of the ``replace`` transform: a regular expression and its replacement."""

    pattern: str
    with_: str = Field(default="", alias="with")


_NO_ARGUMENT = {"upper", "lower", "date", "datetime", "bool", "int", "first"}


def _transform_shorthand(value: object) -> object:
    """Accept ``date`` for ``{date: {}}`` and ``upper`` for ``{upper: true}``."""
    if isinstance(value, str):
        if value in {"date", "datetime", "bool"}:
            return {value: {}}
        return {value: True}
    if isinstance(value, dict):
        return {k: ({} if v is None and k in _NO_ARGUMENT else v) for k, v in value.items()}
    return value


class Transform(Strict):
    """One step of a field's transforms; exactly one key is set."""

    date: DateOptions | None = None
    datetime_: DatetimeOptions | None = Field(default=None, alias="datetime")
    map: str | dict[str, Any] | None = None
    split: str | None = None
    join: str | None = None
    bool_: BoolOptions | None = Field(default=None, alias="bool")
    int_: Literal[True] | None = Field(default=None, alias="int")
    upper: Literal[True] | None = None
    lower: Literal[True] | None = None
    first: Literal[True] | None = None
    template: str | None = None
    replace: ReplaceOptions | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if len(self.model_fields_set) != 1:
            raise ValueError("each transform has exactly one key, e.g. {map: parter}")
        return self

    @property
    def name(self) -> str:
        """The transform's name as written in the mapping file."""
        field = next(iter(self.model_fields_set))
        return type(self).model_fields[field].alias or field


TransformStep = Annotated[Transform, BeforeValidator(_transform_shorthand)]
#: the names a mapping file may use in ``transforms``
TRANSFORM_NAMES = tuple(sorted(f.alias or name for name, f in Transform.model_fields.items()))


class Condition(Strict):
    """``when``: the field is produced only if the value at ``path`` passes one test."""

    path: str
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    present: bool | None = None
    matches: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        tests = self.model_fields_set - {"path"}
        if len(tests) != 1:
            raise ValueError("'when' needs 'path' and exactly one of "
                             "equals, not_equals, in, present, matches")
        return self

    @property
    def test(self) -> str:
        """The name of the test (equals, not_equals, in, present, matches)."""
        field = next(iter(self.model_fields_set - {"path"}))
        return type(self).model_fields[field].alias or field


class Each(Strict):
    """A repeating group: the nodes at ``path``, or the parts of its text split by ``split``."""

    path: str
    split: str | None = None


def _each_shorthand(value: object) -> object:
    return {"path": value} if isinstance(value, str) else value


class FieldRule(Strict):
    """How one target field is produced. Exactly one of path, concat, const, fields."""

    path: str | None = None
    concat: list[str] | None = Field(default=None, min_length=1)
    separator: str = " "
    const: Any = None
    default: Any = None
    required: bool = False
    when: Condition | None = None
    transforms: list[TransformStep] = Field(default_factory=list)
    each: Annotated[Each | None, BeforeValidator(_each_shorthand)] = None
    fields: dict[str, FieldRule] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        sources = [k for k in ("path", "concat", "const", "fields") if k in self.model_fields_set]
        if len(sources) != 1:
            raise ValueError("a field rule needs exactly one of path, concat, const, fields "
                             f"(found: {', '.join(sources) or 'none'})")
        if self.each is not None and self.fields is None:
            raise ValueError("'each' needs 'fields' (the fields of every repeated entry)")
        if "separator" in self.model_fields_set and self.concat is None:
            raise ValueError("'separator' belongs with 'concat'")
        return self


class MappingSpec(Strict):
    """A whole mapping file: identity, source format, target kind, code maps and fields."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    version: str = Field(min_length=1)
    title: str | None = None
    description: str | None = None
    source: Source
    target: Target
    codes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    fields: dict[str, FieldRule]

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) else value
