"""Assembling and indexing the entries of a message Bundle.

``BundleBuilder`` gives every resource a deterministic UUID (derived from the logical message
and the resource's role or content), so re-rendering the same message yields the same entries,
and identical resources (the same professional named twice) are bundled once.
``BundleIndex`` resolves ``urn:uuid`` references when reading.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from ssd_gateway.exceptions import Problem, RecordInvalid
from ssd_gateway.fhir import urls
from ssd_gateway.fhir._node import Node, ReadError, unexpected

#: namespace of every UUID the gateway derives (uuid5)
NAMESPACE = uuid.UUID("6f1c2d4e-5b7a-5c39-9e0f-3d2a1b4c5e6f")
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def message_header_id(message_id: str) -> str:
    """Return the stable ``MessageHeader.id`` of the logical message ``message_id``."""
    return str(uuid.uuid5(NAMESPACE, f"message:{message_id}"))


def reference(full_url: str) -> dict[str, str]:
    """Return a literal reference to a bundled resource."""
    return {"reference": full_url}


def logical(resource_type: str, system: str, value: str) -> dict[str, Any]:
    """Return a logical reference (by business identifier) to a resource outside the Bundle."""
    return {"type": resource_type, "identifier": {"system": system, "value": value}}


def fhir_datetime(value: datetime) -> str:
    """Return an aware datetime as a FHIR dateTime, keeping its UTC offset."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("a FHIR dateTime needs a time zone")
    if offset % timedelta(minutes=1):
        raise RecordInvalid([_problem("time zone offsets must be whole minutes")])
    return value.isoformat()


def fhir_date(value: date) -> str:
    """Return a date as a FHIR date."""
    return value.isoformat()


def _problem(text: str) -> Problem:
    return Problem(path="", code="fhir_unexpected", message_da=text, message_en=text)


def narrative(*lines: str) -> dict[str, str]:
    """Return a generated Narrative with one paragraph per line (escaped, XML-safe)."""
    body = "".join(f"<p>{html.escape(_INVALID_XML.sub('', line))}</p>" for line in lines)
    return {"status": "generated", "div": f'<div xmlns="{urls.XHTML_NS}">{body}</div>'}


class BundleBuilder:
    """Collects the entries of one Bundle; ids are uuid5 of ``seed`` and a key or the content."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.entries: list[dict[str, Any]] = []
        self._urls: set[str] = set()

    def url_for(self, key: str) -> str:
        """Return the fullUrl the resource added with ``key`` will get."""
        return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{self.seed}:{key}')}"

    def add(self, resource: dict[str, Any], *, key: str | None = None,
            resource_id: str | None = None) -> str:
        """Add ``resource`` (once) and return its fullUrl."""
        if resource_id is not None:
            full_url = f"urn:uuid:{resource_id}"
        else:
            full_url = self.url_for(key or json.dumps(resource, sort_keys=True))
        if full_url not in self._urls:
            self._urls.add(full_url)
            body = {k: v for k, v in resource.items() if k != "resourceType"}
            ordered = {"resourceType": resource["resourceType"],
                       "id": full_url.removeprefix("urn:uuid:"), **body}
            self.entries.append({"fullUrl": full_url, "resource": ordered})
        return full_url


class BundleIndex:
    """The entries of a Bundle being read, by fullUrl."""

    def __init__(self, bundle: Node) -> None:
        self.bundle = bundle
        self.entries = bundle.items("entry")
        self._by_url: dict[str, Node] = {}
        for entry in self.entries:
            url = entry.get("fullUrl")
            if url is not None:
                self._by_url[url.text()] = entry.req("resource")

    def resolve(self, ref: Node, *types: str) -> Node:
        """Return the bundled resource ``ref`` points to; check its type if ``types`` given."""
        target = ref.req("reference")
        resource = self._by_url.get(target.text())
        if resource is None:
            raise ReadError(target.path, "fhir_unresolved",
                            "reference does not resolve inside the Bundle",
                            "referencen findes ikke i bundtet")
        if types and resource.req("resourceType").value not in types:
            raise unexpected(target.path, " or ".join(types))
        return resource

    def of_type(self, resource_type: str) -> list[Node]:
        """Return every bundled resource of ``resource_type``, in entry order."""
        return [e.req("resource") for e in self.entries
                if e.req("resource").get("resourceType") is not None
                and e.req("resource").req("resourceType").value == resource_type]


def logical_value(ref: Node, system: str) -> str:
    """Return the identifier value of a logical reference, checking its system."""
    ident = ref.req("identifier")
    if ident.req("system").value != system:
        raise unexpected(f"{ident.path}.system", system)
    return ident.req_str("value")
