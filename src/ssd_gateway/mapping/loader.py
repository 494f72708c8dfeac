"""Load a mapping file: YAML with line marks → ``MappingSpec`` → checked, compiled ``Mapping``.

Everything wrong in the file is reported at once as ``MappingInvalid``, each problem with the
file's line: unknown or misspelt keys, bad XPath syntax or undeclared namespace prefixes,
columns missing from the declared header, unknown target fields, undefined code maps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ssd_gateway.mapping.errors import MappingInvalid, SpecProblem
from ssd_gateway.mapping.fast import FastBuilder, compile_fast
from ssd_gateway.mapping.rules import Condition, GroupRule, ObjectRule, PartPath, Rule, ValueRule
from ssd_gateway.mapping.sources import Format, SourcePath
from ssd_gateway.mapping.sources.csvsrc import CsvFormat
from ssd_gateway.mapping.sources.jsonsrc import JsonFormat
from ssd_gateway.mapping.sources.xmlsrc import XmlFormat
from ssd_gateway.mapping.spec import (
    TRANSFORM_NAMES,
    CsvSource,
    FieldRule,
    JsonSource,
    MappingSpec,
    XmlSource,
)
from ssd_gateway.mapping.targets import Shape, UnknownTarget, parse_target, shape_of
from ssd_gateway.mapping.transforms import Fn, compile_transform
from ssd_gateway.mapping.yamllines import Path as KeyPath
from ssd_gateway.mapping.yamllines import YamlProblem, line_of, load_with_lines
from ssd_gateway.model import RECORD_CLASSES

_INDEX = re.compile(r"\[\d+\]")


@dataclass
class Mapping:
    """A loaded, checked mapping, ready to map documents."""

    spec: MappingSpec
    file: str
    format: Format
    rules: list[Rule]
    #: target path with ``[]`` for indices → the source path the mapping reads it from
    sources_of: dict[str, str] = field(default_factory=dict)
    #: the rules compiled to build a record's data without bookkeeping (see ``fast``)
    fast: FastBuilder | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.fast is None:
            self.fast = compile_fast(self.rules, xml=isinstance(self.format, XmlFormat))

    @property
    def id(self) -> str:
        """The mapping's id (what quarantine entries refer to)."""
        return self.spec.id

    @property
    def version(self) -> str:
        """The mapping's version."""
        return self.spec.version

    @property
    def kind(self) -> str:
        """The record kind it produces."""
        return self.spec.target.kind


def template_of(target: str) -> str:
    """``a.b[3].c`` → ``a.b[].c``: the shape of a target path without its indices."""
    return _INDEX.sub("[]", target)


