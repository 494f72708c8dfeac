"""Source formats: each turns a byte stream into source records and compiles source paths.

One small module per format (``xmlsrc``, ``jsonsrc``, ``csvsrc``), each with a ``Format``
class that offers the same four things:

- ``compile(path)``: a compiled ``SourcePath`` (raises ``ValueError`` on bad syntax), whose
  ``values(node)`` give the scalar values at the path, ``locate(node, i)`` the
  ``SourceLocation`` of the i-th of them (computed only when a problem or ``--explain``
  needs it, which keeps the hot path cheap) and ``nodes(node)`` the entries of a repeating
  group, each with its location;
- ``read(stream, single=False)``: the records of a document, streaming, as ``SourceRecord``
  or, when the document itself is unusable, one ``SourceFailure`` (then the reading stops);
  ``single=True`` reads a quarantined record's own payload;
- ``join(base, rel)``: the location of a path below a node, for fields that are missing;
- ``content_type``: the media type of the payloads kept in quarantine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from ssd_gateway.mapping.outcome import SourceLocation

Located = tuple[Any, SourceLocation]


@dataclass(slots=True)
class SourceRecord:
    """One record of a source document, still in its source form."""

    index: int
    node: Any
    location: SourceLocation
    raw: Callable[[], bytes]
    problems: list[tuple[str, dict[str, object]]] = field(default_factory=list)


@dataclass(slots=True)
class SourceFailure:
    """The document (from ``location`` on) cannot be read; ``raw`` gives all of it."""

    location: SourceLocation
    code: str
    context: dict[str, object]
    raw: Callable[[], bytes]


#: what a format's ``read`` yields
Items = Iterator["SourceRecord | SourceFailure"]


class SourcePath(Protocol):
    """A compiled source path (XPath, JSON pointer or dotted path, CSV column)."""

    text: str

    def values(self, node: Any) -> list[Any]:
        """Return the scalar values at this path below ``node``, in document order."""
        ...

    def locate(self, node: Any, index: int) -> SourceLocation:
        """Return the location of the ``index``-th value at this path below ``node``."""
        ...

    def nodes(self, node: Any) -> list[Located]:
        """Return the nodes at this path below ``node`` (the entries of a group)."""
        ...


class Format(Protocol):
    """What the engine needs from a source format."""

    content_type: str

    def compile(self, path: str) -> SourcePath:
        """Compile ``path``; raise ValueError with a readable reason if it is malformed."""
        ...

    def read(self, stream: IO[bytes], single: bool = False) -> Items:
        """Yield the records of ``stream`` one at a time."""
        ...

    def join(self, base: SourceLocation, rel: str) -> SourceLocation:
        """Return the location of ``rel`` below the node at ``base``."""
        ...


def missing(value: Any) -> bool:
    """True for what counts as no value: None, empty or blank text, an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value
