"""FHIRPath's view of FHIR JSON, for the invariants written in Python.

In FHIRPath every value is a collection: a missing or ``null`` element is the empty
collection, a single object is a collection of one, an array is the collection of its items.
These helpers read a Bundle that way, so that ``invariants`` can state each rule in a few
lines of Python with the meaning of its FHIRPath expression. They never raise: anything that
is not the shape FHIR JSON has is simply not found.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def items(value: Any) -> list[Any]:
    """``value`` as a FHIRPath collection: [] for null, the array's items, or [value].

    A ``null`` inside an array stays an item (fhirpathpy counts it), although FHIR JSON
    forbids it and fhir.resources refuses such a Bundle.
    """
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def nav(collection: Iterable[Any], name: str) -> list[Any]:
    """``collection.name``: the element ``name`` of every object, flattened."""
    out: list[Any] = []
    for item in collection:
        if isinstance(item, dict):
            out += items(item.get(name))
    return out


def exists(collection: Iterable[Any]) -> bool:
    """``collection.exists()``."""
    return any(True for _ in collection)


def of_type(collection: Iterable[Any], resource_type: str) -> list[dict[str, Any]]:
    """``collection.ofType(resource_type)`` for resources."""
    return [r for r in collection
            if isinstance(r, dict) and r.get("resourceType") == resource_type]


def single(collection: list[Any]) -> Any:
    """The one item of a singleton collection, else None (empty, or more than one)."""
    return collection[0] if len(collection) == 1 else None


def strings(collection: Iterable[Any]) -> list[str]:
    """The string items of ``collection``."""
    return [s for s in collection if isinstance(s, str)]


class BundleView:
    """The parts of a message Bundle that several invariants read, read once."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        self.bundle = bundle
        self.entries = items(bundle.get("entry"))
        self.resources = [r for r in nav(self.entries, "resource") if isinstance(r, dict)]
        self.full_urls = strings(nav(self.entries, "fullUrl"))
        first = self.entries[0] if self.entries else None
        resource = single(nav([first], "resource"))
        #: ``%bundle.entry.first().resource`` when it is one object, else None
        self.header: dict[str, Any] | None = resource if isinstance(resource, dict) else None
        #: ``%bundle.entry.first().fullUrl`` when it is one string, else None
        self.first_url: str | None = _one_string(nav([first], "fullUrl"))

    def of(self, name: str) -> list[Any]:
        """``%bundle.entry.first().resource.<name>`` (empty when there is no header)."""
        return nav([self.header], name) if self.header is not None else []

    def entries_at(self, urls: Iterable[str]) -> list[dict[str, Any]]:
        """The entries whose fullUrl is one of ``urls``."""
        wanted = set(urls)
        return [e for e in self.entries if isinstance(e, dict)
                and _one_string(items(e.get("fullUrl"))) in wanted]


def _one_string(collection: list[Any]) -> str | None:
    value = single(collection)
    return value if isinstance(value, str) else None
