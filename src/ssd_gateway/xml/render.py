"""Message -> XML: the envelope, the record element in its kind's namespace, Child/Person/Party
in the common namespace. The result is validated against ``envelope.xsd`` before it is
returned, so the gateway never emits a document its own schemas refuse.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from pydantic import BaseModel

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.model import Message
from ssd_gateway.model.records import RECORD_CLASSES
from ssd_gateway.xml.names import (
    COMMON_NS,
    ENVELOPE_ID_ATTRIBUTE,
    ENVELOPE_NS,
    KIND_NAMESPACES,
    PREFIXES,
)
from ssd_gateway.xml.paths import element_path
from ssd_gateway.xml.problems import xml_problem
from ssd_gateway.xml.shape import owner_namespace, slots
from ssd_gateway.xml.validate import validate_tree


def message_to_xml(message: Message, *, envelope_id: str | None = None) -> bytes:
    """Return ``message`` as a UTF-8 XML document valid against ``schemas/envelope.xsd``.

    ``envelope_id`` is the per-send id (MedCom's Bundle.id), carried as an attribute of the
    root; ``message.message_id`` stays the same on every send of the logical message.

    Raises RecordInvalid when a value cannot be carried by XML (a control character) or the
    schema refuses the result.
    """
    kind_ns = KIND_NAMESPACES[message.kind]
    nsmap = {PREFIXES[ns]: ns for ns in (ENVELOPE_NS, COMMON_NS, kind_ns)}
    root = etree.Element(f"{{{ENVELOPE_NS}}}message", nsmap=nsmap)
    if envelope_id is not None:
        root.set(ENVELOPE_ID_ATTRIBUTE, envelope_id)
    unwritable: list[etree._Element] = []
    data = message.model_dump(mode="json", exclude_none=True)
    _fill(root, Message, ENVELOPE_NS, kind_ns, data, unwritable)
    if unwritable:
        raise RecordInvalid([xml_problem("xml_invalid_character", element_path(e))
                             for e in unwritable])
    problems = validate_tree(root)
    if problems:
        raise RecordInvalid(problems)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _fill(
    parent: etree._Element,
    model: type[BaseModel],
    ns: str,
    kind_ns: str,
    data: dict[str, Any],
    unwritable: list[etree._Element],
) -> None:
    """Append the elements of ``data`` (a JSON dump of ``model``) to ``parent``."""
    for slot in slots(model):
        value = data.get(slot.field)
        if value is None:
            continue
        if slot.record:
            kind = value["kind"]
            child = etree.SubElement(parent, f"{{{kind_ns}}}{kind}")
            _fill(child, RECORD_CLASSES[kind], kind_ns, kind_ns, value, unwritable)
            continue
        for item in value if slot.many else [value]:
            child = etree.SubElement(parent, f"{{{ns}}}{slot.tag}")
            if slot.model is not None:
                inner_ns = owner_namespace(slot.model, kind_ns)
                _fill(child, slot.model, inner_ns, kind_ns, item, unwritable)
            elif not _set_text(child, item):
                unwritable.append(child)


def _set_text(element: etree._Element, value: object) -> bool:
    """Set ``value`` as the element's text; return False if XML cannot carry it."""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    try:
        element.text = text
    except ValueError:
        return False
    return True
