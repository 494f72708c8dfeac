"""How each canonical model class maps onto XML elements.

Render, read and the schema generator share this one description, so the documents we write,
the documents we read and the XSDs in ``schemas/`` cannot drift apart. A model class becomes a
complex type whose elements follow the field order; a list field becomes a repeated element;
a ``None`` field is left out; the record's ``kind`` is not an element (the record element's
name and namespace say it).
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Le, MinLen
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

from ssd_gateway.model import Child, Party, Person
from ssd_gateway.model.base import ChildId, DanishDate, MunicipalityCode
from ssd_gateway.xml.names import COMMON_NS, ITEM_NAMES

#: model classes shared by several kinds; their types live in common.xsd
COMMON_MODELS: tuple[type[BaseModel], ...] = (Child, Person, Party)

#: what marks a child id: its CPR-or-replacement-id check (the text check is every Text's)
_CHILD_ID = get_args(ChildId)[1:2]
_MUNICIPALITY = get_args(MunicipalityCode)[1:2]
_DANISH_DATE = get_args(DanishDate)[1:]
#: fields whose own validator has no public alias to recognise it by
_NAMED_TYPES: dict[tuple[type[BaseModel], str], str] = {(Party, "cvr"): "c:Cvr"}


@dataclass(frozen=True)
class Leaf:
    """The simple type of a leaf element: a named type, or inline facets."""

    type_name: str
    literal: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    enum: type[StrEnum] | None = None


@dataclass(frozen=True)
class Slot:
    """One field of a model class as an element: name, repetition and content."""

    field: str
    tag: str
    many: bool
    min_occurs: int
    model: type[BaseModel] | None = None
    leaf: Leaf | None = None
    record: bool = False


def owner_namespace(model: type[BaseModel], kind_ns: str) -> str:
    """Return the namespace of ``model``'s elements inside a document of ``kind_ns``."""
    return COMMON_NS if model in COMMON_MODELS else kind_ns


@cache
def slots(model: type[BaseModel]) -> tuple[Slot, ...]:
    """Return the elements of ``model`` in schema order (the record ``kind`` excluded)."""
    return tuple(
        _slot(model, name, info)
        for name, info in model.model_fields.items()
        if not (name == "kind" and get_origin(info.annotation) is Literal)
    )


@cache
def slots_by_tag(model: type[BaseModel]) -> dict[str, Slot]:
    """Return ``model``'s slots keyed by element name."""
    return {slot.tag: slot for slot in slots(model)}


@cache
def slots_by_field(model: type[BaseModel]) -> dict[str, Slot]:
    """Return ``model``'s slots keyed by field name."""
    return {slot.field: slot for slot in slots(model)}


def _slot(model: type[BaseModel], name: str, info: FieldInfo) -> Slot:
    many, inner, meta, union = _unwrap(info.annotation, list(info.metadata))
    min_len = next((m.min_length for m in meta if isinstance(m, MinLen)), 0)
    required = info.is_required()
    tag = ITEM_NAMES.get(name, name) if many else name
    if union:
        return Slot(name, tag, many=False, min_occurs=1, record=True)
    min_occurs = (min_len if required else 0) if many else int(required)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return Slot(name, tag, many, min_occurs, model=inner)
    return Slot(name, tag, many, min_occurs, leaf=_leaf(model, name, inner, meta, many))


def _unwrap(annotation: Any, meta: list[Any]) -> tuple[bool, Any, list[Any], bool]:
    many = False
    current = annotation
    while True:
        origin = get_origin(current)
        if origin is Annotated:
            current, *extra = get_args(current)
            meta += extra
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(current) if a is not type(None)]
            if len(members) > 1:
                return many, current, meta, True
            current = members[0]
        elif origin is list:
            many, current = True, get_args(current)[0]
        else:
            return many, current, meta, False


def _leaf(model: type[BaseModel], name: str, inner: Any, meta: list[Any], many: bool) -> Leaf:
    named = _NAMED_TYPES.get((model, name))
    if named:
        return Leaf(named)
    if any(m in _CHILD_ID for m in meta):
        return Leaf("c:ChildId")
    if any(m in _MUNICIPALITY for m in meta):
        return Leaf("c:MunicipalityCode")
    if inner is date or any(m in _DANISH_DATE for m in meta):
        return Leaf("c:IsoDate")
    if inner in (datetime, AwareDatetime):
        return Leaf("c:DateTimeWithZone")
    if inner is bool:
        return Leaf("xs:boolean")
    if inner is int:
        low = next((int(m.ge) for m in meta if isinstance(m, Ge) and isinstance(m.ge, int)), None)
        high = next((int(m.le) for m in meta if isinstance(m, Le) and isinstance(m.le, int)), None)
        return Leaf("xs:integer", minimum=low, maximum=high)
    if isinstance(inner, type) and issubclass(inner, StrEnum):
        return Leaf(f"c:{inner.__name__}", enum=inner)
    if get_origin(inner) is Literal:
        return Leaf("xs:token", literal=tuple(str(v) for v in get_args(inner)))
    if inner is str:
        non_empty = not many and any(isinstance(m, MinLen) and m.min_length >= 1 for m in meta)
        return Leaf("c:NonEmptyString" if non_empty else "xs:string")
    raise TypeError(f"{model.__name__}.{name}: no XML mapping for {inner!r}")
