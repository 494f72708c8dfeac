"""Schema validation of gateway XML: lxml on the hot path, xmlschema to explain failures.

lxml (libxml2) validates a parsed document in well under a millisecond, so every document is
checked with it, against schemas compiled once and cached. Only when lxml refuses a document
is it run through xmlschema, which is some hundred times slower but says precisely which
element is wrong and why; each error becomes an ``XmlProblem`` with a readable path
(``/env:message/und:underretning/und:child/c:id``), a line number and Danish and English
texts that never quote the offending value.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cache
from typing import Any, cast

import xmlschema
from lxml import etree

from ssd_gateway.exceptions import Problem, RecordInvalid
from ssd_gateway.xml.names import ACK_NS, ENVELOPE_NS, NAMESPACE_KINDS, schema_path
from ssd_gateway.xml.paths import element_path, qname
from ssd_gateway.xml.problems import XmlProblem, scrub, xml_problem
from ssd_gateway.xml.secure import DEFAULT_MAX_BYTES, parse_secure

#: what a value of each of our named simple types must look like, in Danish and English
_TYPE_TEXTS: dict[str, tuple[str, str]] = {
    "Cpr": ("CPR-nummer: 10 cifre uden bindestreg, de første seks en gyldig dato (DDMMÅÅ)",
            "CPR number: 10 digits without dash, the first six a real date (DDMMYY)"),
    "MunicipalityCode": ("kommunekode med 4 cifre (fx 0101)",
                         "municipality code of 4 digits (e.g. 0101)"),
    "Cvr": ("CVR-nummer med 8 cifre", "CVR number of 8 digits"),
    "IsoDate": ("dato som ÅÅÅÅ-MM-DD", "date as YYYY-MM-DD"),
    "DateTimeWithZone": ("tidspunkt med tidszone, fx 2026-03-10T10:00:00+01:00",
                         "date and time with time zone, e.g. 2026-03-10T10:00:00+01:00"),
    "NonEmptyString": ("tekst, der ikke er tom", "text that is not empty"),
    "boolean": ("sandhedsværdi (true eller false)", "boolean (true or false)"),
    "date": ("dato som ÅÅÅÅ-MM-DD", "date as YYYY-MM-DD"),
    "dateTime": ("tidspunkt som ÅÅÅÅ-MM-DDTtt:mm:ss med tidszone",
                 "date and time as YYYY-MM-DDThh:mm:ss with time zone"),
    "integer": ("heltal", "integer"),
}


def schema_name_of(root: etree._Element) -> str | None:
    """Return which schema governs a document with this root element, or None."""
    tag = etree.QName(root)
    if tag.namespace == ENVELOPE_NS and tag.localname == "message":
        return "envelope"
    if tag.namespace == ACK_NS and tag.localname == "acknowledgement":
        return "acknowledgement"
    kind = NAMESPACE_KINDS.get(tag.namespace or "")
    return kind if kind == tag.localname else None


class _Compiled:
    """One schema compiled by lxml; validation is serialised because lxml keeps an error log
    on the schema object."""

    def __init__(self, name: str) -> None:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        self.schema = etree.XMLSchema(etree.parse(str(schema_path(name)), parser))
        self.lock = threading.Lock()

    def errors(self, root: etree._Element) -> list[Any] | None:
        """Return None if ``root`` is valid, else lxml's error entries."""
        with self.lock:
            if self.schema.validate(root):
                return None
            return list(self.schema.error_log)


@cache
def _compiled(name: str) -> _Compiled:
    return _Compiled(name)


@cache
def _explainer(name: str) -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(schema_path(name)), allow="local")


def validate_tree(root: etree._Element, *, expect: Iterable[str] = ()) -> list[Problem]:
    """Validate a parsed document against the schema its root element names.

    ``expect`` limits the acceptable schemas (e.g. ``("envelope",)``); empty means any.
    """
    name = schema_name_of(root)
    allowed = tuple(expect)
    if name is None or (allowed and name not in allowed):
        choices = ", ".join(allowed) or "envelope, acknowledgement or a record kind"
        return [xml_problem("xml_unknown_document", element_path(root), root.sourceline,
                            root=qname(root), expected=choices)]
    lxml_errors = _compiled(name).errors(root)
    if lxml_errors is None:
        return []
    return _explain(name, root) or [_from_lxml(err) for err in lxml_errors]


