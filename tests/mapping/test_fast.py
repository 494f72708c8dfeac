"""The fast path gives exactly the outcomes of the rules, on good and on broken input.

Each shipped example, and hundreds of variations of it (an element or attribute removed,
blanked, doubled, given a bad date or an unknown code; a JSON value deleted, nulled or made
bad; a CSV cell emptied or made bad), is mapped twice: with the mapping's compiled fast path
and with the rules alone. The outcomes, records and every reported problem, must be equal.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from ssd_gateway.mapping import Mapped, Mapping, map_bytes
from ssd_gateway.mapping.build import Obj, plain
from ssd_gateway.mapping.fast import compile_fast
from ssd_gateway.mapping.sources import SourceFailure
from ssd_gateway.mapping.sources.xmlsrc import element_text, has_text
from tests.mapping.conftest import EXAMPLES, SETTINGS

BAD_VALUES = ("", "   ", "31.02.2007", "xx", "Ukendt", "ja", "07.11.07", "\t")


def rules_only(mapping: Mapping) -> Mapping:
    """The same mapping without its fast path (the engine then runs the rules)."""
    plain = copy.copy(mapping)
    plain.fast = None
    return plain


def outcomes(mapping: Mapping, data: bytes) -> list[Any]:
    """Every outcome of mapping ``data``."""
    return list(map_bytes(mapping, data, settings=SETTINGS))


def assert_same(mapping: Mapping, data: bytes) -> list[Any]:
    """Map ``data`` both ways; the outcomes must be equal. Returns them.

    Also record by record: the fast path's data equals what the rules build (``plain``),
    and it gives up exactly when the rules flag a problem.
    """
    fast, slow = outcomes(mapping, data), outcomes(rules_only(mapping), data)
    assert fast == slow
    assert mapping.fast is not None
    for record in mapping.format.read(io.BytesIO(data)):
        if isinstance(record, SourceFailure):
            continue
        root = Obj(record.location)
        for rule in mapping.rules:
            rule.apply(record.node, root, record.location)
        built, flagged = plain(root)
        assert mapping.fast.build(record.node) == (None if flagged else built)
    return fast


def xml_variations(data: bytes) -> Iterator[bytes]:
    """The export with one change each: every element and attribute of every record."""
    root = etree.fromstring(data)
    for position in range(len(list(root.iter()))):
        for change in range(7):
            doc = copy.deepcopy(root)
            element = list(doc.iter())[position]
            if element is doc or not isinstance(element.tag, str):
                continue
            if _change_element(element, change):
                yield etree.tostring(doc, xml_declaration=True, encoding="utf-8")
        element = list(root.iter())[position]
        for name in element.attrib if isinstance(element.tag, str) else ():
            for value in (None, *BAD_VALUES[:5]):
                doc = copy.deepcopy(root)
                target = list(doc.iter())[position]
                if value is None:
                    del target.attrib[name]
                else:
                    target.set(name, value)
                yield etree.tostring(doc, xml_declaration=True, encoding="utf-8")


def _change_element(element: Any, change: int) -> bool:
    parent = element.getparent()
    if change == 0:
        parent.remove(element)
    elif change == 1:
        parent.insert(parent.index(element), copy.deepcopy(element))
    elif len(element) == 0:
        element.text = BAD_VALUES[change - 2]
    elif change == 2:
        for child in list(element):
            element.remove(child)
    else:
        return False
    return True


def json_variations(data: bytes) -> Iterator[bytes]:
    """The export with one change each: every value deleted, nulled or made bad."""
    doc = json.loads(data)
    for path in list(_json_paths(doc)):
        for change in ("delete", None, *BAD_VALUES[:4]):
            varied = copy.deepcopy(doc)
            parent = varied
            for step in path[:-1]:
                parent = parent[step]
            if change == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = change
            yield json.dumps(varied, ensure_ascii=False).encode()


def _json_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key)
            yield from _json_paths(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _json_paths(child, (*path, i))


def csv_variations(data: bytes) -> Iterator[bytes]:
    """The export with one change each: every cell emptied or made bad."""
    text = data.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    for r in range(1, len(rows)):
        for c in range(len(rows[r])):
            for value in BAD_VALUES[:5]:
                varied = [list(row) for row in rows]
                varied[r][c] = value
                out = io.StringIO()
                csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(varied)
                yield out.getvalue().encode("cp1252")


def test_the_examples_take_the_fast_path(school: Mapping, daycare: Mapping,
                                         health: Mapping) -> None:
    """Every record of the three examples maps through the fast path, not the rules."""
    for mapping, name in ((school, "elevsystem-stafetlog.xml"),
                          (daycare, "dagtilbud-samtykker.csv"),
                          (health, "sundhedspleje-underretninger.json")):
        assert mapping.fast is not None
        with open(EXAMPLES / name, "rb") as stream:
            records = list(mapping.format.read(stream))
            assert records and all(mapping.fast.build(r.node) is not None for r in records)


def test_examples_map_the_same_both_ways(school: Mapping, daycare: Mapping,
                                         health: Mapping) -> None:
    """The examples (and the daycare's broken one) give equal outcomes both ways."""
    for mapping, name in ((school, "elevsystem-stafetlog.xml"),
                          (daycare, "dagtilbud-samtykker.csv"),
                          (daycare, "dagtilbud-samtykker-fejl.csv"),
                          (health, "sundhedspleje-underretninger.json")):
        assert assert_same(mapping, (EXAMPLES / name).read_bytes())


@pytest.mark.parametrize("kind", ["xml", "json", "csv"])
def test_every_single_change_maps_the_same_both_ways(kind: str, school: Mapping,
                                                     daycare: Mapping,
                                                     health: Mapping) -> None:
    """Each one-change variation gives equal outcomes; some are refused, some not."""
    mapping, name, variations = {
        "xml": (school, "elevsystem-stafetlog.xml", xml_variations),
        "json": (health, "sundhedspleje-underretninger.json", json_variations),
        "csv": (daycare, "dagtilbud-samtykker.csv", csv_variations),
    }[kind]
    kinds = set()
    count = 0
    for data in variations((EXAMPLES / name).read_bytes()):
        kinds.update(type(o).__name__ for o in assert_same(mapping, data))
        count += 1
    assert count > 50 and kinds == {"Mapped", "Rejected"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), changes=st.integers(2, 4))
