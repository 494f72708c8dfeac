"""Schema and model problems in XML name the exact path and line, in Danish and English."""

from __future__ import annotations

import pytest

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.model import ValidationSettings
from ssd_gateway.xml import XmlProblem, validate_xml, xml_to_message
from tests.conftest import TODAY

SETTINGS = ValidationSettings(today=TODAY)
CHILD = "/env:message/und:underretning/und:child"


def problems_of(data: bytes) -> dict[str, str]:
    """Map path -> code of every schema problem in ``data``."""
    return {p.path: p.code for p in validate_xml(data)}


def line_of(data: bytes, needle: bytes) -> int:
    """The 1-based line of the first occurrence of ``needle``."""
    return data[: data.index(needle)].count(b"\n") + 1


def test_valid_samples_have_no_problems(documents: dict[str, bytes]) -> None:
    """Every rendered sample is valid."""
    assert {kind: validate_xml(data) for kind, data in documents.items()} == {
        kind: [] for kind in documents}


def test_bad_cpr_pattern_is_reported_at_child_id(documents: dict[str, bytes]) -> None:
    """A 5-digit child id breaks the CPR pattern at /env:message/und:underretning/und:child/c:id."""
    data = documents["underretning"]
    cpr = data.split(b"<c:id>", 1)[1].split(b"<", 1)[0]
    bad = data.replace(b"<c:id>" + cpr, b"<c:id>12345", 1)
    [problem] = validate_xml(bad)
    assert (problem.path, problem.code) == (f"{CHILD}/c:id", "xml_pattern")
    assert isinstance(problem, XmlProblem)
    assert problem.line == line_of(bad, b"<c:id>12345")
    assert "CPR-nummer" in problem.message_da and "CPR number" in problem.message_en
    assert f"(line {problem.line})" in problem.message_en


def test_impossible_cpr_month_fails_the_schema(documents: dict[str, bytes]) -> None:
    """Ten digits whose month is 34 do not match the CPR pattern either."""
    data = documents["underretning"]
    cpr = data.split(b"<c:id>", 1)[1].split(b"<", 1)[0]
    bad = data.replace(b"<c:id>" + cpr, b"<c:id>1234567891", 1)
    assert problems_of(bad) == {f"{CHILD}/c:id": "xml_pattern"}


def test_unknown_sector_is_reported_with_the_allowed_codes(documents: dict[str, bytes]) -> None:
    """An unknown sector is refused at /env:message/env:recipient/c:sector, listing the codes."""
    bad = documents["underretning"].replace(b">social_authority<", b">welfare_office<", 1)
    [problem] = validate_xml(bad)
    assert (problem.path, problem.code) == ("/env:message/env:recipient/c:sector",
                                            "xml_enumeration")
    assert "social_authority" in problem.message_en and "tilladt" in problem.message_da


def test_missing_required_element_is_reported_at_its_own_path(
    documents: dict[str, bytes],
) -> None:
    """A missing birth date is reported at .../und:child/c:birth_date, not just at the child."""
    data = documents["underretning"]
    start = data.index(b"<c:birth_date>")
    end = data.index(b"</c:birth_date>") + len(b"</c:birth_date>")
    bad = data[:start] + data[end:]
    [problem] = validate_xml(bad)
    assert (problem.path, problem.code) == (f"{CHILD}/c:birth_date", "xml_missing_element")
    assert "mangler" in problem.message_da and "missing" in problem.message_en


def test_missing_last_element_is_reported(documents: dict[str, bytes]) -> None:
    """A document that ends before a required element names the element that is missing."""
    data = documents["feedback"]
    start = data.index(b"<fb:answered_at>")
    end = data.index(b"</fb:answered_at>") + len(b"</fb:answered_at>")
    assert problems_of(data[:start] + data[end:]) == {
        "/env:message/fb:feedback/fb:answered_at": "xml_missing_element"}


def test_unknown_element_is_reported_where_it_is(documents: dict[str, bytes]) -> None:
    """An element the schema does not know is reported at its own path."""
    bad = documents["underretning"].replace(
        b"</und:background>", b"</und:background><und:gossip>x</und:gossip>", 1)
    assert problems_of(bad) == {"/env:message/und:underretning/und:gossip":
                                "xml_unexpected_element"}


def test_repeated_elements_are_numbered(documents: dict[str, bytes]) -> None:
    """A fault in the second custody holder is reported at c:custody_holder[2]."""
    data = documents["underretning"]
    bad = data.replace(b"<c:id>far-1</c:id>", b"", 1)
    assert problems_of(bad) == {f"{CHILD}/c:custody_holder[2]/c:id": "xml_missing_element"}


def test_datetime_without_zone_is_refused(documents: dict[str, bytes]) -> None:
    """A sent_at without time zone breaks DateTimeWithZone."""
    bad = documents["consent"].replace(b"T11:00:00Z</env:sent_at>", b"T11:00:00</env:sent_at>")
    assert problems_of(bad) == {"/env:message/env:sent_at": "xml_pattern"}


