"""Hardened XML parsing: no DTDs, no entities, no network, a size limit.

Every document from outside goes through ``parse_secure`` before anything else looks at it.
Defence in depth: oversize input is refused before parsing; any DOCTYPE/ENTITY/ELEMENT/ATTLIST/
NOTATION declaration is refused by a byte scan (NUL bytes removed first, so UTF-16 and UTF-32
cannot hide one); the parser itself never loads a DTD, resolves an entity or opens the
network; and a DTD or entity node that still reached the tree refuses the document after
parsing. We never need a DTD, so refusing is always right; a CDATA section that happens to
contain the text ``<!DOCTYPE`` is refused too, which is the price of a scan that cannot be
fooled.
"""

from __future__ import annotations

import re

from lxml import etree

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.xml.problems import UnsafeXml, scrub, xml_problem

DEFAULT_MAX_BYTES = 5_000_000
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)


def hardened_parser() -> etree.XMLParser:
    """Return a new parser that never loads a DTD, resolves entities or opens the network.

    Do not add ``collect_ids=False``: with lxml 6.1 / libxml2 2.14 it makes the parser open a
    local external DTD named in a DOCTYPE (seen with strace; test_secure proves the absence).
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
    )


def parse_secure(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse ``data`` and return its root element, refusing anything unsafe.

    Raises ``UnsafeXml`` (an ``UnsafeInput``) for oversize input, DTDs and entities, and
    ``RecordInvalid`` for input that is not well-formed XML.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UnsafeXml(xml_problem("xml_not_bytes"))
    data = bytes(data)
    if len(data) > max_bytes:
        raise UnsafeXml(xml_problem("xml_too_large", size=len(data), limit=max_bytes))
    if _DECLARATION.search(data.replace(b"\x00", b"")):
        raise UnsafeXml(xml_problem("xml_doctype_forbidden"))
    return _parse_hardened(data)


def _parse_hardened(data: bytes) -> etree._Element:
    """Parse with the hardened parser and refuse any DTD or entity that reached the tree."""
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    docinfo = root.getroottree().docinfo
    # never touch docinfo.externalDTD: reading it makes lxml load the DTD it names
    if docinfo.doctype or docinfo.system_url or docinfo.internalDTD is not None:
        raise UnsafeXml(xml_problem("xml_doctype_forbidden"))
    if next(root.iter(etree.Entity), None) is not None:
        raise UnsafeXml(xml_problem("xml_entity_forbidden"))
    return root


def _syntax_error(exc: etree.XMLSyntaxError) -> UnsafeXml | RecordInvalid:
    """Translate a parse error: entity and resource-limit errors are unsafe input."""
    last = exc.error_log.last_error if exc.error_log else None
    kind = last.type_name if last is not None else ""
    line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
    if "ENTITY" in kind:
        return UnsafeXml(xml_problem("xml_entity_forbidden", "/", line))
    if "RESOURCE_LIMIT" in kind:
        return UnsafeXml(xml_problem("xml_resource_limit", "/", line))
    return RecordInvalid([xml_problem("xml_not_well_formed", "/", line,
                                      detail=scrub(exc.msg or ""))])