def test_several_changes_map_the_same_both_ways(school: Mapping, seed: int,
                                                changes: int) -> None:
    """Two to four random changes at once in the XML export: equal outcomes."""
    rnd = random.Random(seed)
    root = etree.fromstring((EXAMPLES / "elevsystem-stafetlog.xml").read_bytes())
    for _ in range(changes):
        elements = [e for e in root.iter() if e is not root and isinstance(e.tag, str)]
        element = rnd.choice(elements)
        if element.attrib and rnd.random() < 0.5:
            element.set(rnd.choice(list(element.attrib)), rnd.choice(BAD_VALUES))
        else:
            _change_element(element, rnd.randrange(7))
    assert_same(school, etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def test_a_failing_transform_leaves_the_record_to_the_rules(school: Mapping) -> None:
    """A bad date makes the fast path give up; the rules report it at its source."""
    data = (EXAMPLES / "elevsystem-stafetlog.xml").read_bytes().replace(
        b"<sl:Oprettet>06.09.2007", b"<sl:Oprettet>31.02.2007", 1)
    first = outcomes(school, data)[0]
    assert not isinstance(first, Mapped)
    assert [(p.target, p.code) for p in first.problems] == [("created_on", "date_impossible")]


def test_the_generated_source_holds_no_text_from_the_mapping(school: Mapping, daycare: Mapping,
                                                             health: Mapping) -> None:
    """No quote character in the generated code: mapping values enter only as constants."""
    for mapping in (school, daycare, health):
        fast = compile_fast(mapping.rules, xml=mapping.format.content_type == "application/xml")
        assert "def build(node):" in fast.source
        assert "'" not in fast.source and '"' not in fast.source


EDGE_MAPPING = """
id: kanttilfaelde
version: "1"
source:
  format: xml
  namespaces: {e: "urn:eksempel"}
  record: /e:Eksport/e:Log
target:
  kind: stafetlog
codes:
  status: {Aktiv: open, Tom: "", Intet: null}
fields:
  id: {path: "@id"}
  status: {path: "@status", transforms: [{map: status}]}
  section_a:
    fields:
      concern_why: {concat: ["e:A", "e:B"], separator: " / "}
      discussed_by: {path: "e:Droeftet", transforms: [{split: ";"}]}
"""


@pytest.mark.parametrize("status,droeftet", [
    ("Aktiv", "a; b"), ("Tom", ";;"), ("Intet", "  "), ("Ukendt", ";x;"), ("", "")])
def test_transforms_that_give_nothing_map_the_same_both_ways(status: str,
                                                             droeftet: str) -> None:
    """A code mapped to blank or null and a split with no parts: the same both ways."""
    from ssd_gateway.mapping.loader import parse_mapping

    mapping = parse_mapping(EDGE_MAPPING)
    doc = (f'<e:Eksport xmlns:e="urn:eksempel"><e:Log id="L-1" status="{status}">'
           f"<e:A> a </e:A><e:B></e:B><e:Droeftet>{droeftet}</e:Droeftet></e:Log>"
           "</e:Eksport>").encode()
    assert assert_same(mapping, doc)


_PIECES = st.sampled_from(["", " ", "\n\t ", "\u00a0", "x", " Aktiv ", "\u2003"])
#: (kind, text, tail, children): an element, a comment or a processing instruction
_NODES = st.recursive(
    st.tuples(st.sampled_from(["element", "comment", "pi"]), _PIECES, _PIECES, st.just(())),
    lambda kids: st.tuples(st.just("element"), _PIECES, _PIECES,
                           st.lists(kids, max_size=3).map(tuple)),
    max_leaves=8)


def _build(parent: Any, node: tuple[str, str, str, tuple[Any, ...]]) -> None:
    kind, text, tail, kids = node
    child = {"element": lambda: etree.SubElement(parent, "b"),
             "comment": lambda: etree.Comment(text), "pi": lambda: etree.PI("p", text)}[kind]()
    if kind != "element":
        parent.append(child)
    else:
        child.text = text or None
    child.tail = tail or None
    for kid in kids:
        _build(child, kid)


@settings(max_examples=300, deadline=None)
@given(text=_PIECES, kids=st.lists(_NODES, max_size=3))
def test_has_text_agrees_with_the_joined_text(text: str, kids: list[Any]) -> None:
    """``has_text`` is True exactly when the element's joined text (itertext, as the rules
    read it: comments' and processing instructions' text left out) is not blank."""
    element = etree.Element("a")
    element.text = text or None
    for kid in kids:
        _build(element, kid)
    assert has_text(element) is bool(element_text(element).strip())


_TAGS = st.sampled_from(["a", "b", "{urn:x}a", "{urn:y}b"])
#: (tag or None for a comment, children)
_TREES = st.recursive(st.tuples(st.one_of(st.none(), _TAGS), st.just(())),
                      lambda kids: st.tuples(_TAGS, st.lists(kids, max_size=4).map(tuple)),
                      max_leaves=12)


def _grow(parent: Any, node: tuple[str | None, tuple[Any, ...]]) -> None:
    tag, kids = node
    if tag is None:
        parent.append(etree.Comment("c"))
        return
    child = etree.SubElement(parent, tag)
    for kid in kids:
        _grow(child, kid)


@settings(max_examples=300, deadline=None)
@given(kids=st.lists(_TREES, max_size=4))
def test_the_record_index_agrees_with_asking_each_element(kids: list[Any]) -> None:
    """``_index`` (one pass over the record) gives every element the children by tag, in
    document order, that ``_children`` finds by asking the element; comments left out."""
    from ssd_gateway.mapping.fast import _index
    from ssd_gateway.mapping.sources.xmlsrc import _children

    record = etree.Element("r")
    for kid in kids:
        _grow(record, kid)
    index = _index(record)
    for element in record.iter(tag=etree.Element):
        assert index.get(element, {}) == _children(element, {})
    assert all(found for found in index.values())
