"""The canonical dict of one record, built up by the rules, with where each value came from.

Rules set leaves at target paths (``child.custody_holders[1].name``); lists may be filled
by index or by repeating groups, and entries that end up empty are dropped. ``finish``
turns the tree into plain JSON data plus, per final target path, the leaf that produced it
and the source location of every group entry (used to place the model's problems).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ssd_gateway.mapping.outcome import SourceLocation

#: where a value was read: (compiled source path, source node, index of the value)
Where = tuple[Any, Any, int]


class Leaf:
    """One produced value, its source value, where it was read and its problem, if any."""

    __slots__ = ("problem", "rule", "source", "value", "where")

    def __init__(self, value: Any, source: Any, where: Where | None, rule: str,
                 problem: tuple[str, dict[str, object]] | None = None) -> None:
        self.value = value
        self.source = source
        self.where = where
        self.rule = rule
        self.problem = problem

    @property
    def location(self) -> SourceLocation | None:
        """The source location, worked out only when asked for (problems, ``--explain``)."""
        if self.where is None:
            return None
        path, node, index = self.where
        location: SourceLocation = path.locate(node, index)
        return location


class Obj(dict[str, Any]):
    """An object under construction; ``anchor`` is the source node it was built from."""

    __slots__ = ("anchor",)

    def __init__(self, anchor: SourceLocation | None = None) -> None:
        super().__init__()
        self.anchor = anchor


class Seq(dict[int, Any]):
    """A list under construction, keyed by index (gaps are closed when finished)."""

    __slots__ = ()

    def append_obj(self, anchor: SourceLocation) -> Obj:
        """Add an entry after the last one and return it."""
        entry = Obj(anchor)
        self[max(self) + 1 if self else 0] = entry
        return entry


Steps = tuple[tuple[str, int | None], ...]


def container(root: Obj, steps: Steps) -> Obj | Seq:
    """Return the object or list at ``steps`` below ``root``, creating it as needed."""
    node: Obj | Seq = root
    for name, index in steps:
        assert isinstance(node, Obj)
        child: Any = node.get(name)
        if child is None:
            child = node[name] = Seq() if index is not None else Obj()
        if index is not None:
            entry = child.get(index)
            if entry is None:
                entry = child[index] = Obj()
            child = entry
        node = child
    return node


def seq_at(root: Obj, steps: Steps) -> Seq:
    """Return the list at ``steps`` (its last step has no index)."""
    parent = container(root, steps[:-1])
    assert isinstance(parent, Obj)
    name = steps[-1][0]
    found = parent.get(name)
    if found is None:
        found = parent[name] = Seq()
    assert isinstance(found, Seq)
    return found


def put(root: Obj, steps: Steps, leaf: Leaf) -> None:
    """Set ``leaf`` at ``steps`` below ``root``."""
    if len(steps) == 1 and steps[0][1] is None:
        root[steps[0][0]] = leaf
        return
    parent = container(root, steps[:-1])
    assert isinstance(parent, Obj)
    name, index = steps[-1]
    if index is None:
        parent[name] = leaf
        return
    seq = parent.get(name)
    if seq is None:
        seq = parent[name] = Seq()
    seq[index] = leaf


@dataclass
class Finished:
    """The plain data of a record and, per target path, what produced it."""

    data: dict[str, Any]
    leaves: dict[str, Leaf] = field(default_factory=dict)
    anchors: dict[str, SourceLocation] = field(default_factory=dict)


_DROP = object()


def finish(root: Obj) -> Finished:
    """Turn the built tree into JSON data, closing list gaps and dropping empty entries."""
    out = Finished({})
    data = _finish(root, "", out)
    out.data = data if isinstance(data, dict) else {}
    return out


def _finish(node: Any, path: str, out: Finished) -> Any:
    if isinstance(node, Leaf):
        out.leaves[path] = node
        return _DROP if node.value is None else node.value
    if isinstance(node, Seq):
        items: list[Any] = []
        for index in sorted(node):
            value = _finish(node[index], f"{path}[{len(items)}]", out)
            if value is not _DROP:
                items.append(value)
        return items or _DROP
    if node.anchor is not None:
        out.anchors[path] = node.anchor
    result: dict[str, Any] = {}
    for name, child in node.items():
        value = _finish(child, f"{path}.{name}" if path else name, out)
        if value is not _DROP:
            result[name] = value
    return result if result or not path else _DROP


def plain(root: Obj) -> tuple[dict[str, Any], bool]:
    """The same data as ``finish(root).data``, without the per-path bookkeeping.

    Also says whether any leaf carries a problem; the engine takes this fast route for the
    common record and calls ``finish`` only when it needs paths (problems, ``--explain``).
    """
    flagged: list[bool] = []
    data = _plain(root, True, flagged)
    return data if isinstance(data, dict) else {}, bool(flagged)


def _plain(node: Any, top: bool, flagged: list[bool]) -> Any:
    cls = node.__class__
    if cls is Leaf:
        if node.problem is not None:
            flagged.append(True)
        value = node.value
        return _DROP if value is None else value
    if cls is Seq:
        items: list[Any] = []
        for index in sorted(node):
            value = _plain(node[index], False, flagged)
            if value is not _DROP:
                items.append(value)
        return items or _DROP
    result: dict[str, Any] = {}
    for name, child in node.items():
        if child.__class__ is Leaf:
            if child.problem is not None:
                flagged.append(True)
            value = child.value
            if value is not None:
                result[name] = value
            continue
        value = _plain(child, False, flagged)
        if value is not _DROP:
            result[name] = value
    return result if result or top else _DROP
