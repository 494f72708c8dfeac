"""Acknowledgements as XML (``schemas/acknowledgement.xsd``): the receiver's answer to a message."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from ssd_gateway.contracts import AckCode, Acknowledgement
from ssd_gateway.exceptions import Problem, RecordInvalid
from ssd_gateway.xml.names import ACK_NS
from ssd_gateway.xml.paths import element_path
from ssd_gateway.xml.problems import xml_problem
from ssd_gateway.xml.secure import parse_secure
from ssd_gateway.xml.validate import validate_tree

_ACK = f"{{{ACK_NS}}}"
_ISSUE_FIELDS = ("code", "path", "message_da", "message_en")
_CODES: dict[str, AckCode] = {"ok": "ok", "transient-error": "transient-error",
                              "fatal-error": "fatal-error"}


def make_acknowledgement_xml(
    message_id: str,
    bundle_id: str,
    code: AckCode,
    issues: Iterable[Problem] = (),
    warnings: Iterable[str] = (),
) -> bytes:
    """Return an acknowledgement document; raise RecordInvalid if it breaks the schema."""
    root = etree.Element(_ACK + "acknowledgement", nsmap={"ack": ACK_NS})
    _text(root, "message_id", message_id)
    _text(root, "bundle_id", bundle_id)
    _text(root, "code", code)
    for issue in issues:
        element = etree.SubElement(root, _ACK + "issue")
        for name in _ISSUE_FIELDS:
            _text(element, name, getattr(issue, name))
    for warning in warnings:
        _text(root, "warning", warning)
    problems = validate_tree(root, expect=("acknowledgement",))
    if problems:
        raise RecordInvalid(problems)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def read_acknowledgement_xml(data: bytes) -> Acknowledgement:
    """Return the Acknowledgement in ``data`` (kept whole in ``body``).

    Raises UnsafeInput for unsafe XML and RecordInvalid when it breaks the schema.
    """
    root = parse_secure(data)
    problems = validate_tree(root, expect=("acknowledgement",))
    if problems:
        raise RecordInvalid(problems)
    issues = tuple(
        Problem(**{name: _child_text(issue, name) for name in _ISSUE_FIELDS})
        for issue in root.iterchildren(_ACK + "issue")
    )
    warnings = tuple(_string(w) for w in root.iterchildren(_ACK + "warning"))
    return Acknowledgement(
        code=_CODES[_child_text(root, "code").strip()],  # the schema allows only these
        message_id=_child_text(root, "message_id"),
        bundle_id=_child_text(root, "bundle_id"),
        issues=issues,
        warnings=warnings,
        body=bytes(data),
    )


def _text(parent: etree._Element, name: str, value: str) -> None:
    element = etree.SubElement(parent, _ACK + name)
    try:
        element.text = value
    except ValueError:
        raise RecordInvalid([xml_problem("xml_invalid_character", element_path(element))]) from None


def _string(element: etree._Element) -> str:
    return str(element.xpath("string()"))


def _child_text(parent: etree._Element, name: str) -> str:
    child = parent.find(_ACK + name)
    return "" if child is None else _string(child)
