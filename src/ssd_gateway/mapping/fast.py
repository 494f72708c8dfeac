"""The fast path of a mapping: the record's plain data, built by code compiled from the rules.

The rules (``rules.py``) build a tree of ``Leaf`` objects that remember where every value
came from, so that a problem can be reported at its source location and ``--explain`` can
show what became what; ``build.plain`` then turns that tree into the record's data. Most
records have no problem, and for them all that bookkeeping is thrown away. ``compile_fast``
writes one Python function per mapping that reads the same values, applies the same
transforms, conditions, defaults and constants and builds plain dicts and lists directly:
an XML record's elements are indexed by parent and tag in one pass, each child path is looked
up once (``sl:AfsnitB/...`` is found once for all the fields below it), and a field costs a
few lines instead of a few calls.

The moment anything is off (a transform fails, a required value is missing) the function
gives up and ``FastBuilder.build`` returns ``None``; the engine then runs the rules, which
report every problem with its location. So the fast path only ever produces what the rules
would have produced (``tests/mapping/test_fast.py`` compares the two on every shipped
mapping and on systematically varied and broken inputs), and never a problem of its own.

Why generating code is safe here: the source is built only from fixed text, variable names
this module makes up (``e3``, ``p7``) and numbers. Every value that comes from a mapping
file (tag and attribute names, target field names, constants, defaults, code maps) enters
the function as a global of its namespace (``k12``), never as text in the source; a test
checks that the source holds no quote character at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ssd_gateway.mapping.build import Steps
from ssd_gateway.mapping.rules import GroupRule, ObjectRule, Rule, ValueRule
from ssd_gateway.mapping.sources import missing
from ssd_gateway.mapping.sources.xmlsrc import Kids, XmlPath, element_text, has_text
from ssd_gateway.mapping.transforms import TransformFailed

_NONE: list[Any] = []
#: the children (none) of an element that has no child elements
_NOKIDS: dict[str, list[Any]] = {}


class _GiveUp(Exception):
    """Something the rules would report as a problem: leave the record to them."""


class _Indexed(dict[int, Any]):
    """A list filled by index (``granted_by[1].name``); gaps close when the record is done."""


class FastBuilder:
    """The compiled fast path of one mapping's rules."""

    def __init__(self, build: Callable[[Any], dict[str, Any]], source: str) -> None:
        self._build = build
        #: the generated source (for tests and for the curious)
        self.source = source

    def build(self, node: Any) -> dict[str, Any] | None:
        """The record's data as ``build.plain`` would give it, or None to use the rules."""
        try:
            return self._build(node)
        except (_GiveUp, TransformFailed):
            return None


def compile_fast(rules: Sequence[Rule], *, xml: bool) -> FastBuilder:
    """Compile a loaded mapping's ``rules`` into their fast path (``xml``: XML records)."""
    writer = _Writer()
    source = writer.function(rules, xml)
    namespace = {**writer.constants, **_HELPERS}
    exec(compile(source, "<mapping fast path>", "exec"), namespace)
    return FastBuilder(namespace["build"], source)


# -- helpers the generated code calls ------------------------------------------------------


def _kid(kids: Kids, elements: list[Any], tag: str) -> list[Any]:
    """The children with ``tag`` of every element in ``elements``, in document order."""
    out: list[Any] = []
    for element in elements:
        out += kids.get(element, _NOKIDS).get(tag, _NONE)
    return out


def _index(record: Any) -> Kids:
    """Every element below ``record`` that has child elements → its children by tag.

    One pass in document order, so each list of children is in document order too; an
    element without child elements has no entry. Walking the record once is cheaper than
    asking each element for its children: lxml makes an iterator per element asked.
    """
    kids: Kids = {}
    for child in record.iterdescendants():
        tag = child.tag
        if tag.__class__ is not str:  # a comment or processing instruction
            continue
        parent = child.getparent()
        found = kids.get(parent)
        if found is None:
            kids[parent] = {tag: [child]}
            continue
        same = found.get(tag)
        if same is None:
            found[tag] = [child]
        else:
            same.append(child)
    return kids


