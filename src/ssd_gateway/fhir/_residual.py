"""Record fields FHIR has no element for, carried losslessly in a QuestionnaireResponse.

Each field becomes an item whose ``linkId`` is the field name; a list field's items end in
``[]`` (one item with several answers for a list of values, one item per element for a list
of objects). Dates, datetimes, booleans and integers keep their FHIR types, and code-list values
become Codings of the project CodeSystems. ``decode`` is the exact inverse and records the FHIR
path of every value it reads, so a model error can be reported where it came from.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from ssd_gateway.fhir._bundle import fhir_datetime
from ssd_gateway.fhir._node import EMPTY_STRING_EXT, Node, unexpected
from ssd_gateway.fhir.terminology import coding
from ssd_gateway.model import codes

#: code list → project CodeSystem name
ENUM_SYSTEMS: dict[type[StrEnum], str] = {
    codes.Sector: "sector", codes.Category: "information-category", codes.Purpose: "purpose",
    codes.Basis: "legal-basis", codes.RecordKind: "event-code",
    codes.NotifierKind: "notifier-kind", codes.FeedbackOutcome: "feedback-outcome",
    codes.StafetlogStatus: "stafetlog-status", codes.HandoverState: "handover-state",
    codes.ConsentForm: "consent-form", codes.GrantorRole: "grantor-role",
    codes.UnderretningForm: "underretning-form", codes.Background: "background",
    codes.ChildIdKind: "child-id-kind",
}


def _answer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, datetime):
        return {"valueDateTime": fhir_datetime(value)}
    if isinstance(value, date):
        return {"valueDate": value.isoformat()}
    if isinstance(value, StrEnum) and type(value) in ENUM_SYSTEMS:
        return {"valueCoding": coding(ENUM_SYSTEMS[type(value)], value.value)}
    if isinstance(value, str):
        if value == "":
            return {"extension": [{"url": EMPTY_STRING_EXT, "valueBoolean": True}]}
        return {"valueString": value}
    raise TypeError(f"cannot encode {type(value).__name__} in a QuestionnaireResponse")


def encode(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the QuestionnaireResponse items of ``data`` (a python-mode model dump)."""
    items: list[dict[str, Any]] = []
    for key, value in data.items():
        if value is None or value == []:
            continue
        if isinstance(value, list):
            if all(isinstance(v, dict) for v in value):
                items += [_group(f"{key}[]", v) for v in value]
            else:
                items.append({"linkId": f"{key}[]", "answer": [_answer(v) for v in value]})
        elif isinstance(value, dict):
            items.append(_group(key, value))
        else:
            items.append({"linkId": key, "answer": [_answer(value)]})
    return items


def _group(link_id: str, value: dict[str, Any]) -> dict[str, Any]:
    children = encode(value)
    return {"linkId": link_id, "item": children} if children else {"linkId": link_id}


_VALUE_KEYS = ("valueBoolean", "valueInteger", "valueDateTime", "valueDate", "valueString")


def _value(answer: Node) -> Any:
    for key in _VALUE_KEYS:
        node = answer.get(key)
        if node is not None:
            return node.value
    if (c := answer.get("valueCoding")) is not None:
        return c.req("code").text()
    if answer.extension(EMPTY_STRING_EXT) is not None:
        return ""
    raise unexpected(answer.path, "a value")


def decode(items: list[Node], origins: dict[str, str], prefix: str) -> dict[str, Any]:
    """Return the data ``encode`` made ``items`` from; note each value's path in ``origins``."""
    out: dict[str, Any] = {}
    for item in items:
        link = item.req("linkId").text()
        key = link.removesuffix("[]")
        model_path = f"{prefix}.{key}"
        answers = item.items("answer")
        if link.endswith("[]"):
            target = out.setdefault(key, [])
            if answers:
                target += [_value(a) for a in answers]
            else:
                target.append(decode(item.items("item"), origins, f"{model_path}[{len(target)}]"))
            origins.setdefault(model_path, item.path)
        elif answers:
            out[key] = _value(answers[0])
            origins[model_path] = answers[0].path
        else:
            out[key] = decode(item.items("item"), origins, model_path)
            origins[model_path] = item.path
    return out
