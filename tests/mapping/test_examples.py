"""The three example journals map to valid canonical records with the expected values."""

from __future__ import annotations

from typing import Any

from ssd_gateway.mapping import Mapped, Mapping, map_file
from ssd_gateway.model import Consent, Stafetlog, Underretning, record_to_json
from tests.mapping.conftest import EXAMPLES, SETTINGS


def mapped(mapping: Mapping, name: str) -> list[Any]:
    """Map an example file; fail on any rejected record; return the records."""
    outcomes = list(map_file(mapping, EXAMPLES / name, settings=SETTINGS))
    rejected = [p.render("en") for o in outcomes if not isinstance(o, Mapped) for p in o.problems]
    assert rejected == []
    return [o.record for o in outcomes if isinstance(o, Mapped)]


def test_school_xml_export_gives_two_valid_stafetlogs(school: Mapping) -> None:
    """The school's XML export (two logs) maps to two valid Stafetlog records."""
    records = mapped(school, "elevsystem-stafetlog.xml")
    assert [type(r) for r in records] == [Stafetlog, Stafetlog]
    assert [r.id for r in records] == ["SL-2007-0113", "SL-2007-0131"]


def test_school_dates_in_both_danish_forms_become_iso(school: Mapping) -> None:
    """06.09.2007 and 07.11.07 in the export come out as ISO dates in the right fields."""
    log = record_to_json(mapped(school, "elevsystem-stafetlog.xml")[0])
    assert log["created_on"] == "2007-09-06"
    assert [a["date"] for a in log["section_a"]["assessments"]] == [
        "2007-09-03", "2007-09-11", "2007-11-07"]
    assert log["section_a"]["next_review_on"] == "2007-11-07"
    assert log["holder"]["since"] == "2008-01-15"


def test_school_repeating_groups_nest(school: Mapping) -> None:
    """Plan entries (B5) each carry their own repeated participants."""
    log = record_to_json(mapped(school, "elevsystem-stafetlog.xml")[0])
    plan = log["section_b"]["plan"]
    assert [p["date"] for p in plan] == ["2007-11-12", "2008-01-15"]
    assert [len(p["participants"]) for p in plan] == [3, 5]
    assert plan[1]["participants"][3] == {"id": "F-1002", "name": "Ib Hansen", "role": "far"}


def test_school_concat_split_and_conditional_section(school: Mapping) -> None:
    """Names are concatenated, 'drøftet af' is split, and a log without AfsnitB has none."""
    first, second = mapped(school, "elevsystem-stafetlog.xml")
    assert first.child.custody_holders[0].name == "Lilly Hansen"
    assert first.section_a.discussed_by[:2] == ["Klasselærer", "Børnehaveklasseleder"]
    assert first.section_b is not None and first.section_b.consent is not None
    assert first.section_b.consent.done is True
    assert second.section_b is None


def test_daycare_cp1252_csv_gives_three_valid_consents(daycare: Mapping) -> None:
    """The daycare's Windows-1252, semicolon CSV maps to three valid Consent records."""
    records = mapped(daycare, "dagtilbud-samtykker.csv")
    assert [type(r) for r in records] == [Consent] * 3
    assert records[0].granted_by[1].name == "Søren Sørensen"


def test_daycare_local_codes_map_to_sectors_categories_purposes(daycare: Mapping) -> None:
    """Local party codes (DI, SPL, LÆGE) become sectors; categories and purposes too."""
    records = [record_to_json(r) for r in mapped(daycare, "dagtilbud-samtykker.csv")]
    assert [p["sector"] for p in records[1]["parties"]] == [
        "daycare", "municipal_health", "general_practitioner"]
    assert records[0]["categories"] == ["health", "private_family"]
    assert records[0]["purposes"] == ["coordination", "transition"]
    assert records[2]["form"] == "oral"
    assert records[0]["valid_until"] == "2027-01-13"


def test_daycare_second_parent_only_when_present(daycare: Mapping) -> None:
    """A row without a second custody holder yields one grant, not an empty second."""
    records = mapped(daycare, "dagtilbud-samtykker.csv")
    assert [len(r.granted_by) for r in records] == [2, 1, 2]


def test_health_json_gives_two_valid_underretninger(health: Mapping) -> None:
    """The health-visitor journal's JSON maps to two valid pre-school underretninger."""
    records = mapped(health, "sundhedspleje-underretninger.json")
    assert [type(r) for r in records] == [Underretning, Underretning]
    assert {r.form_variant.value for r in records} == {"pre_school"}
    assert records[0].notifier.kind.value == "public_employee"


def test_health_conditional_fields_follow_their_conditions(health: Mapping) -> None:
    """Interpreter language and withhold reason appear only when their condition holds."""
    first, second = (record_to_json(r)
                     for r in mapped(health, "sundhedspleje-underretninger.json"))
    assert first["interpreter_language"] == "arabisk"
    assert "interpreter_language" not in second
    assert "withhold_reason" not in first
    assert second["withhold_from_parents"] is True and second["withhold_reason"]
    assert second["parents_informed"]["informed"] is False
    assert first["created_at"] == "2026-03-13T14:05:00+01:00"
    assert second["created_at"] == "2026-03-13T11:40:00+01:00"
