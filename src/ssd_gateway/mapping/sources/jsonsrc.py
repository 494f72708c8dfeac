"""JSON exports: a list of record objects (or one object) somewhere in the document.

Options: ``records`` (JSON pointer ``/underretninger`` or dotted ``eksport.underretninger``;
empty for the document itself), ``year_pivot``. Field paths are JSON pointers (``/barn/cpr``)
or dotted paths (``barn.cpr``, ``observationer.0``) relative to the record; every location is
reported as a JSON pointer from the document root.

The document is parsed whole (the json module does not stream); records are then mapped one
at a time. Exports too large for memory belong in CSV or XML, which stream.
"""

from __future__ import annotations

import json
from typing import IO, Any

from ssd_gateway.mapping.outcome import SourceLocation
from ssd_gateway.mapping.sources import Items, Located, SourceFailure, SourceRecord


def split_path(path: str) -> list[str]:
    """Split a JSON pointer or a dotted path into its steps (``""`` and ``.`` → no step)."""
    if path in ("", ".", "/"):
        return []
    if path.startswith("/"):
        return [s.replace("~1", "/").replace("~0", "~") for s in path[1:].split("/")]
    steps: list[str] = []
    for part in path.split("."):
        if not part:
            raise ValueError(f"empty step in dotted path '{path}'")
        name, bracket, rest = part.partition("[")
        if name:
            steps.append(name)
        while bracket:
            index, _, rest = rest.partition("]")
            if not index.isdigit():
                raise ValueError(f"'[{index}]' is not an array index in '{path}'")
            steps.append(index)
            _, bracket, rest = rest.partition("[")
    return steps


def _pointer(steps: list[str]) -> str:
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in steps)


def _walk(value: Any, steps: list[str]) -> Any:
    for step in steps:
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


class JsonPath:
    """A compiled JSON pointer or dotted path."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._steps = split_path(text)
        self._suffix = _pointer(self._steps)

    def values(self, node: tuple[Any, str]) -> list[Any]:
        """The value at the path; an array gives each of its items."""
        value = _walk(node[0], self._steps)
        if isinstance(value, list):
            return value
        return [] if value is None else [value]

    def locate(self, node: tuple[Any, str], index: int) -> SourceLocation:
        """The JSON pointer of the value (with the item's index inside an array)."""
        where = node[1] + self._suffix
        value = _walk(node[0], self._steps)
        return SourceLocation(f"{where}/{index}" if isinstance(value, list) else where)

    def nodes(self, node: tuple[Any, str]) -> list[Located]:
        """The array items (or the single object) at the path, as group entries."""
        obj, base = node
        value = _walk(obj, self._steps)
        where = base + self._suffix
        if isinstance(value, list):
            return [((v, f"{where}/{i}"), SourceLocation(f"{where}/{i}"))
                    for i, v in enumerate(value)]
        return [] if value is None else [((value, where), SourceLocation(where))]


class JsonFormat:
    """Reads JSON exports; see the module docstring for the options."""

    content_type = "application/json"

    def __init__(self, records: str) -> None:
        self._steps = split_path(records)

    def compile(self, path: str) -> JsonPath:
        """Compile a pointer or dotted path relative to a record."""
        return JsonPath(path)

    def join(self, base: SourceLocation, rel: str) -> SourceLocation:
        """The pointer of ``rel`` below ``base``."""
        return SourceLocation(base.path + _pointer(split_path(rel)))

    def read(self, stream: IO[bytes], single: bool = False) -> Items:
        """Parse the document, then yield its records one at a time."""
        data = stream.read()

        def whole() -> bytes:
            return data

        try:
            document = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            yield SourceFailure(SourceLocation("(dokument)"), "encoding", {"encoding": "utf-8",
                                "detail": exc.reason}, whole)
            return
        except json.JSONDecodeError as exc:
            yield SourceFailure(SourceLocation("(dokument)", exc.lineno, exc.colno), "json_syntax",
                                {"detail": exc.msg}, whole)
            return
        steps = [] if single else self._steps
        records = _walk(document, steps)
        base = _pointer(steps)
        if isinstance(records, dict):
            yield from self._records([records], base, single_object=True)
            return
        if not isinstance(records, list):
            yield SourceFailure(SourceLocation(base or "/"), "json_records", {}, whole)
            return
        yield from self._records(records, base, single_object=False)

    def _records(self, records: list[Any], base: str,
                 single_object: bool) -> Items:
        for i, item in enumerate(records):
            where = base if single_object else f"{base}/{i}"
            problems: list[tuple[str, dict[str, object]]] = []
            if not isinstance(item, dict):
                problems.append(("not_a_record", {}))
            yield SourceRecord(i + 1, (item, where), SourceLocation(where or "/"), _dump(item),
                               problems)


def _dump(item: Any) -> Any:
    return lambda: json.dumps(item, ensure_ascii=False, indent=2).encode("utf-8")
