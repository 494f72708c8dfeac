"""Reading a FHIR JSON dict with a FHIR path at every step, so every failure says where.

``Node`` wraps one JSON value and its path (``Bundle.entry[2].resource.status``). Its getters
raise ``ReadError`` with that path; the mapper turns ReadErrors into ``RecordInvalid`` at its
boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssd_gateway.fhir import urls

#: marks a string that was present but empty (FHIR strings cannot be empty)
EMPTY_STRING_EXT = urls.extension("empty-string")


class ReadError(Exception):
    """A FHIR element the mapper cannot read; ``path`` is its FHIR path."""

    def __init__(self, path: str, code: str, message_en: str, message_da: str) -> None:
        self.path, self.code = path, code
        self.message_en, self.message_da = message_en, message_da
        super().__init__(f"{path}: {message_en}")


def missing(path: str) -> ReadError:
    """Return the error for a required element that is absent."""
    return ReadError(path, "fhir_missing", "required element is missing",
                     "krævet element mangler")


def unexpected(path: str, what: str) -> ReadError:
    """Return the error for an element whose value the mapper cannot use."""
    return ReadError(path, "fhir_unexpected", f"unexpected value; expected {what}",
                     f"uventet værdi; forventede {what}")


@dataclass(frozen=True)
class Node:
    """One JSON value inside a FHIR resource, with its FHIR path."""

    value: Any
    path: str

    def _obj(self) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            raise unexpected(self.path, "an object")
        return self.value

    def has(self, key: str) -> bool:
        """Return True if the element ``key`` is present (with a value or an extension)."""
        obj = self._obj()
        return obj.get(key) is not None or obj.get("_" + key) is not None

    def get(self, key: str) -> Node | None:
        """Return the child ``key``, or None when absent."""
        value = self._obj().get(key)
        return None if value is None else Node(value, f"{self.path}.{key}")

    def req(self, key: str) -> Node:
        """Return the child ``key``; raise ReadError when absent."""
        node = self.get(key)
        if node is None:
            raise missing(f"{self.path}.{key}")
        return node

    def items(self, key: str) -> list[Node]:
        """Return the items of the repeating child ``key`` (empty when absent)."""
        value = self._obj().get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise unexpected(f"{self.path}.{key}", "a list")
        return [Node(v, f"{self.path}.{key}[{i}]") for i, v in enumerate(value)]

    def first(self, key: str) -> Node:
        """Return the first item of the repeating child ``key``; raise ReadError if none."""
        items = self.items(key)
        if not items:
            raise missing(f"{self.path}.{key}[0]")
        return items[0]

    def text(self) -> str:
        """Return this value as a string."""
        if not isinstance(self.value, str):
            raise unexpected(self.path, "a string")
        return self.value

    def boolean(self) -> bool:
        """Return this value as a boolean."""
        if not isinstance(self.value, bool):
            raise unexpected(self.path, "a boolean")
        return self.value

    def integer(self) -> int:
        """Return this value as an integer."""
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise unexpected(self.path, "an integer")
        return self.value

    def opt_str(self, key: str) -> str | None:
        """Return the string ``key``: None when absent, "" when marked as an empty string."""
        node = self.get(key)
        if node is not None:
            return node.text()
        marker = self._obj().get("_" + key)
        if isinstance(marker, dict) and any(
            isinstance(e, dict) and e.get("url") == EMPTY_STRING_EXT
            for e in marker.get("extension", [])
        ):
            return ""
        return None

    def req_str(self, key: str) -> str:
        """Return the string ``key``; raise ReadError when absent."""
        value = self.opt_str(key)
        if value is None:
            raise missing(f"{self.path}.{key}")
        return value

    def extension(self, url: str) -> Node | None:
        """Return the first extension with ``url``, or None."""
        for ext in self.items("extension"):
            if ext.get("url") is not None and ext.req("url").value == url:
                return ext
        return None

    def extensions(self, url: str) -> list[Node]:
        """Return every extension with ``url``."""
        return [e for e in self.items("extension") if e._obj().get("url") == url]


def put_str(target: dict[str, Any], key: str, value: str | None) -> None:
    """Set the string ``key`` on ``target``; an empty string becomes a marked empty element."""
    if value is None:
        return
    if value == "":
        target["_" + key] = {"extension": [{"url": EMPTY_STRING_EXT, "valueBoolean": True}]}
    else:
        target[key] = value
