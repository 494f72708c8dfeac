"""XML -> Message: parse safely, validate against ``envelope.xsd``, then build the model.

Schema problems and model problems both come back as ``RecordInvalid`` whose problems are
addressed by XML path (``/env:message/sta:stafetlog/sta:holder``) and line, so the sender
sees where in *their* document the fault is.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from pydantic import BaseModel

from ssd_gateway.exceptions import Problem, RecordInvalid
from ssd_gateway.model import Message, ValidationSettings, parse_message
from ssd_gateway.model.records import RECORD_CLASSES
from ssd_gateway.xml.names import ENVELOPE_NS, NAMESPACE_KINDS, PREFIXES
from ssd_gateway.xml.paths import element_path, qname
from ssd_gateway.xml.problems import XmlProblem, xml_problem
from ssd_gateway.xml.secure import DEFAULT_MAX_BYTES, parse_secure
from ssd_gateway.xml.shape import owner_namespace, slots, slots_by_field, slots_by_tag
from ssd_gateway.xml.validate import validate_tree

Segment = str | int
#: model path (as segments) -> (element, its model class or None for a leaf, its children's ns)
Index = dict[tuple[Segment, ...], tuple[etree._Element, type[BaseModel] | None, str]]
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def xml_to_message(
    data: bytes,
    settings: ValidationSettings | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Message:
    """Return the Message an XML document carries.

    Raises ``UnsafeInput`` for DTDs, entities and oversize input, and ``RecordInvalid`` with
    XML paths when the document breaks the schema or the model's rules.
    """
    root = parse_secure(data, max_bytes=max_bytes)
    problems = validate_tree(root, expect=("envelope",))
    if problems:
        raise RecordInvalid(problems)
    index: Index = {}
    raw = _read(root, Message, ENVELOPE_NS, ENVELOPE_NS, (), index)
    try:
        return parse_message(raw, settings)
    except RecordInvalid as exc:
        raise RecordInvalid([_relocate(p, index) for p in exc.problems]) from None


def _read(
    element: etree._Element,
    model: type[BaseModel],
    ns: str,
    kind_ns: str,
    path: tuple[Segment, ...],
    index: Index,
) -> dict[str, Any]:
    """Return the field data of ``element`` (of type ``model``) for pydantic to validate."""
    index[path] = (element, model, ns)
    data: dict[str, Any] = {slot.field: [] for slot in slots(model) if slot.many}
    by_tag = slots_by_tag(model)
    for child in element.iterchildren(tag=etree.Element):
        tag = etree.QName(child)
        if model is Message and tag.namespace in NAMESPACE_KINDS:
            kind, record_ns = NAMESPACE_KINDS[tag.namespace], tag.namespace
            fields = _read(child, RECORD_CLASSES[kind], record_ns, record_ns,
                           (*path, "record"), index)
            data["record"] = {"kind": kind, **fields}
            continue
        slot = by_tag.get(tag.localname)
        if slot is None or tag.namespace != ns:
            raise RecordInvalid([xml_problem("xml_unexpected_element", element_path(child),
                                             child.sourceline, tag=qname(child),
                                             expected="-")])
        item_path: tuple[Segment, ...] = (*path, slot.field)
        if slot.many:
            item_path = (*item_path, len(data[slot.field]))
        if slot.model is not None:
            inner_ns = owner_namespace(slot.model, kind_ns)
            value: Any = _read(child, slot.model, inner_ns, kind_ns, item_path, index)
        else:
            index[item_path] = (child, None, ns)
            value = str(child.xpath("string()")).strip()
        if slot.many:
            data[slot.field].append(value)
        else:
            data[slot.field] = value
    return data


def _segments(path: str) -> list[Segment]:
    return [int(number) if number else name for name, number in _SEGMENT.findall(path)]


def _relocate(problem: Problem, index: Index) -> Problem:
    """Re-address a model problem (``record.child.id``) by its XML path and line."""
    segments = _segments(problem.path)
    cut = len(segments)
    while tuple(segments[:cut]) not in index:
        cut -= 1
    element, model, ns = index[tuple(segments[:cut])]
    kind_ns = index[("record",)][2] if ("record",) in index else ns
    path = element_path(element)
    for segment in segments[cut:]:
        slot = slots_by_field(model).get(str(segment)) if model is not None else None
        if isinstance(segment, int):
            path += f"[{segment + 1}]"
        elif slot is None:
            path += f"/{segment}"
            model = None
        else:
            path += f"/{PREFIXES[ns]}:{slot.tag}"
            model = slot.model
            ns = owner_namespace(model, kind_ns) if model is not None else ns
    line = element.sourceline
    suffix_da, suffix_en = (f" (linje {line})", f" (line {line})") if line else ("", "")
    return XmlProblem(path=path, code=problem.code, message_da=problem.message_da + suffix_da,
                      message_en=problem.message_en + suffix_en, line=line)
