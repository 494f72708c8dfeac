"""A mapping file is checked when loaded; every problem names its line in the file."""

from __future__ import annotations

import textwrap

import pytest

from ssd_gateway.mapping import MappingInvalid, SpecProblem, parse_mapping

XML_HEAD = """\
id: test
version: "1"
source:
  format: xml
  namespaces: {s: "urn:test"}
  record: /s:Eksport/s:Post
target:
  kind: consent
"""


def problems(text: str) -> list[SpecProblem]:
    """Load ``text`` as a mapping and return the problems it must raise."""
    with pytest.raises(MappingInvalid) as info:
        parse_mapping(textwrap.dedent(text), "test.yaml")
    return info.value.problems


def lines(text: str) -> dict[int | None, str]:
    """Line → message of every problem in ``text``."""
    return {p.line: p.message for p in problems(text)}


def test_unknown_key_is_reported_at_its_line() -> None:
    """A misspelt 'trasnforms' (line 11) is an unknown key at line 11."""
    found = lines(XML_HEAD + """\
fields:
  id: {path: "s:Id"}
  signed_at: {path: "s:Dato", trasnforms: [date]}
""")
    assert found == {11: "unknown key"}


def test_unknown_target_field_is_reported_at_its_line() -> None:
    """A target field the Consent model lacks is an error naming the field, at its line."""
    found = problems(XML_HEAD + """\
fields:
  id: {path: "s:Id"}
  child.cpr: {path: "s:Cpr"}
""")
    assert [(p.line, p.key) for p in found] == [(11, "fields.child.cpr")]
    assert "'child' is not a field of Consent" in found[0].message


def test_nested_unknown_target_inside_a_group_is_found() -> None:
    """An unknown field inside a repeating group is reported at its own line."""
    found = lines(XML_HEAD + """\
fields:
  id: {path: "s:Id"}
  parties:
    each: s:Part
    fields:
      sector: {path: "@sektor"}
      sektor: {path: "@sektor"}
""")
    assert list(found) == [15]
    assert "'sektor' is not a field of ConsentParty" in found[15]


def test_bad_xpath_syntax_is_reported_at_its_line() -> None:
    """An XPath with a syntax error is reported at the line of its 'path'."""
    found = lines(XML_HEAD + """\
fields:
  id: {path: "s:Id[["}
""")
    assert list(found) == [10] and "invalid XPath" in found[10]


def test_undeclared_namespace_prefix_is_an_error() -> None:
    """A path using a prefix not in source.namespaces fails when loaded, not when run."""
    found = lines(XML_HEAD + """\
fields:
  id: {path: "x:Id"}
  child_id: {path: "count(y:Cpr)"}
""")
    assert set(found) == {10, 11}
    assert "'x' is not declared" in found[10]


def test_every_problem_is_reported_at_once() -> None:
    """Four independent problems in one file give four problems, each with its line."""
    found = problems(XML_HEAD + """\
codes:
  roller: {Mor: custody_holder}
fields:
  id: {path: "s:Id", bogus: 1}
  signed_at: {path: "s:Dato", transforms: [{map: rolle}]}
  child_idx: {path: "s:Cpr"}
  parties: {path: "s:Parter"}
""")
    by_line = {p.line: p.message for p in found}
    assert set(by_line) == {12, 13, 14, 15}
    assert "unknown key" in by_line[12]
    assert "no code map named 'rolle'" in by_line[13]
    assert "unknown target field" in by_line[14]
    assert "object list" in by_line[15]


def test_unknown_transform_and_record_kind_are_errors() -> None:
    """An unknown transform name and an unknown target kind are both reported."""
    found = lines("""\
id: test
version: 1
source: {format: json, records: /poster}
target: {kind: samtykke}
fields:
  id: {path: id, transforms: [capitalise]}
""")
    assert set(found) == {4, 6}
    assert "unknown record kind" in found[4]


def test_csv_column_not_in_declared_header_is_an_error() -> None:
    """With source.header declared, a rule reading another column fails at load."""
    found = lines("""\
id: test
version: "1"
source: {format: csv, delimiter: ";", header: [Nr, CPR]}
target: {kind: consent}
fields:
  id: {path: Nr}
  child_id: {path: Cpr}
""")
    assert list(found) == [7] and "column 'Cpr' is not in source.header" in found[7]


def test_unknown_encoding_and_yaml_errors_have_lines() -> None:
    """An unknown codec is reported at its key; broken YAML at the broken line."""
    found = lines("""\
id: test
version: "1"
source: {format: csv, encoding: windows-1250x}
target: {kind: consent}
fields: {id: {path: Nr}}
""")
    assert list(found) == [3] and "unknown encoding" in found[3]
    broken = problems("id: test\nversion: 1\nfields:\n  id: {path: [\n")
    assert broken[0].line is not None and broken[0].line >= 4


def test_duplicate_key_is_an_error_not_a_silent_override() -> None:
    """The same target given twice is refused at the second one's line."""
    found = lines(XML_HEAD + """\
fields:
  id: {path: "s:Id"}
  id: {path: "s:Nr"}
""")
    assert found == {11: "duplicate key 'id'"}


def test_overlapping_targets_are_refused() -> None:
    """A whole-object constant and a rule for one of its fields cannot both be given."""
    found = lines(XML_HEAD + """\
fields:
  id: {path: "s:Id"}
  granted_by: {const: []}
  granted_by[0].role: {const: custody_holder}
""")
    assert list(found) == [12] and "overlaps 'granted_by'" in found[12]


def test_code_map_keys_stay_text() -> None:
    """A code map key like 01 stays the text '01' (YAML would otherwise make it 1)."""
    mapping = parse_mapping(textwrap.dedent("""\
        id: test
        version: "1"
        source: {format: json}
        target: {kind: consent}
        codes: {form: {"x": written, 01: oral}}
        fields: {id: {path: id}}
    """))
    assert set(mapping.spec.codes["form"]) == {"x", "01"}


def test_shipped_mappings_all_load() -> None:
    """Every mapping shipped in mappings/ loads without problems."""
    from ssd_gateway.mapping import load_mapping, mapping_files

    files = mapping_files()
    assert len(files) >= 3
    assert all(load_mapping(f).id for f in files)
