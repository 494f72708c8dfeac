"""Acknowledgements as XML: written, validated and read back into the contract's dataclass."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssd_gateway.contracts import Acknowledgement
from ssd_gateway.exceptions import Problem, RecordInvalid
from ssd_gateway.xml import (
    make_acknowledgement_xml,
    read_acknowledgement_xml,
    schema_path,
    validate_acknowledgement,
)
from tests.xml.conftest import run_xmllint

ISSUE = Problem(path="/env:message/und:underretning/und:child/c:id", code="xml_pattern",
                message_da="værdien har forkert format",
                message_en="the value has the wrong format")


def test_ok_acknowledgement_round_trips() -> None:
    """An ok acknowledgement reads back with its ids and code, and keeps its body."""
    data = make_acknowledgement_xml("msg-1", "bundle-1", "ok")
    ack = read_acknowledgement_xml(data)
    assert ack == Acknowledgement(code="ok", message_id="msg-1", bundle_id="bundle-1", body=data)


def test_issues_and_warnings_round_trip() -> None:
    """Issues (code, path, Danish and English text) and warnings come back unchanged."""
    warnings = ("PARENTS_NOT_INFORMED_NO_REASON", "ASSESSMENT_IN_UNDERRETNING")
    root_issue = Problem(path="", code="RECORD_INVALID", message_da="ø æ å", message_en="")
    data = make_acknowledgement_xml("msg-2", "b-2", "fatal-error", [ISSUE, root_issue], warnings)
    ack = read_acknowledgement_xml(data)
    assert ack.code == "fatal-error"
    assert ack.issues == (ISSUE, root_issue)
    assert ack.warnings == warnings


def test_every_code_is_accepted() -> None:
    """ok, transient-error and fatal-error are all valid codes."""
    for code in ("ok", "transient-error", "fatal-error"):
        data = make_acknowledgement_xml("m", "b", code)  # type: ignore[arg-type]
        assert validate_acknowledgement(data) == []
        assert read_acknowledgement_xml(data).code == code


def test_unknown_code_is_refused_at_its_path() -> None:
    """A code outside ok|transient-error|fatal-error is refused at /ack:acknowledgement/ack:code."""
    data = make_acknowledgement_xml("m", "b", "ok").replace(b">ok<", b">maybe<")
    assert [(p.path, p.code) for p in validate_acknowledgement(data)] == [
        ("/ack:acknowledgement/ack:code", "xml_enumeration")]
    with pytest.raises(RecordInvalid):
        read_acknowledgement_xml(data)


def test_empty_message_id_cannot_be_written() -> None:
    """An acknowledgement must name the message it acknowledges."""
    with pytest.raises(RecordInvalid) as info:
        make_acknowledgement_xml(" ", "b", "ok")
    assert [p.path for p in info.value.problems] == ["/ack:acknowledgement/ack:message_id"]


def test_control_character_in_an_issue_is_refused() -> None:
    """An issue text XML cannot carry is refused with the path of the field."""
    bad = Problem(path="p", code="c", message_da="a\x00b", message_en="x")
    with pytest.raises(RecordInvalid) as info:
        make_acknowledgement_xml("m", "b", "fatal-error", [bad])
    assert info.value.problems[0].path == "/ack:acknowledgement/ack:issue/ack:message_da"


def test_a_message_is_not_an_acknowledgement(documents: dict[str, bytes]) -> None:
    """validate_acknowledgement refuses a message envelope as the wrong document."""
    [problem] = validate_acknowledgement(documents["feedback"])
    assert problem.code == "xml_unknown_document"


def test_acknowledgement_validates_with_xmllint(xmllint: str, tmp_path: Path) -> None:
    """xmllint accepts an acknowledgement with issues against acknowledgement.xsd."""
    target = tmp_path / "ack.xml"
    target.write_bytes(make_acknowledgement_xml("m", "b", "fatal-error", [ISSUE], ["W"]))
    result = run_xmllint(xmllint, schema_path("acknowledgement"), target)
    assert result.returncode == 0, result.stderr
