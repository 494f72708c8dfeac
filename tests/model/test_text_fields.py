"""Every text field of every record refuses control characters, and says where."""

from __future__ import annotations

import copy
import types
from datetime import date
from typing import Annotated, Any, Union, get_args, get_origin

import pytest

import ssd_gateway.model  # noqa: F401  (loads every record class)
from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.model import ValidationSettings, parse_message
from ssd_gateway.model.base import PRINTABLE, Model
from ssd_gateway.samples import sample_message_data

TODAY = date(2026, 3, 10)
SETTINGS = ValidationSettings(today=TODAY)


def _models(base: type[Model] = Model) -> list[type[Model]]:
    found: list[type[Model]] = []
    for sub in base.__subclasses__():
        found += [sub, *_models(sub)]
    return found


def _checked(meta: Any) -> bool:
    return getattr(meta, "pattern", None) == PRINTABLE


def _bare_str(annotation: Any, checked: bool = False) -> bool:
    """Whether ``annotation`` holds a ``str`` without the control-character check."""
    if annotation is str:
        return not checked
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *meta = get_args(annotation)
        return _bare_str(base, checked or any(_checked(m) for m in meta))
    if origin in (Union, types.UnionType, list, tuple, set, frozenset):
        return any(_bare_str(arg, checked) for arg in get_args(annotation))
    return False


def test_no_field_of_any_record_is_a_plain_str() -> None:
    """Each str field, alone, optional or in a list, is Text (or ChildId)."""
    models = _models()
    assert len(models) > 20
    plain = [f"{model.__name__}.{name}" for model in models
             for name, info in model.model_fields.items()
             if _bare_str(info.annotation, any(_checked(m) for m in info.metadata))]
    assert plain == []


@pytest.mark.parametrize("where,value", [
    (("record", "child", "name"), "Hans\x07Hansen"),
    (("record", "section_a", "concern_why"), "trist\x1b[31m"),
    (("record", "child", "id"), "120100-4321\x00"),
])
def test_a_control_character_is_refused_at_its_path(where: tuple[str, ...],
                                                    value: str) -> None:
    """A bell, an escape or a NUL in a text field is refused at that field's path."""
    payload = copy.deepcopy(sample_message_data(TODAY)["stafetlog"])
    target = payload
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    with pytest.raises(RecordInvalid) as info:
        parse_message(payload, SETTINGS)
    assert {(p.path, p.code) for p in info.value.problems} == {
        (".".join(where), "control_character")}


def test_a_control_character_in_a_list_names_its_item() -> None:
    """In a list of texts the problem names the item; tabs and line breaks are fine."""
    payload = copy.deepcopy(sample_message_data(TODAY)["stafetlog"])
    payload["record"]["section_a"]["discussed_by"] = ["Klasselærer\tog\nleder", "P\x0bPR"]
    with pytest.raises(RecordInvalid) as info:
        parse_message(payload, SETTINGS)
    assert [(p.path, p.code) for p in info.value.problems] == [
        ("record.section_a.discussed_by[1]", "control_character")]


def test_control_characters_and_other_problems_are_reported_together() -> None:
    """A control character does not hide another field's problem in the same object."""
    payload = copy.deepcopy(sample_message_data(TODAY)["stafetlog"])
    payload["record"]["child"]["name"] = "Hans\x07"
    payload["record"]["child"]["birth_date"] = "31.02.2012"
    with pytest.raises(RecordInvalid) as info:
        parse_message(payload, SETTINGS)
    assert {(p.path, p.code) for p in info.value.problems} == {
        ("record.child.name", "control_character"),
        ("record.child.birth_date", "date_impossible")}
