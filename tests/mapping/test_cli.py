"""``ssd-gateway map`` and ``quarantine``: what an integrator sees in the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssd_gateway.cli.app import build
from tests.mapping.conftest import EXAMPLES, MAPPINGS

runner = CliRunner()
APP = build()


def invoke(*args: str) -> tuple[int, str]:
    """Run the CLI; return exit code and output (stdout and stderr)."""
    result = runner.invoke(APP, list(args))
    return result.exit_code, result.output


def test_map_prints_records_and_exits_zero() -> None:
    """Mapping the school example prints both logs' canonical JSON and exits 0."""
    code, out = invoke("map", "--mapping", str(MAPPINGS / "elevsystem-stafetlog.yaml"),
                       str(EXAMPLES / "elevsystem-stafetlog.xml"))
    assert code == 0
    assert '"id": "SL-2007-0113"' in out and '"created_on": "2007-09-06"' in out
    assert "2 records: 2 mapped, 0 rejected" in out


def test_map_reports_every_problem_and_exits_one() -> None:
    """The malformed CSV: each problem with column, line and target; exit code 1."""
    code, out = invoke("map", "-m", str(MAPPINGS / "dagtilbud-samtykker.yaml"),
                       str(EXAMPLES / "dagtilbud-samtykker-fejl.csv"), "--lang", "en")
    assert code == 1
    assert "Underskrevet (linje 3, kolonne 11) → signed_at: the date does not exist" in out
    assert "Parter (linje 3, kolonne 14) → parties[1].sector:" in out
    assert "5 records: 2 mapped, 3 rejected" in out


def test_map_json_lines_with_explain() -> None:
    """--json --explain: one JSON line per record with its explanation, then a summary."""
    code, out = invoke("map", "-m", str(MAPPINGS / "sundhedspleje-underretning.yaml"),
                       str(EXAMPLES / "sundhedspleje-underretninger.json"), "--json", "--explain")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and lines[-1] == {"summary": {"mapped": 2, "rejected": 0, "quarantined": 0}}
    explained = {e["target"]: e for e in lines[0]["explain"]}
    assert explained["form_variant"]["source_value"] == "0-6 år"
    assert explained["form_variant"]["value"] == "pre_school"
    assert explained["form_variant"]["source"] == {"path": "/underretninger/0/skema"}


def test_invalid_mapping_exits_two_with_lines(tmp_path: Path) -> None:
    """A mapping with an unknown key is refused with file:line before any input is read."""
    bad = tmp_path / "bad.yaml"
    bad.write_text((MAPPINGS / "dagtilbud-samtykker.yaml").read_text(encoding="utf-8").replace(
        "  purpose_text: {path: Formålsbeskrivelse}",
        "  purpose_text: {path: Formålsbeskrivelse, defualt: x}"), encoding="utf-8")
    line = bad.read_text(encoding="utf-8").splitlines().index(
        "  purpose_text: {path: Formålsbeskrivelse, defualt: x}") + 1
    code, out = invoke("map", "-m", str(bad), str(EXAMPLES / "dagtilbud-samtykker.csv"))
    assert code == 2 and f"{bad}:{line}: fields.purpose_text.defualt: unknown key" in out


@pytest.mark.parametrize(("to", "marker"), [("fhir", '"resourceType": "Bundle"'),
                                             ("xml", "<env:message")])
def test_to_renders_each_mapped_record(to: str, marker: str) -> None:
    """--to fhir|xml renders every mapped stafetlog of the school export as a valid message."""
    code, out = invoke("map", "-m", str(MAPPINGS / "elevsystem-stafetlog.yaml"),
                       str(EXAMPLES / "elevsystem-stafetlog.xml"), "--to", to)
    assert code == 0, out
    assert out.count(marker) >= 2


def test_to_unknown_format_exits_two() -> None:
    """--to pdf is refused with the accepted names."""
    code, out = invoke("map", "-m", str(MAPPINGS / "elevsystem-stafetlog.yaml"),
                       str(EXAMPLES / "elevsystem-stafetlog.xml"), "--to", "pdf")
    assert code == 2 and "fhir" in out and "xml" in out


def test_quarantine_commands_list_show_retry(tmp_path: Path) -> None:
    """map --quarantine keeps 3 rows; list shows them, show gives problems, retry fails."""
    db = f"sqlite:///{tmp_path / 'q.db'}"
    code, out = invoke("map", "-m", str(MAPPINGS / "dagtilbud-samtykker.yaml"),
                       str(EXAMPLES / "dagtilbud-samtykker-fejl.csv"), "--quarantine", "--db", db)
    assert code == 1 and "→ karantæne #1" in out and "→ karantæne #2" in out
    code, out = invoke("quarantine", "list", "--db", db, "--json")
    assert code == 0 and [e["id"] for e in json.loads(out)] == [1, 2, 3]
    code, out = invoke("quarantine", "show", "2", "--db", db)
    assert code == 0 and "purpose_text" in out and "Oliver" not in out
    code, out = invoke("quarantine", "show", "2", "--db", db, "--payload")
    assert "Oliver" in out
    code, out = invoke("quarantine", "retry", "1", "--db", db)
    assert code == 1 and "still rejected" in out
    code, out = invoke("quarantine", "show", "9", "--db", db)
    assert code == 1 and "no quarantine entry 9" in out


def test_map_with_jobs_prints_the_same_as_one_process() -> None:
    """--jobs 2 maps the school example with two processes; the output is the same."""
    args = ("map", "--mapping", str(MAPPINGS / "elevsystem-stafetlog.yaml"),
            str(EXAMPLES / "elevsystem-stafetlog.xml"), "--json", "--explain")
    assert invoke(*args, "--jobs", "2") == invoke(*args)