def load_mapping(path: str | Path) -> Mapping:
    """Read, check and compile the mapping file at ``path``; raise MappingInvalid."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingInvalid([SpecProblem(str(file), None, "", f"cannot read: {exc}")]) from None
    return parse_mapping(text, str(file))


def parse_mapping(text: str, name: str = "<mapping>") -> Mapping:
    """Check and compile mapping text; ``name`` is used in problem locations."""
    try:
        data, lines = load_with_lines(text)
    except YamlProblem as exc:
        raise MappingInvalid([SpecProblem(name, exc.line, "", str(exc))]) from None
    if not isinstance(data, dict):
        raise MappingInvalid([SpecProblem(name, 1, "", "a mapping file is a YAML mapping "
                                                       "(id, version, source, target, fields)")])
    problems, fields = _valid_fields(data.get("fields"), lines, name)
    try:
        raw_fields = data.get("fields")
        spec = MappingSpec.model_validate(
            {**data, "fields": fields if isinstance(raw_fields, dict) else raw_fields})
    except ValidationError as exc:
        problems += [p for p in _pydantic_problems(exc, lines, name)
                     if not (problems and p.key.startswith("fields"))]
        raise MappingInvalid(problems) from None
    return _Compiler(spec, lines, name, problems).compile()


def _valid_fields(raw: object, lines: dict[KeyPath, int],
                  name: str) -> tuple[list[SpecProblem], dict[str, Any]]:
    """Check each field rule on its own, so one bad rule does not hide the others."""
    problems: list[SpecProblem] = []
    valid: dict[str, Any] = {}
    if not isinstance(raw, dict):
        return problems, valid
    for key, rule in raw.items():
        try:
            FieldRule.model_validate(rule)
        except ValidationError as exc:
            problems += _pydantic_problems(exc, lines, name, ("fields", key))
        else:
            valid[key] = rule
    return problems, valid


def _render_key(loc: tuple[Any, ...]) -> str:
    out = ""
    for item in loc:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += f"{'.' if out else ''}{item}"
    return out


def _pydantic_problems(exc: ValidationError, lines: dict[KeyPath, int], name: str,
                       prefix: KeyPath = ()) -> list[SpecProblem]:
    problems = []
    for err in exc.errors(include_url=False):
        full = (*prefix, *err["loc"])
        loc = tuple(p for p in full if not (isinstance(p, str) and (
            p in {"xml", "json", "csv"} or "(" in p or "[" in p)))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
            if len(loc) >= 2 and isinstance(loc[-2], int) and "transforms" in loc:
                message = f"unknown transform (known: {', '.join(TRANSFORM_NAMES)})"
        problems.append(SpecProblem(name, line_of(lines, full), _render_key(loc), message))
    return problems


class _Compiler:
    """Checks a validated spec against its format and target model, and compiles its rules."""

    def __init__(self, spec: MappingSpec, lines: dict[KeyPath, int], name: str,
                 problems: list[SpecProblem]) -> None:
        self.spec = spec
        self.lines = lines
        self.name = name
        self.problems = problems
        self.sources_of: dict[str, str] = {}
        self.pivot = spec.source.year_pivot

    def problem(self, loc: KeyPath, message: str) -> None:
        self.problems.append(SpecProblem(self.name, line_of(self.lines, loc), _render_key(loc),
                                         message))

    def compile(self) -> Mapping:
        fmt = self._format()
        model = RECORD_CLASSES.get(self.spec.target.kind)
        if model is None:
            known = ", ".join(sorted(RECORD_CLASSES))
            self.problem(("target", "kind"), f"unknown record kind (known: {known})")
        if not self.spec.fields and not self.problems:
            self.problem(("fields",), "a mapping needs at least one field rule")
        for code_name, table in self.spec.codes.items():
            if not table:
                self.problem(("codes", code_name), "an empty code map")
        rules: list[Rule] = []
        if model is not None and fmt is not None:
            rules = self._rules(self.spec.fields, model, fmt, ("fields",), (), "", False)
        if self.problems:
            raise MappingInvalid(self.problems)
        assert fmt is not None
        return Mapping(self.spec, self.name, fmt, rules, self.sources_of)

    def _format(self) -> Format | None:
        source = self.spec.source
        try:
            if isinstance(source, XmlSource):
                return XmlFormat(source.namespaces, source.record)
            if isinstance(source, JsonSource):
                return JsonFormat(source.records)
            assert isinstance(source, CsvSource)
            return CsvFormat(source.delimiter, source.quotechar, source.encoding,
                             source.header_row, source.header, _columns(self.spec.fields))
        except ValueError as exc:
            self.problem(("source", "record"), str(exc))
            return None

    def _rules(self, fields: dict[str, FieldRule], model: type[BaseModel], fmt: Format,
               loc: KeyPath, prefix: tuple[tuple[str, int | None], ...], template: str,
               in_split: bool) -> list[Rule]:
        self._overlaps(list(fields), loc)
        rules: list[Rule] = []
        for target, rule in fields.items():
            here = (*loc, target)
            if target == "kind" and not prefix and not template:
                self.problem(here, "'kind' comes from target.kind")
                continue
            try:
                shape = shape_of(model, target)
                steps = tuple(parse_target(target))
            except UnknownTarget as exc:
                self.problem(here, f"unknown target field: {exc}")
                continue
            full = f"{template}.{target}" if template else target
            compiled = self._rule(target, rule, shape, model, fmt, here, (*prefix, *steps),
                                  full, in_split)
            if compiled is not None:
                rules.append(compiled)
        return rules

    def _overlaps(self, targets: list[str], loc: KeyPath) -> None:
        for a in targets:
            for b in targets:
                if b.startswith((a + ".", a + "[")):
                    self.problem((*loc, b), f"overlaps '{a}': give one rule per field")

    def _rule(self, target: str, rule: FieldRule, shape: Shape, model: type[BaseModel],
              fmt: Format, loc: KeyPath, steps: tuple[tuple[str, int | None], ...],
              full: str, in_split: bool) -> Rule | None:
        when = self._when(rule, fmt, loc, in_split)
        if rule.fields is not None:
            return self._container(target, rule, shape, fmt, loc, steps, full, in_split, when)
        if "const" not in rule.model_fields_set and shape.kind in ("object", "objects"):
            many = shape.kind == "objects"
            self.problem(loc, f"'{target}' is an object{' list' if many else ''}; give its "
                              f"'fields'{' with each' if many else ''}")
            return None
        paths = [self._path(p, fmt, (*loc, "path" if rule.path else "concat"), in_split)
                 for p in ([rule.path] if rule.path is not None else rule.concat or [])]
        if any(p is None for p in paths):
            return None
        text = rule.path or " + ".join(rule.concat or [])
        self.sources_of.setdefault(template_of(full), text)
        return ValueRule(
            target=target, steps=steps, many=shape.kind == "scalars",
            paths=[p for p in paths if p is not None], concat=rule.concat is not None,
            separator=rule.separator, const=rule.const,
            has_const="const" in rule.model_fields_set, default=rule.default,
            has_default="default" in rule.model_fields_set, required=rule.required,
            transforms=self._transforms(rule, (*loc, "transforms")), when=when, text=text)

    def _container(self, target: str, rule: FieldRule, shape: Shape, fmt: Format, loc: KeyPath,
                   steps: tuple[tuple[str, int | None], ...], full: str, in_split: bool,
                   when: Condition | None) -> Rule | None:
        assert rule.fields is not None
        if shape.model is None or (rule.each is None) != (shape.kind == "object"):
            need = "'each' (a list of objects)" if shape.kind == "objects" else "no 'each'"
            self.problem(loc, f"'{target}' needs {need} here")
            return None
        if rule.each is None:
            children = self._rules(rule.fields, shape.model, fmt, (*loc, "fields"), steps,
                                   full, in_split)
            return ObjectRule(target, steps, children, when)
        split = rule.each.split
        if split is None and isinstance(fmt, CsvFormat):
            self.problem((*loc, "each"), "a CSV cell repeats only by splitting: each: "
                                         "{path: COLUMN, split: ','}")
            return None
        each = self._path(rule.each.path, fmt, (*loc, "each"), in_split)
        if each is None:
            return None
        self.sources_of.setdefault(template_of(full), rule.each.path)
        children = self._rules(rule.fields, shape.model, fmt, (*loc, "fields"), (),
                               f"{template_of(full)}[]", split is not None)
        return GroupRule(target, steps, each, split, children, when)

    def _path(self, text: str, fmt: Format, loc: KeyPath, in_split: bool) -> SourcePath | None:
        if in_split:
            if text != ".":
                self.problem(loc, "inside a split group the only path is '.' (the part)")
                return None
            return PartPath()
        try:
            return fmt.compile(text)
        except ValueError as exc:
            self.problem(loc, str(exc))
            return None

    def _when(self, rule: FieldRule, fmt: Format, loc: KeyPath,
              in_split: bool) -> Condition | None:
        cond = rule.when
        if cond is None:
            return None
        path = self._path(cond.path, fmt, (*loc, "when", "path"), in_split)
        if path is None:
            return None
        test = cond.test
        argument = {"equals": cond.equals, "not_equals": cond.not_equals, "in": cond.in_,
                    "present": cond.present, "matches": cond.matches}[test]
        pattern = None
        if test == "matches":
            try:
                pattern = re.compile(str(argument))
            except re.error as exc:
                self.problem((*loc, "when", "matches"), f"invalid regular expression: {exc}")
                return None
        return Condition(path, test, argument, pattern)

    def _transforms(self, rule: FieldRule, loc: KeyPath) -> list[Fn]:
        out: list[Fn] = []
        for i, step in enumerate(rule.transforms):
            if isinstance(step.map, str) and step.map not in self.spec.codes:
                self.problem((*loc, i, "map"), f"no code map named '{step.map}' under 'codes'")
                continue
            if step.replace is not None:
                try:
                    re.compile(step.replace.pattern)
                except re.error as exc:
                    self.problem((*loc, i, "replace"), f"invalid regular expression: {exc}")
                    continue
            try:
                out.append(compile_transform(step, self.spec.codes, self.pivot))
            except Exception as exc:  # an unknown time zone, for instance
                self.problem((*loc, i), f"cannot use this transform: {exc}")
        return out


def _columns(fields: dict[str, FieldRule]) -> set[str]:
    """Every column a CSV mapping reads (to check the file's header row up front)."""
    found: set[str] = set()
    for rule in fields.values():
        found.update(p for p in [rule.path, *(rule.concat or [])] if p and p != ".")
        if rule.when is not None and rule.when.path != ".":
            found.add(rule.when.path)
        if rule.each is not None and rule.each.path != ".":
            found.add(rule.each.path)
        if rule.fields:
            found |= _columns(rule.fields)
    return found
