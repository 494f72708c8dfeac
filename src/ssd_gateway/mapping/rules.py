"""Compiled field rules and how each one fills the record under construction.

Three kinds: ``ValueRule`` (path, concat or const → one value or a list of values),
``ObjectRule`` (``fields`` without ``each``: an object from the same source node) and
``GroupRule`` (``each`` + ``fields``: one entry per repeated source node, or per part of a
split text). Each may carry a ``when`` condition.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ssd_gateway.mapping.build import Leaf, Obj, Steps, Where, put, seq_at
from ssd_gateway.mapping.outcome import SourceLocation
from ssd_gateway.mapping.sources import Located, SourcePath, missing
from ssd_gateway.mapping.sources.xmlsrc import XmlPath
from ssd_gateway.mapping.transforms import Fn, TransformFailed


@dataclass(slots=True)
class Part:
    """One part of a split text, as the node of a split group's entry."""

    value: str
    location: SourceLocation


class PartPath:
    """The path ``.`` inside a split group: the part itself."""

    text = "."

    def values(self, node: Any) -> list[Any]:
        """The part's text."""
        assert isinstance(node, Part)
        return [node.value]

    def locate(self, node: Any, index: int) -> SourceLocation:
        """The split field's location."""
        del index
        assert isinstance(node, Part)
        return node.location

    def nodes(self, node: Any) -> list[Located]:
        """A part has no nodes below it."""
        return []


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled ``when``: a test on the first value at a path."""

    path: SourcePath
    test: str
    argument: Any
    pattern: re.Pattern[str] | None = None

    def holds(self, node: Any) -> bool:
        """Return True if the field should be produced for ``node``."""
        found = [v for v in self.path.values(node) if not missing(v)]
        value = found[0] if found else None
        if self.test == "present":
            return bool(found) == bool(self.argument)
        if value is None:
            return self.test == "not_equals"
        text = _text(value)
        if self.test == "equals":
            return text == _text(self.argument)
        if self.test == "not_equals":
            return text != _text(self.argument)
        if self.test == "in":
            return text in {_text(a) for a in self.argument}
        assert self.pattern is not None
        return self.pattern.search(text) is not None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


@dataclass(slots=True)
class ValueRule:
    """A field from one path, several concatenated paths, or a constant."""

    target: str
    steps: Steps
    many: bool
    paths: Sequence[SourcePath] = ()
    concat: bool = False
    separator: str = " "
    const: Any = None
    has_const: bool = False
    default: Any = None
    has_default: bool = False
    required: bool = False
    transforms: Sequence[Fn] = ()
    when: Condition | None = None
    text: str = ""
    #: the single XML path of a single-valued field (the hot path), else None
    xml_path: XmlPath | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if (not self.concat and not self.many and not self.has_const and len(self.paths) == 1
                and self.paths[0].__class__ is XmlPath):
            path = self.paths[0]
            assert isinstance(path, XmlPath)
            self.xml_path = path

    def apply(self, node: Any, obj: Obj, anchor: SourceLocation) -> None:
        """Produce this field for ``node`` into ``obj``."""
        if self.when is not None and not self.when.holds(node):
            return
        if self.has_const:
            put(obj, self.steps, Leaf(self.const, None, None, "const"))
            return
        where: Where | None
        xml_path = self.xml_path
        if xml_path is not None:
            source, index = xml_path.first(node)
            where = None if source is None else (xml_path, node, index)
        else:
            source, where = self._read(node)
        if source is None:
            self._absent(obj, anchor)
            return
        value = source
        if self.transforms:
            try:
                for fn in self.transforms:
                    value = fn(value)
            except TransformFailed as exc:
                put(obj, self.steps, Leaf(source, source, where, self.text,
                                          (exc.code, exc.context)))
                return
            if missing(value):
                return
        elif value.__class__ is list and not value:
            return
        # a plain field of this object (the common case) goes straight in
        steps = self.steps
        if len(steps) == 1 and steps[0][1] is None:
            obj[steps[0][0]] = Leaf(value, source, where, self.text)
        else:
            put(obj, steps, Leaf(value, source, where, self.text))

    def _read(self, node: Any) -> tuple[Any, Where | None]:
        """The (cleaned) source value, or None, and where its first part was read."""
        if self.concat:
            parts = [(_text(values[0]), p) for p in self.paths
                     if (values := p.values(node)) and not missing(values[0])]
            if not parts:
                return None, None
            return self.separator.join(t for t, _ in parts), (parts[0][1], node, 0)
        path = self.paths[0]
        if not self.many and path.__class__ is XmlPath:
            value, index = path.first(node)
            return (None, None) if value is None else (value, (path, node, index))
        values = path.values(node)
        if not self.many:
            for i, value in enumerate(values):
                if value.__class__ is str:
                    value = value.strip()
                    if value:
                        return value, (path, node, i)
                elif value is not None:
                    return value, (path, node, i)
            return None, None
        found = [(i, _clean(v)) for i, v in enumerate(values) if not missing(v)]
        if not found:
            return None, None
        return [v for _, v in found], (path, node, found[0][0])

    def _absent(self, obj: Obj, anchor: SourceLocation) -> None:
        if self.has_default:
            put(obj, self.steps, Leaf(self.default, None, None, "default"))
        elif self.required:
            put(obj, self.steps, Leaf(None, None, None, self.text, ("source_missing", {})))


@dataclass(slots=True)
class ObjectRule:
    """An object whose fields come from the same source node."""

    target: str
    steps: Steps
    children: list[Rule] = field(default_factory=list)
    when: Condition | None = None

    def apply(self, node: Any, obj: Obj, anchor: SourceLocation) -> None:
        """Produce the object's fields."""
        if self.when is not None and not self.when.holds(node):
            return
        for child in self.children:
            child.apply(node, obj, anchor)


@dataclass(slots=True)
class GroupRule:
    """A list with one entry per repeated source node (or per part of a split text)."""

    target: str
    steps: Steps
    each: SourcePath
    split: str | None = None
    children: list[Rule] = field(default_factory=list)
    when: Condition | None = None

    def apply(self, node: Any, obj: Obj, anchor: SourceLocation) -> None:
        """Produce one entry per repeated node."""
        if self.when is not None and not self.when.holds(node):
            return
        seq = seq_at(obj, self.steps)
        for entry_node, location in self._entries(node):
            entry = seq.append_obj(location)
            for child in self.children:
                child.apply(entry_node, entry, location)

    def _entries(self, node: Any) -> list[Located]:
        if self.split is None:
            return self.each.nodes(node)
        out: list[Located] = []
        for i, text in enumerate(self.each.values(node)):
            parts = [p.strip() for p in str(text).split(self.split) if p.strip()]
            location = self.each.locate(node, i) if parts else None
            out += [(Part(p, location), location) for p in parts if location is not None]
        return out


Rule = ValueRule | ObjectRule | GroupRule