def test_several_problems_are_all_reported(documents: dict[str, bytes]) -> None:
    """Independent faults in one document are each reported once."""
    bad = (documents["underretning"].replace(b">social_authority<", b">nope<", 1)
           .replace(b"<c:municipality>0101<", b"<c:municipality>1<"))
    found = problems_of(bad)
    assert found["/env:message/env:recipient/c:sector"] == "xml_enumeration"
    assert found[f"{CHILD}/c:municipality"] == "xml_pattern"
    assert found["/env:message/env:sender/c:municipality"] == "xml_pattern"


def test_problem_texts_do_not_quote_the_value(documents: dict[str, bytes]) -> None:
    """A refused CPR-like value never appears in the problem texts (they reach logs and acks)."""
    data = documents["underretning"]
    cpr = data.split(b"<c:id>", 1)[1].split(b"<", 1)[0]
    bad = data.replace(b"<c:id>" + cpr, b"<c:id>010203123", 1)
    for problem in validate_xml(bad):
        assert "010203123" not in problem.message_da + problem.message_en


def test_unknown_root_element_is_reported(documents: dict[str, bytes]) -> None:
    """A document whose root is not one of ours says what was expected."""
    [problem] = validate_xml(b"<invoice xmlns='urn:example'/>")
    assert problem.code == "xml_unknown_document"
    assert "envelope" in problem.message_en


def test_not_well_formed_xml_is_a_problem_with_a_line() -> None:
    """Broken XML is reported as not well-formed, with the line where parsing failed."""
    [problem] = validate_xml(b"<a>\n<b>\n</a>")
    assert problem.code == "xml_not_well_formed"
    assert isinstance(problem, XmlProblem) and problem.line is not None


def test_reading_reports_schema_problems(documents: dict[str, bytes]) -> None:
    """xml_to_message refuses a schema-invalid document with the schema's path."""
    bad = documents["underretning"].replace(b">social_authority<", b">x<", 1)
    with pytest.raises(RecordInvalid) as info:
        xml_to_message(bad, SETTINGS)
    assert [p.path for p in info.value.problems] == ["/env:message/env:recipient/c:sector"]


def test_model_problem_is_reported_at_its_xml_path(documents: dict[str, bytes]) -> None:
    """A birth date that contradicts the CPR (a model rule) is reported at c:birth_date."""
    data = documents["underretning"]
    bad = data.replace(b"<c:birth_date>2019-01-12<", b"<c:birth_date>2019-01-13<", 1)
    assert bad != data
    with pytest.raises(RecordInvalid) as info:
        xml_to_message(bad, SETTINGS)
    [problem] = info.value.problems
    assert (problem.path, problem.code) == (f"{CHILD}/c:birth_date", "cpr_birth_date_mismatch")
    assert isinstance(problem, XmlProblem)
    assert problem.line == line_of(bad, b"<c:birth_date>")
    assert "fødselsdatoen" in problem.message_da


def test_missing_model_element_is_reported_at_the_path_it_would_have(
    documents: dict[str, bytes],
) -> None:
    """An open stafetlog without a holder is refused at /env:message/sta:stafetlog/sta:holder."""
    data = documents["stafetlog"]
    start = data.index(b"<sta:holder>")
    end = data.index(b"</sta:holder>") + len(b"</sta:holder>")
    with pytest.raises(RecordInvalid) as info:
        xml_to_message(data[:start] + data[end:], SETTINGS)
    assert [(p.path, p.code) for p in info.value.problems] == [
        ("/env:message/sta:stafetlog/sta:holder", "holder_required")]


def test_wrong_form_for_age_is_reported_at_form_variant(documents: dict[str, bytes]) -> None:
    """The pre-school form for a six-year-old is refused at und:form_variant."""
    bad = documents["underretning"].replace(
        b"<und:form_variant>school<", b"<und:form_variant>pre_school<")
    with pytest.raises(RecordInvalid) as info:
        xml_to_message(bad, SETTINGS)
    assert [(p.path, p.code) for p in info.value.problems] == [
        ("/env:message/und:underretning/und:form_variant", "form_variant_age")]


def test_future_dated_list_entry_is_reported_with_its_position(
    documents: dict[str, bytes],
) -> None:
    """A future assessment date names the assessment element it is in."""
    data = documents["stafetlog"]
    head, tail = data.split(b"<sta:assessment>", 1)
    date_text = tail.split(b"<sta:date>", 1)[1].split(b"<", 1)[0]
    bad = head + b"<sta:assessment>" + tail.replace(date_text, b"2099-01-01", 1)
    with pytest.raises(RecordInvalid) as info:
        xml_to_message(bad, SETTINGS)
    paths = {(p.path, p.code) for p in info.value.problems}
    assert ("/env:message/sta:stafetlog/sta:section_a/sta:assessment/sta:date",
            "future_date") in paths


def test_a_record_document_is_not_a_message(documents: dict[str, bytes]) -> None:
    """xml_to_message wants an envelope; a bare acknowledgement is refused as unknown."""
    ack = b"<ack:acknowledgement xmlns:ack='urn:ssd-gateway:acknowledgement:1'/>"
    with pytest.raises(RecordInvalid) as info:
        xml_to_message(ack, SETTINGS)
    assert [p.code for p in info.value.problems] == ["xml_unknown_document"]