def _put_indexed(out: dict[str, Any], steps: Steps, value: Any) -> None:
    node: Any = out
    for name, index in steps[:-1]:
        child = node.get(name)
        if child is None:
            child = node[name] = _Indexed() if index is not None else {}
        if index is not None:
            entry = child.get(index)
            if entry is None:
                entry = child[index] = {}
            child = entry
        node = child
    name, index = steps[-1]
    if index is None:
        node[name] = value
        return
    seq = node.get(name)
    if seq is None:
        seq = node[name] = _Indexed()
    seq[index] = value


def _closed(value: Any) -> Any:
    """Lists filled by index become lists in index order; everything else is kept."""
    if isinstance(value, _Indexed):
        return [_closed(value[i]) for i in sorted(value)]
    if isinstance(value, dict):
        return {name: _closed(child) for name, child in value.items()}
    if isinstance(value, list):
        return [_closed(item) for item in value]
    return value


_HELPERS: dict[str, Any] = {
    "_kid": _kid, "_text": element_text, "_has_text": has_text, "_missing": missing,
    "_GiveUp": _GiveUp, "_put_indexed": _put_indexed, "_closed": _closed, "_NOWHERE": "",
    "_NONE": _NONE, "_NOKIDS": _NOKIDS, "_index": _index,
}


# -- the code writer -----------------------------------------------------------------------


@dataclass
class _Scope:
    """Where rules are applied: a source node, maybe an element, and the object they fill."""

    node: str
    out: str
    element: str | None = None
    #: child-tag path below ``element`` → the variable holding the elements found there
    found: dict[tuple[str, ...], str] = field(default_factory=dict)
    #: target object path → the variable holding that object (None until a value needs it)
    objects: dict[tuple[str, ...], str] = field(default_factory=dict)


