"""Load YAML into plain Python data while keeping the line of every key and value.

PyYAML's composer keeps marks on nodes; we build the data from the nodes ourselves so that
each path (``("fields", "child.id", "path")``) maps to its 1-based line. Mapping keys are
always the key's text (a code map's ``01`` stays ``"01"``, never the integer 1), and a
duplicate key is an error instead of silently winning.
"""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[str | int, ...]


class YamlProblem(ValueError):
    """The text is not YAML we accept; ``line`` is 1-based."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """Return the data of ``text`` and a map from each key path to its line."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise YamlProblem(str(exc.problem or exc), line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc), None) from None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    if node is None:
        return None, lines
    return _build(yaml.SafeLoader(""), node, (), lines), lines


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in out:
                raise YamlProblem(f"duplicate key '{key}'", key_node.start_mark.line + 1)
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _build(loader, value_node, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def line_of(lines: dict[Path, int], loc: tuple[Any, ...]) -> int | None:
    """Return the line of the deepest known prefix of ``loc`` (pydantic union tags skipped)."""
    path: Path = ()
    found = lines.get(path)
    for item in loc:
        candidate = (*path, item)
        if candidate in lines:
            path = candidate
            found = lines[path]
    return found