def validate_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """Return the schema problems of an XML document (an envelope, a record or an ack).

    An empty list means valid. Input that is not well-formed is reported as a problem;
    unsafe input (DTD, entities, oversize) raises ``UnsafeInput``.
    """
    try:
        root = parse_secure(data, max_bytes=max_bytes)
    except RecordInvalid as exc:
        return list(exc.problems)
    return validate_tree(root)


def validate_acknowledgement(data: bytes) -> list[Problem]:
    """Return the schema problems of an acknowledgement document (empty: valid)."""
    try:
        root = parse_secure(data)
    except RecordInvalid as exc:
        return list(exc.problems)
    return validate_tree(root, expect=("acknowledgement",))


def _explain(name: str, root: etree._Element) -> list[Problem]:
    problems: dict[str, Problem] = {}
    for error in _explainer(name).iter_errors(cast(Any, root), use_location_hints=False):
        problem = _from_xmlschema(error)
        problems.setdefault(problem.path, problem)
    return list(problems.values())


def _line(element: Any) -> int | None:
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else None


def _from_xmlschema(error: Any) -> XmlProblem:
    if isinstance(error, xmlschema.XMLSchemaChildrenValidationError):
        return _children_problem(error)
    elem = error.elem
    path = element_path(elem) if isinstance(elem, etree._Element) else (error.path or "")
    line = _line(elem)
    validator = error.validator
    kind = type(validator).__name__
    if kind == "XsdEnumerationFacets":
        allowed = ", ".join(str(v) for v in validator.enumeration)
        return xml_problem("xml_enumeration", path, line, allowed=allowed)
    if kind == "XsdPatternFacets":
        type_name = getattr(validator.parent, "local_name", None)
        patterns = " | ".join(str(p) for p in validator.regexps)
        expected = _TYPE_TEXTS.get(type_name or "", (patterns, patterns))
        return xml_problem("xml_pattern", path, line, expected=expected)
    if kind in ("XsdMinInclusiveFacet", "XsdMaxInclusiveFacet"):
        sign = "≥" if kind == "XsdMinInclusiveFacet" else "≤"
        return xml_problem("xml_out_of_range", path, line, range=f"{sign} {validator.value}")
    if kind == "XsdAtomicBuiltin":
        local = str(getattr(validator, "local_name", ""))
        expected = _TYPE_TEXTS.get(local, (local, local))
        return xml_problem("xml_invalid_value", path, line, expected=expected)
    return xml_problem("xml_schema_invalid", path, line, detail=scrub(str(error.reason or "")))


def _children_problem(error: Any) -> XmlProblem:
    parent = error.elem
    parent_path = element_path(parent)
    expected = [qname(e.name) for e in (error.expected or []) if getattr(e, "name", None)]
    child = error.invalid_child
    known = {e.name for e in error.validator.iter_elements()}
    required = [e for e in (error.expected or []) if getattr(e, "min_occurs", 0) >= 1]
    if expected and (child is None or (child.tag in known and required)):
        return xml_problem("xml_missing_element", f"{parent_path}/{expected[0]}",
                           _line(child) or _line(parent), expected=expected[0])
    if child is None:
        return xml_problem("xml_schema_invalid", parent_path, _line(parent),
                           detail=scrub(str(error.reason or "")))
    return xml_problem("xml_unexpected_element", element_path(child), _line(child),
                       tag=qname(child), expected=", ".join(expected) or "-")


def _from_lxml(error: Any) -> XmlProblem:
    """Fallback when xmlschema finds nothing lxml found (they should agree)."""
    return xml_problem("xml_schema_invalid", str(error.path or ""), error.line or None,
                       detail=scrub(str(error.message)))