@dataclass
class _Writer:
    """Writes the source of ``build(node)``; values from the mapping become ``kN`` globals."""

    lines: list[str] = field(default_factory=list)
    constants: dict[str, Any] = field(default_factory=dict)
    depth: int = 1
    counter: int = 0
    indexed: bool = False

    def function(self, rules: Sequence[Rule], xml: bool) -> str:
        """The whole source: ``build(node)`` returning the record's data."""
        if xml:
            # an XML record node is (element, where, child index filled as the rules ask);
            # generic reads get that node, the compiled lookups the whole record's index
            self.line("element, _where, lazy = node")
            self.line("kids = _index(element)")
        self.line("out = {}")
        self._scope_rules(rules, _Scope("node", "out", "element" if xml else None))
        self.line("return _closed(out)" if self.indexed else "return out")
        return "def build(node):\n" + "\n".join(self.lines) + "\n"

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    @contextmanager
    def block(self, head: str) -> Iterator[None]:
        self.line(head)
        self.depth += 1
        yield
        self.depth -= 1

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def const(self, value: Any) -> str:
        name = f"k{len(self.constants)}"
        self.constants[name] = value
        return name

    # -- scopes and the paths they read --------------------------------------------------

    def _scope_rules(self, rules: Sequence[Rule], scope: _Scope) -> None:
        for names in sorted(_objects(rules), key=len):
            scope.objects[names] = var = self.name("d")
            self.line(f"{var} = None")
        if scope.element is not None:
            for tags in sorted(_tag_paths(rules), key=len):
                self._find(scope, tags)
        for rule in rules:
            self._rule(rule, scope)

    def _find(self, scope: _Scope, tags: tuple[str, ...]) -> str:
        """The variable with the elements at ``tags`` below the scope's element."""
        if not tags:
            return f"[{scope.element}]"
        known = scope.found.get(tags)
        if known is not None:
            return known
        var, tag = self.name("p"), self.const(tags[-1])
        if len(tags) == 1:
            self.line(f"{var} = {self._index(scope, ())}.get({tag}, _NONE)")
        else:
            parent, index = self._find(scope, tags[:-1]), self._index(scope, tags[:-1])
            # one parent: its index; none (an absent section): nothing; several: walk them
            self.line(f"{var} = {index}.get({tag}, _NONE) if {index} is not None "
                      f"else _kid(kids, {parent}, {tag}) if {parent} else _NONE")
        scope.found[tags] = var
        return var

    def _index(self, scope: _Scope, tags: tuple[str, ...]) -> str:
        """The variable with the child index (tag → elements) of the one element at ``tags``
        (None when there are several: ``_kid`` then walks them)."""
        key = ("#index", *tags)
        known = scope.found.get(key)
        if known is not None:
            return known
        var = self.name("c")
        if not tags:
            self.line(f"{var} = kids.get({scope.element}, _NOKIDS)")
        else:
            parent = self._find(scope, tags)
            self.line(f"{var} = kids.get({parent}[0], _NOKIDS) if len({parent}) == 1 else None")
        scope.found[key] = var
        return var

    # -- rules --------------------------------------------------------------------------

    def _rule(self, rule: Rule, scope: _Scope) -> None:
        when = rule.when
        if when is None:
            self._body(rule, scope)
            return
        simple = _simple(when.path) if scope.element is not None else None
        if when.test == "present" and simple is not None:
            # present: some value at the path is not blank, i.e. it has a first value
            self._read_present(scope, *simple)
            head = f"if (v is not None) is {self.const(bool(when.argument))}:"
        else:
            head = f"if {self.const(when.holds)}({scope.node}):"
        with self.block(head):
            self._body(rule, scope)

    def _body(self, rule: Rule, scope: _Scope) -> None:
        if isinstance(rule, ObjectRule):
            for child in rule.children:
                self._rule(child, scope)
            if not rule.children:
                self.line("pass")
        elif isinstance(rule, GroupRule):
            self._group(rule, scope)
        elif rule.has_const and rule.const is not None:
            self._set(rule.steps, scope, self.const(rule.const))
        elif rule.has_const:
            self.line("pass")
        else:
            self._value(rule, scope)

    def _value(self, rule: ValueRule, scope: _Scope) -> None:
        simple = _simple(rule.xml_path) if scope.element is not None else None
        parts = _concat_parts(rule) if scope.element is not None else None
        listed = _list_path(rule) if scope.element is not None else None
        if simple is not None:
            self._read_simple(scope, *simple)
        elif listed is not None:
            self._read_all(scope, *listed)
        elif parts is not None:
            self._read_concat(scope, parts, rule.separator)
        elif rule.xml_path is not None:
            self.line(f"v = {self.const(rule.xml_path.first_value)}({scope.node})")
        else:
            self.line(f"v = {self.const(rule._read)}({scope.node})[0]")
        with self.block("if v is not None:"):
            for i, fn in enumerate(rule.transforms):
                # a plain read gives text: the first transform's per-item function will do
                one = getattr(fn, "one", None) if i == 0 and (simple or parts) else None
                self.line(f"v = {self.const(one or fn)}(v)")
            test = (_NOT_MISSING if rule.transforms else None
                    if simple is not None or parts is not None or listed is not None else
                    "if v.__class__ is not list or v:")
            if test is None:
                self._set(rule.steps, scope, "v")
            else:
                with self.block(test):
                    self._set(rule.steps, scope, "v")
        with self.block("else:"):
            self._absent(rule, scope)

    def _read_simple(self, scope: _Scope, tags: tuple[str, ...], attr: str | None) -> None:
        """``v`` = the first non-blank value at the path, stripped, else None."""
        if not tags:  # the scope's own element
            assert scope.element is not None
            self.line(f"v = {self._read_expr(scope.element, attr)}")
            with self.block("if v is not None:"):
                self.line("v = v.strip() or None")
            return
        read = self._read_expr("x", attr)
        self.line("v = None")
        with self.block(f"for x in {self._find(scope, tags)}:"):
            self.line(f"t = {read}")
            with self.block("if t is not None:"):
                self.line("t = t.strip()")
                with self.block("if t:"):
                    self.line("v = t")
                    self.line("break")

    def _read_present(self, scope: _Scope, tags: tuple[str, ...], attr: str | None) -> None:
        """``v`` = True if some value at the path is not blank, else None.

        As ``_read_simple`` would decide it, without joining the text of an element that
        has children (a whole section, for a condition on it): any non-blank piece will do.
        """
        if attr is not None:
            self._read_simple(scope, tags, attr)
            return
        found = f"[{scope.element}]" if not tags else self._find(scope, tags)
        self.line("v = None")
        with self.block(f"for x in {found}:"), self.block("if _has_text(x):"):
            self.line("v = True")
            self.line("break")

    def _read_all(self, scope: _Scope, tags: tuple[str, ...], attr: str | None) -> None:
        """``v`` = every non-blank value at the path, stripped, in order; None if none."""
        self.line("v = []")
        with self.block(f"for x in {self._find(scope, tags)}:"):
            self.line(f"t = {self._read_expr('x', attr)}")
            with self.block("if t is not None:"):
                self.line("t = t.strip()")
                with self.block("if t:"):
                    self.line("v.append(t)")
        with self.block("if not v:"):
            self.line("v = None")

    def _read_expr(self, element: str, attr: str | None) -> str:
        """The raw value of an element: its attribute ``attr``, else its text (None if it has
        no text: an element without text reads as None here, as blank in the rules; both are
        skipped)."""
        if attr is not None:
            return f"{element}.get({self.const(attr)})"
        return f"{element}.text if len({element}) == 0 else _text({element})"

    def _read_concat(self, scope: _Scope, parts: list[tuple[tuple[str, ...], str | None]],
                     separator: str) -> None:
        """``v`` = the non-blank first values of the paths joined, else None."""
        self.line("q = []")
        for tags, attr in parts:
            with self.block(f"for x in {self._find(scope, tags)}:"):
                self.line(f"t = {self._read_expr('x', attr)}")
                with self.block("if t is not None:"):
                    self.line("t = t.strip()")
                    with self.block("if t:"):
                        self.line("q.append(t)")
                self.line("break")  # only the first value of each path counts
        self.line(f"v = {self.const(separator)}.join(q) if q else None")

    def _absent(self, rule: ValueRule, scope: _Scope) -> None:
        if rule.has_default and rule.default is not None:
            self._set(rule.steps, scope, self.const(rule.default))
        elif rule.required and not rule.has_default:
            self.line("raise _GiveUp")
        else:
            self.line("pass")

    def _group(self, rule: GroupRule, scope: _Scope) -> None:
        items, entry = self.name("items"), self.name("o")
        self.line(f"{items} = []")
        simple = _simple(rule.each) if rule.split is None else None
        if scope.element is not None and simple is not None:
            element = self.name("e")
            inner = _Scope(self.name("n"), entry, element)
            head = f"for {element} in {self._find(scope, simple[0])}:"
            with self.block(head):
                self.line(f"{inner.node} = ({element}, _NOWHERE, lazy)")
                start = len(self.lines)
                self._entry(rule, inner, items)
                used = re.compile(rf"\b{inner.node}\b")
                if not any(used.search(line) for line in self.lines[start:]):
                    del self.lines[start - 1]  # no condition or generic read needs the node
        else:
            inner = _Scope(self.name("n"), entry)
            entries = self.const(_generic_entries(rule))
            with self.block(f"for {inner.node} in {entries}({scope.node}):"):
                self._entry(rule, inner, items)
        with self.block(f"if {items}:"):
            self._set(rule.steps, scope, items)

    def _entry(self, rule: GroupRule, inner: _Scope, items: str) -> None:
        self.line(f"{inner.out} = {{}}")
        self._scope_rules(rule.children, inner)
        with self.block(f"if {inner.out}:"):
            self.line(f"{items}.append({inner.out})")

    def _set(self, steps: Steps, scope: _Scope, value: str) -> None:
        if any(index is not None for _, index in steps):
            self.indexed = True
            self.line(f"_put_indexed({scope.out}, {self.const(steps)}, {value})")
            return
        target = self._object(scope, tuple(name for name, _ in steps[:-1]))
        self.line(f"{target}[{self.const(steps[-1][0])}] = {value}")

    def _object(self, scope: _Scope, names: tuple[str, ...]) -> str:
        """The variable of the object at ``names`` in the scope, created when first needed."""
        if not names:
            return scope.out
        var = scope.objects[names]
        with self.block(f"if {var} is None:"):
            parent, key = self._object(scope, names[:-1]), self.const(names[-1])
            self.line(f"{var} = {parent}.get({key})")
            with self.block(f"if {var} is None:"):
                self.line(f"{var} = {parent}[{key}] = {{}}")
        return var


