"""``render`` and ``validate`` on the command line, for both formats."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssd_gateway.cli.app import build
from ssd_gateway.samples import sample_message_data

runner = CliRunner()


def _message_file(tmp_path: Path, kind: str) -> Path:
    """Write today's sample message of ``kind`` to a file."""
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps(sample_message_data(date.today())[kind]), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["fhir", "xml"])
def test_render_then_validate_round_trip(tmp_path: Path, fmt: str) -> None:
    """A rendered underretning validates with the same CLI, whichever format."""
    result = runner.invoke(build(), ["render", "--format", fmt,
                                     str(_message_file(tmp_path, "underretning"))])
    assert result.exit_code == 0, result.output
    out = tmp_path / ("m.json" if fmt == "fhir" else "m.xml")
    out.write_text(result.stdout, encoding="utf-8")
    checked = runner.invoke(build(), ["validate", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "gyldig" in checked.stdout


def test_render_reports_invalid_record_with_path(tmp_path: Path) -> None:
    """An impossible CPR stops render with exit 2 and the exact path, in Danish."""
    data = sample_message_data(date.today())["consent"]
    data["record"]["child_id"] = "3102154321"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(build(), ["render", "--format", "xml", str(path)])
    assert result.exit_code == 2
    expected = "record.child_id: CPR-nummerets første seks cifre er ikke en gyldig dato"
    assert expected in result.output


def test_validate_names_the_xml_path_of_a_schema_error(tmp_path: Path) -> None:
    """A tampered sector in an XML message is reported at its XML path, in English on request."""
    rendered = runner.invoke(build(), ["render", "--format", "xml",
                                       str(_message_file(tmp_path, "consent"))]).stdout
    bad = tmp_path / "bad.xml"
    bad.write_text(rendered.replace(">school<", ">hospitalet<", 1), encoding="utf-8")
    result = runner.invoke(build(), ["validate", "--lang", "en", str(bad)])
    assert result.exit_code == 2
    assert "c:sector" in result.output


def test_validate_reports_a_broken_fhir_bundle(tmp_path: Path) -> None:
    """A FHIR Bundle without its MessageHeader first is refused."""
    rendered = runner.invoke(build(), ["render", "--format", "fhir",
                                       str(_message_file(tmp_path, "stafetlog"))]).stdout
    bundle = json.loads(rendered)
    bundle["entry"] = bundle["entry"][1:]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bundle))
    result = runner.invoke(build(), ["validate", str(bad)])
    assert result.exit_code == 2


def test_validate_refuses_unknown_format(tmp_path: Path) -> None:
    """A file that is neither XML nor JSON is refused with a clear message."""
    path = tmp_path / "x.txt"
    path.write_text("hello")
    result = runner.invoke(build(), ["validate", "--lang", "en", str(path)])
    assert result.exit_code == 2 and "neither XML nor FHIR JSON" in result.output
