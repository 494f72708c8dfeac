"""The canonical model's field tree, so a mapping's target paths can be checked when loaded.

A target path is dotted, with an optional index on list fields:
``child.custody_holders[1].name``. ``shape_of`` says whether it ends at a scalar, a list of
scalars, an object or a list of objects, or raises ``UnknownTarget`` naming the bad step.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

ShapeKind = Literal["scalar", "scalars", "object", "objects"]
_STEP = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$")


@dataclass(frozen=True)
class Shape:
    """What a target path ends at; ``model`` is set for objects and lists of objects."""

    kind: ShapeKind
    model: type[BaseModel] | None = None


class UnknownTarget(ValueError):
    """A target path names a field the record kind does not have."""


def parse_target(path: str) -> list[tuple[str, int | None]]:
    """Split ``a.b[1].c`` into ``[("a", None), ("b", 1), ("c", None)]``; raise ValueError."""
    steps: list[tuple[str, int | None]] = []
    for part in path.split("."):
        match = _STEP.match(part)
        if not match:
            raise UnknownTarget(f"'{part}' is not a field name (letters, digits, _; [n] on lists)")
        steps.append((match[1], int(match[2]) if match[2] is not None else None))
    return steps


def _unwrap(annotation: Any) -> tuple[bool, Any]:
    """Return (is_list, item type) with Optional and Annotated removed."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else (False, annotation)
    if origin is list:
        return True, _unwrap(get_args(annotation)[0])[1]
    if hasattr(annotation, "__metadata__"):
        return _unwrap(annotation.__origin__)
    return False, annotation


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def shape_of(model: type[BaseModel], path: str) -> Shape:
    """Return the shape at ``path`` inside ``model``; raise UnknownTarget if it has none."""
    current: type[BaseModel] = model
    steps = parse_target(path)
    for i, (name, index) in enumerate(steps):
        field = current.model_fields.get(name)
        if field is None:
            known = ", ".join(sorted(current.model_fields))
            raise UnknownTarget(f"'{name}' is not a field of {current.__name__} (known: {known})")
        is_list, item = _unwrap(field.annotation)
        if index is not None and not is_list:
            raise UnknownTarget(f"'{name}' is not a list; [{index}] cannot index it")
        last = i == len(steps) - 1
        if last:
            many = is_list and index is None
            if _is_model(item):
                return Shape("objects" if many else "object", item)
            return Shape("scalars" if many else "scalar")
        if not _is_model(item) or (is_list and index is None):
            hint = f"; write {name}[0].… or use 'each'" if is_list else ""
            raise UnknownTarget(f"'{name}' has no fields below it{hint}")
        current = item
    raise UnknownTarget("empty target path")  # pragma: no cover - split never yields no step