#: ``not sources.missing(v)`` without the call (a transform may give None, blank or [])
_NOT_MISSING = ("if not (v is None or (isinstance(v, str) and not v.strip())"
                " or (isinstance(v, list) and not v)):")


def _simple(path: Any) -> tuple[tuple[str, ...], str | None] | None:
    """(child tags, attribute) of a plain XML child path, else None."""
    return path.child_steps() if isinstance(path, XmlPath) else None


def _concat_parts(rule: ValueRule) -> list[tuple[tuple[str, ...], str | None]] | None:
    """The plain XML child paths of a concatenation (None if it is none, or not all plain)."""
    if not rule.concat or rule.has_const:
        return None
    parts = [_simple(path) for path in rule.paths]
    return None if any(p is None for p in parts) else [p for p in parts if p is not None]


def _objects(rules: Sequence[Rule]) -> set[tuple[str, ...]]:
    """The paths of the objects the rules of one scope write into (below the scope's own)."""
    found: set[tuple[str, ...]] = set()
    for rule in rules:
        if any(index is not None for _, index in rule.steps):
            continue
        names = tuple(name for name, _ in rule.steps[:-1])
        found.update(names[:n] for n in range(1, len(names) + 1))
        if isinstance(rule, ObjectRule):
            found |= _objects(rule.children)
    return found


