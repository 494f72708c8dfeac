"""Readable paths into XML documents: ``/env:message/und:underretning/und:child/c:id``.

Prefixes are the gateway's fixed ones (``names.PREFIXES``), whatever prefixes the document
itself declared, so the same element always has the same path. A position ``[n]`` (from 1) is
added where an element has siblings of the same name.
"""

from __future__ import annotations

from lxml import etree

from ssd_gateway.xml.names import PREFIXES


def qname(node: etree._Element | str) -> str:
    """Return ``prefix:local`` for an element or a ``{ns}local`` name.

    A namespace without a gateway prefix stays in Clark notation.
    """
    parsed = etree.QName(node)
    prefix = PREFIXES.get(parsed.namespace or "")
    return f"{prefix}:{parsed.localname}" if prefix else parsed.text


def element_path(element: etree._Element) -> str:
    """Return the readable path of ``element`` from the document root."""
    steps: list[str] = []
    current: etree._Element | None = element
    while current is not None:
        step = qname(current)
        parent = current.getparent()
        if parent is not None:
            same = [e for e in parent if e.tag == current.tag]
            if len(same) > 1:
                step += f"[{same.index(current) + 1}]"
        steps.append(step)
        current = parent
    return "/" + "/".join(reversed(steps))