def _list_path(rule: ValueRule) -> tuple[tuple[str, ...], str | None] | None:
    """(child tags, attribute) of a list of values read from one plain XML path."""
    if not rule.many or rule.concat or rule.has_const or len(rule.paths) != 1:
        return None
    return _simple(rule.paths[0])


def _tag_paths(rules: Sequence[Rule]) -> set[tuple[str, ...]]:
    """Every child-tag path the rules of one scope read (not inside their groups' entries)."""
    found: set[tuple[str, ...]] = set()
    for rule in rules:
        if rule.when is not None and (simple := _simple(rule.when.path)) is not None:
            found.add(simple[0])
        if isinstance(rule, ValueRule) and (parts := _concat_parts(rule)) is not None:
            found.update(tags for tags, _ in parts)
        if isinstance(rule, ValueRule) and (listed := _list_path(rule)) is not None:
            found.add(listed[0])
        if isinstance(rule, ObjectRule):
            found |= _tag_paths(rule.children)
        elif isinstance(rule, GroupRule):
            simple = _simple(rule.each) if rule.split is None else None
            if simple is not None:
                found.add(simple[0])
        elif not rule.has_const and (simple := _simple(rule.xml_path)) is not None:
            found.add(simple[0])
    return found


def _generic_entries(rule: GroupRule) -> Callable[[Any], list[Any]]:
    entries = rule._entries  # split texts, JSON arrays, XPath expressions

    def nodes(node: Any) -> list[Any]:
        return [entry for entry, _ in entries(node)]

    return nodes
